package io.sluice.webrtc.whip.client;

import io.sluice.core.TransportException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP half of WHIP (RFC 9725 §4): POST the offer, read the session resource's Location, ETag
 * and {@code Link: rel="ice-server"} headers, PATCH trickled candidates with {@code If-Match}, and
 * DELETE the resource. Uses {@link HttpClient}; every call is bounded by the HTTP timeout.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9725#section-4">RFC 9725 §4</a>
 */
final class WhipSignaling {
    /** Longest part of a server response body quoted in an error message, characters. */
    static final int MAX_QUOTED_BODY = 200;
    /** Largest SDP answer accepted, octets. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    private static final Pattern LINK = Pattern.compile("<([^>]*)>((?:\\s*;\\s*[^;,]+)*)");
    private static final Pattern REL_ICE_SERVER = Pattern.compile("(?i);\\s*rel\\s*=\\s*\"?ice-server\"?");

    /** The outcome of a successful POST. */
    record Answer(URI resource, String sdp, String etag, List<URI> iceServers) {
    }

    private final URI endpoint;
    private final URI displayUri;
    private final String bearerToken;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param endpoint    the http(s) URL of the WHIP endpoint
     * @param displayUri  the URI named in errors (the transport's URI)
     * @param bearerToken token for {@code Authorization: Bearer}, or null
     * @param timeout     bound of each request, connect included
     */
    WhipSignaling(URI endpoint, URI displayUri, String bearerToken, Duration timeout) {
        this.endpoint = endpoint;
        this.displayUri = displayUri;
        this.bearerToken = bearerToken;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /**
     * POSTs the offer (RFC 9725 §4.2) and checks the answer: 201 Created, a Location, an
     * {@code application/sdp} body.
     *
     * @throws TransportException naming the URI, the step and the start of the server's reply
     */
    Answer publish(String offerSdp) {
        HttpRequest.Builder b = request(endpoint)
                .header("Content-Type", "application/sdp")
                .POST(HttpRequest.BodyPublishers.ofString(offerSdp, StandardCharsets.UTF_8));
        HttpResponse<String> r = exchange("POST offer", b.build());
        if (r.statusCode() != 201) {
            throw new TransportException(displayUri, "POST offer: HTTP " + r.statusCode()
                    + (r.statusCode() == 200 ? " (expected: 201 Created)" : "") + quote(r.body()));
        }
        Optional<String> location = r.headers().firstValue("Location");
        if (location.isEmpty() || location.get().isBlank()) {
            throw new TransportException(displayUri, "POST offer: 201 without a Location header (RFC 9725 §4.2)");
        }
        URI resource;
        try {
            resource = endpoint.resolve(location.get().trim());
        } catch (IllegalArgumentException e) {
            throw new TransportException(displayUri, "POST offer: bad Location '" + bounded(location.get()) + "'", e);
        }
        String body = r.body() == null ? "" : r.body();
        if (body.length() > MAX_ANSWER_BYTES) {
            throw new TransportException(displayUri, "POST offer: answer of " + body.length()
                    + " characters (expected: <= " + MAX_ANSWER_BYTES + ")");
        }
        String etag = r.headers().firstValue("ETag").orElse(null);
        return new Answer(resource, body, etag, iceServers(r.headers().allValues("Link")));
    }

    /**
     * Sends trickled candidates (RFC 9725 §4.3.1, RFC 8840 sdpfrag) with {@code If-Match}; best effort.
     *
     * @return completes with the HTTP status, or exceptionally on a network failure
     */
    CompletableFuture<Integer> patch(URI resource, String etag, String sdpFragment) {
        HttpRequest.Builder b = request(resource)
                .header("Content-Type", "application/trickle-ice-sdpfrag")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(sdpFragment, StandardCharsets.UTF_8));
        b.header("If-Match", etag == null ? "*" : etag);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    /**
     * DELETEs the session resource (RFC 9725 §4.2), waiting at most the HTTP timeout.
     *
     * @return the HTTP status, or -1 if the request failed or timed out
     */
    int delete(URI resource) {
        HttpRequest req = request(resource).DELETE().build();
        try {
            return http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        if (bearerToken != null) {
            b.header("Authorization", "Bearer " + bearerToken);
        }
        return b;
    }

    private HttpResponse<String> exchange(String step, HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new TransportException(displayUri, step + ": no response within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new TransportException(displayUri, step + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(displayUri, step + ": interrupted", e);
        }
    }

    /** {@code ": <first line of body>"} (bounded), or empty. */
    static String quote(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().lines().findFirst().orElse("");
        return ": " + bounded(line);
    }

    private static String bounded(String s) {
        return s.length() <= MAX_QUOTED_BODY ? s : s.substring(0, MAX_QUOTED_BODY) + "…";
    }

    /**
     * The {@code stun:}/{@code stuns:}/{@code turn:}/{@code turns:} URIs of {@code Link} header
     * values with {@code rel="ice-server"} (RFC 9725 §4.6), in order. Malformed entries are skipped.
     */
    static List<URI> iceServers(List<String> linkHeaders) {
        List<URI> out = new ArrayList<>();
        for (String h : linkHeaders) {
            Matcher m = LINK.matcher(h);
            while (m.find()) {
                if (!REL_ICE_SERVER.matcher(m.group(2)).find()) {
                    continue;
                }
                try {
                    URI u = new URI(m.group(1).trim());
                    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                    if (scheme.equals("stun") || scheme.equals("stuns") || scheme.equals("turn") || scheme.equals("turns")) {
                        out.add(u);
                    }
                } catch (java.net.URISyntaxException e) {
                    // skip a malformed entry
                }
            }
        }
        return out;
    }
}
