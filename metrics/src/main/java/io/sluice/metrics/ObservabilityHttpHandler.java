package io.sluice.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.sluice.core.hub.StreamHub;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Serves the observability routes on a Netty HTTP pipeline, after an {@code HttpServerCodec} and an
 * {@code HttpObjectAggregator}; requests for other paths pass on to the next handler unchanged, so
 * it mounts in front of any other HTTP handler (the WHIP/WHEP endpoints, a player page):
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text exposition format 0.0.4 of {@link SluiceMetrics}</li>
 *   <li>{@code GET /api/v1/streams}: every stream with its tracks, publisher and viewers
 *       (shape: {@link StreamsJson}); {@code GET /api/v1/streams/<name>}: one stream, 404 if unknown</li>
 *   <li>{@code DELETE /api/v1/sessions/<id>}: ends that publication or subscription
 *       ({@link StreamHub#kick(long)}), 204, or 404 if no live session has that id;
 *       {@code DELETE /api/v1/streams/<name>}: ends the stream's publisher, 204 or 404</li>
 * </ul>
 * Tokens ({@code Authorization: Bearer <token>}, or {@code ?token=<token>} for a browser): with a read
 * token set (an embedded server's play token), {@code GET} wants it or the admin token; {@code DELETE}
 * always wants the admin token (an embedded server's publish token) and answers 403 when none is
 * configured. 401 without a token, 403 with a wrong one. Other methods on these paths get 405.
 *
 * <p>{@link Sharable}: one instance serves every channel. Takes ownership of the requests it answers
 * (releases them); passes the others on with their reference count untouched.
 */
@ChannelHandler.Sharable
public final class ObservabilityHttpHandler extends ChannelInboundHandlerAdapter {
    static final String METRICS = "/metrics";
    static final String STREAMS = "/api/v1/streams";
    static final String SESSIONS = "/api/v1/sessions/";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final SluiceMetrics metrics;
    private final StreamHub hub;
    private final byte[] readToken;
    private final byte[] adminToken;

    /**
     * One token for reads and kicks: the same as {@code ObservabilityHttpHandler(metrics, token, token)}.
     *
     * @throws IllegalArgumentException if {@code token} is empty
     */
    public ObservabilityHttpHandler(SluiceMetrics metrics, String token) {
        this(metrics, token, token);
    }

    /**
     * @param metrics    what {@code /metrics} exposes and whose hub the API lists
     * @param readToken  the bearer token {@code GET} wants, or {@code null} for open reads
     * @param adminToken the bearer token {@code DELETE} wants (reads accept it too), or {@code null}
     *                   to refuse every {@code DELETE}
     * @throws IllegalArgumentException if a token is empty
     */
    public ObservabilityHttpHandler(SluiceMetrics metrics, String readToken, String adminToken) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.hub = metrics.hub();
        this.readToken = bytes("readToken", readToken);
        this.adminToken = bytes("adminToken", adminToken);
    }

    private static byte[] bytes(String what, String token) {
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException(what + ": '' (expected: null for none, or a non-empty token)");
        }
        return token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code path} (no query) is one of this handler's routes. */
    public static boolean handles(String path) {
        return path.equals(METRICS) || path.equals(STREAMS) || path.startsWith(STREAMS + "/") || path.startsWith(SESSIONS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String path = q.path();
        if (!handles(path)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            FullHttpResponse res = answer(req, path, q);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setContentLength(res, res.content().readableBytes());
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private FullHttpResponse answer(FullHttpRequest req, String path, QueryStringDecoder q) {
        HttpMethod m = req.method();
        boolean delete = m.equals(HttpMethod.DELETE);
        if (!delete && !m.equals(HttpMethod.GET)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + m + " (expected: GET"
                    + (path.equals(METRICS) ? ")" : " or DELETE)") + "\n");
            r.headers().set(HttpHeaderNames.ALLOW, path.equals(METRICS) ? "GET" : "GET, DELETE");
            return r;
        }
        if (delete && adminToken == null) {
            return text(HttpResponseStatus.FORBIDDEN, "forbidden: kicking sessions needs an admin token configured on the server\n");
        }
        if (delete || readToken != null) {
            Optional<String> given = presented(req, q);
            if (given.isEmpty()) {
                FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "unauthorized: a valid bearer token is required\n");
                r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
                return r;
            }
            byte[] g = given.get().getBytes(StandardCharsets.UTF_8);
            boolean admin = adminToken != null && MessageDigest.isEqual(adminToken, g);
            boolean reader = readToken != null && MessageDigest.isEqual(readToken, g);
            if (delete ? !admin : !(admin || reader)) {
                return text(HttpResponseStatus.FORBIDDEN, "forbidden: wrong token" + (delete ? " (kicking needs the admin token)" : "") + "\n");
            }
        }
        if (path.equals(METRICS)) {
            if (delete) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method DELETE (expected: GET)\n");
            }
            return response(HttpResponseStatus.OK, PROMETHEUS_TEXT, metrics.scrape());
        }
        long now = hub.ticker().nanoTime();
        if (path.startsWith(SESSIONS)) {
            if (!delete) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method GET (expected: DELETE)\n");
            }
            long id;
            try {
                id = Long.parseLong(path.substring(SESSIONS.length()));
            } catch (NumberFormatException e) {
                return text(HttpResponseStatus.BAD_REQUEST, "session id: '" + path.substring(SESSIONS.length()) + "' (expected: a number)\n");
            }
            return hub.kick(id) ? empty(HttpResponseStatus.NO_CONTENT) : text(HttpResponseStatus.NOT_FOUND, "no live session " + id + "\n");
        }
        if (path.equals(STREAMS)) {
            if (delete) {
                return text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method DELETE (expected: GET)\n");
            }
            return json(StreamsJson.streams(hub.snapshot(), now));
        }
        String name = path.substring(STREAMS.length() + 1);
        var snap = hub.snapshot(name);
        if (snap.isEmpty()) {
            return text(HttpResponseStatus.NOT_FOUND, "no stream '" + name + "'\n");
        }
        if (delete) {
            var pub = snap.get().publisher();
            return pub.isPresent() && hub.kick(pub.get().id()) ? empty(HttpResponseStatus.NO_CONTENT)
                    : text(HttpResponseStatus.NOT_FOUND, "stream '" + name + "' has no publisher\n");
        }
        return json(StreamsJson.stream(snap.get(), now));
    }

    private static Optional<String> presented(FullHttpRequest req, QueryStringDecoder q) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(auth.substring(7).trim());
        }
        List<String> t = q.parameters().get("token");
        return t == null || t.isEmpty() ? Optional.empty() : Optional.of(t.get(0));
    }

    private static FullHttpResponse json(String body) {
        FullHttpResponse r = response(HttpResponseStatus.OK, "application/json", body);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, "text/plain; charset=utf-8", body);
    }

    private static FullHttpResponse empty(HttpResponseStatus status) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return r;
    }
}
