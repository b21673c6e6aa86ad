package io.sluice.http.push;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Writes to an HTTP origin or CDN ingest with {@code PUT} and {@code DELETE} (RFC 9110 §9.3.4, §9.3.5), e.g.
 * nginx with {@code dav_methods PUT DELETE}: {@code put("live/cam/seg-12.m4s", …)} sends
 * {@code PUT <base>live/cam/seg-12.m4s}. Any 2xx is success; a {@code DELETE} answered 404 or 410 counts as
 * done (the file is gone either way).
 *
 * <p>Built on {@link java.net.http.HttpClient} rather than Netty's HTTP codec: a push is a few requests per
 * segment (a handful per second), so what matters is connection reuse, TLS with the JDK's trust store,
 * HTTP/2 by ALPN for {@code https}, redirects and timeouts, all of which the JDK client has built in and
 * tested; with Netty the module would carry its own connection pool, TLS and ALPN set-up and response
 * aggregation for no gain at that rate. The client's own executor completes the futures; ordering and
 * bounds are {@link OriginPush}'s. Cleartext {@code http} uses HTTP/1.1 (no {@code h2c} upgrade attempt,
 * which origins such as nginx ignore or refuse with a request body).
 *
 * <p>Thread-safe.
 */
public final class HttpOriginWriter implements OriginWriter {
    private final URI base;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final List<String[]> headers;

    private HttpOriginWriter(Builder b) {
        this.base = b.base;
        this.requestTimeout = b.requestTimeout;
        this.headers = List.copyOf(b.headers);
        this.client = HttpClient.newBuilder()
                .version("https".equals(b.base.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /**
     * @param base the origin URL that paths are resolved against, {@code http} or {@code https}, ending in {@code /}
     *             (e.g. {@code http://origin.example:8081/live/})
     * @throws IllegalArgumentException if it is not such a URL
     */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    @Override
    public String location(String path) {
        return base + path;
    }

    @Override
    public CompletableFuture<Void> put(String path, byte[] body, String contentType) {
        return send("PUT", path, HttpRequest.BodyPublishers.ofByteArray(body), contentType);
    }

    @Override
    public CompletableFuture<Void> delete(String path) {
        return send("DELETE", path, HttpRequest.BodyPublishers.noBody(), null);
    }

    private CompletableFuture<Void> send(String method, String path, HttpRequest.BodyPublisher body, String contentType) {
        String url = location(OriginWriter.checkPath(path));
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout).method(method, body);
        if (contentType != null) {
            r.header("Content-Type", contentType);
        }
        for (String[] h : headers) {
            r.header(h[0], h[1]);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<HttpResponse<String>> sent;
        try {
            sent = client.sendAsync(r.build(), HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) { // closed client, refused header
            done.completeExceptionally(new OriginWriteException(method, url, 0, false, e.toString(), e));
            return done;
        }
        sent.whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                String detail = t instanceof HttpTimeoutException ? "no answer within " + requestTimeout.toMillis() + " ms"
                        : t instanceof IOException ? "cannot connect or send: " + t.getClass().getSimpleName()
                                + (t.getMessage() != null ? " " + t.getMessage() : "") : t.toString();
                done.completeExceptionally(new OriginWriteException(method, url, 0, t instanceof IOException, detail, t));
                return;
            }
            int status = response.statusCode();
            if (status / 100 == 2 || "DELETE".equals(method) && (status == 404 || status == 410)) {
                done.complete(null);
            } else {
                // a short plain-text body may say why; an HTML error page (nginx's) only repeats the status
                boolean plain = response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain");
                String text = plain && response.body() != null ? response.body().replaceAll("\\s+", " ").strip() : "";
                done.completeExceptionally(new OriginWriteException(method, url, status, OriginWriteException.retryableStatus(status),
                        text.length() > 120 ? text.substring(0, 120) + "…" : text, null));
            }
        });
        return done;
    }

    /** The JDK client has no close before Java 21; its idle connections time out on their own. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "HttpOriginWriter{" + base + '}';
    }

    /** Configures an {@link HttpOriginWriter}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final URI base;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private final List<String[]> headers = new ArrayList<>();

        private Builder(URI base) {
            Objects.requireNonNull(base, "base");
            String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || base.getHost() == null || !base.getPath().endsWith("/")
                    || base.getQuery() != null || base.getFragment() != null) {
                throw new IllegalArgumentException("base: '" + base + "' (expected: an http:// or https:// URL ending in /,"
                        + " without query or fragment)");
            }
            this.base = base;
        }

        /** How long to wait for a TCP (and TLS) connection, 100 ms..60 s; default 5 s. */
        public Builder connectTimeout(Duration d) {
            connectTimeout = check("connectTimeout", d);
            return this;
        }

        /** How long one request may take until its answer, 100 ms..60 s; default 10 s. */
        public Builder requestTimeout(Duration d) {
            requestTimeout = check("requestTimeout", d);
            return this;
        }

        /**
         * A header sent with every request, e.g. {@code header("Authorization", "Bearer s3cret")} for an origin
         * that wants credentials. Repeatable.
         *
         * @throws IllegalArgumentException if the name is not an HTTP token, the value holds a line break, or the
         *                                  header is one the client sets itself ({@code Host}, {@code Content-Length}…)
         */
        public Builder header(String name, String value) {
            if (name == null || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new IllegalArgumentException("header name: '" + name + "' (expected: an HTTP token)");
            }
            if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + name + ": value has a line break or is null");
            }
            String n = name.toLowerCase(Locale.ROOT);
            if (List.of("host", "content-length", "connection", "expect", "upgrade", "content-type").contains(n)) {
                throw new IllegalArgumentException("header name: '" + name + "' (expected: a header the client does not set itself)");
            }
            headers.add(new String[] {name, value});
            return this;
        }

        private static Duration check(String what, Duration d) {
            if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: 100 ms..60 s)");
            }
            return d;
        }

        public HttpOriginWriter build() {
            return new HttpOriginWriter(this);
        }
    }
}
