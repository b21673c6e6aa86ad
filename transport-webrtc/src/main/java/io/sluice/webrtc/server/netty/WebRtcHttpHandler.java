package io.sluice.webrtc.server.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sluice.webrtc.server.SignalingResponse;
import io.sluice.webrtc.server.WebRtcEndpoint;
import io.sluice.webrtc.server.WebRtcPages;
import io.sluice.webrtc.server.WebRtcServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP routes of the {@link WebRtcServer}: WHEP/WHIP signalling (delegated to
 * {@link WebRtcServer#offer}, {@link WebRtcServer#delete}, {@link WebRtcServer#patch}), CORS
 * (preflight {@code OPTIONS}, {@code Access-Control-Allow-Origin} and exposed {@code Location},
 * {@code ETag}, {@code Link} on every response) and the pages of {@link WebRtcPages}. Expects a
 * {@code HttpServerCodec} and a {@code BoundedHttpAggregator} before it (which answers 413 for
 * bodies over the SDP limit and closes). A request the codec could not parse is answered 400 and
 * its connection closed.
 */
public final class WebRtcHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String SDP = "application/sdp";
    private final WebRtcServer server;

    /** @param server the server whose signalling and pages this serves */
    public WebRtcHttpHandler(WebRtcServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        SignalingResponse r;
        try {
            r = route(ctx, req);
        } catch (RuntimeException e) {
            r = SignalingResponse.error(500, "internal error: " + e);
        }
        write(ctx, req, r);
    }

    private SignalingResponse route(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            return SignalingResponse.error(400, "malformed HTTP request");
        }
        String path = new QueryStringDecoder(req.uri()).path();
        List<String> seg = List.of(path.split("/")).stream().filter(s -> !s.isEmpty()).toList();
        HttpMethod m = req.method();
        WebRtcEndpoint endpoint = seg.isEmpty() ? null : seg.get(0).equals("whep") ? WebRtcEndpoint.WHEP
                : seg.get(0).equals("whip") ? WebRtcEndpoint.WHIP : null;
        // Stream names may have several segments (RTMP's "app/key", e.g. live/x): POST /whep/live/x
        // offers for stream "live/x", DELETE/PATCH /whep/live/x/<id> address its session.
        if (m.equals(HttpMethod.OPTIONS)) {
            return endpoint != null && seg.size() >= 2
                    ? new SignalingResponse(204, null, "", Map.of("Allow", "POST, PATCH, DELETE, OPTIONS", "Accept-Post", SDP))
                    : new SignalingResponse(204, null, "", Map.of("Allow", "GET, OPTIONS"));
        }
        if (endpoint == WebRtcEndpoint.WHEP && seg.size() >= 4 && m.equals(HttpMethod.POST)
                && seg.get(seg.size() - 1).equals("report") && !isSdp(req)) {
            // POST /whep/<stream>/<id>/report: a viewer's playback report (an SDP body there is an offer)
            return server.viewerReport(join(seg, 1, seg.size() - 2), seg.get(seg.size() - 2),
                    req.headers().get(HttpHeaderNames.CONTENT_TYPE), req.content().toString(StandardCharsets.UTF_8));
        }
        if (endpoint == WebRtcEndpoint.WHEP && seg.size() >= 4 && m.equals(HttpMethod.POST)
                && seg.get(seg.size() - 1).equals("rung") && !isSdp(req)) {
            // POST /whep/<stream>/<id>/rung: the viewer's manual rung choice
            return server.viewerRung(join(seg, 1, seg.size() - 2), seg.get(seg.size() - 2),
                    req.headers().get(HttpHeaderNames.CONTENT_TYPE), req.content().toString(StandardCharsets.UTF_8));
        }
        if (endpoint == WebRtcEndpoint.WHEP && seg.size() >= 4 && m.equals(HttpMethod.GET)
                && seg.get(seg.size() - 1).equals("state")) {
            // GET /whep/<stream>/<id>/state: the viewer's rung, estimate and switches
            return server.viewerState(join(seg, 1, seg.size() - 2), seg.get(seg.size() - 2));
        }
        if (endpoint != null && seg.size() >= 2 && m.equals(HttpMethod.POST)) {
            String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
            if (type == null || !type.toLowerCase().startsWith(SDP)) {
                return SignalingResponse.error(415, "Content-Type must be application/sdp (got " + type + ")");
            }
            return server.offer(endpoint, join(seg, 1, seg.size()), req.content().toString(StandardCharsets.UTF_8),
                    bearer(req.headers().get(HttpHeaderNames.AUTHORIZATION)),
                    (InetSocketAddress) ctx.channel().remoteAddress());
        }
        if (endpoint != null && seg.size() >= 3 && m.equals(HttpMethod.DELETE)) {
            return server.delete(endpoint, join(seg, 1, seg.size() - 1), seg.get(seg.size() - 1));
        }
        if (endpoint != null && seg.size() >= 3 && m.equals(HttpMethod.PATCH)) {
            return server.patch(endpoint, join(seg, 1, seg.size() - 1), seg.get(seg.size() - 1),
                    req.headers().get(HttpHeaderNames.CONTENT_TYPE), req.headers().get(HttpHeaderNames.IF_MATCH),
                    req.content().toString(StandardCharsets.UTF_8));
        }
        if (endpoint != null && seg.size() >= 2) {
            return methodNotAllowed(seg.size() == 2 ? "POST, OPTIONS" : "POST, PATCH, DELETE, OPTIONS");
        }
        if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
            return methodNotAllowed("GET, OPTIONS");
        }
        if (seg.isEmpty()) {
            return html(WebRtcPages.index(server.hub().liveStreams(), server.playerLinks()));
        }
        if (seg.size() >= 2 && seg.get(0).equals("watch")) {
            return html(WebRtcPages.watch(join(seg, 1, seg.size()), server.playerLinks()));
        }
        if (seg.size() >= 2 && seg.get(0).equals("watch-e2ee")) {
            return html(WebRtcPages.watchE2ee(join(seg, 1, seg.size())));
        }
        if (seg.size() >= 2 && seg.get(0).equals("publish")) {
            return html(WebRtcPages.publish(join(seg, 1, seg.size())));
        }
        return SignalingResponse.error(404, "not found: " + path);
    }

    private static boolean isSdp(FullHttpRequest req) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.toLowerCase().startsWith(SDP);
    }

    private static String join(List<String> seg, int from, int to) {
        return String.join("/", seg.subList(from, to));
    }

    private static SignalingResponse html(String page) {
        return new SignalingResponse(200, "text/html; charset=utf-8", page, Map.of("Cache-Control", "no-store"));
    }

    private static SignalingResponse methodNotAllowed(String allow) {
        return new SignalingResponse(405, "text/plain; charset=utf-8", "method not allowed\n", Map.of("Allow", allow));
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.trim();
        return a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).trim() : null;
    }

    private void write(ChannelHandlerContext ctx, FullHttpRequest req, SignalingResponse r) {
        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        boolean head = req.method().equals(HttpMethod.HEAD);
        ByteBuf content = head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                content);
        if (r.contentType() != null) {
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        r.headers().forEach((k, v) -> res.headers().set(k, v));
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, server.corsAllowOrigin());
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PATCH, DELETE, OPTIONS");
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, If-Match");
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Location, ETag, Link, Accept-Post");
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, head ? body.length : content.readableBytes());
        // After a request the decoder could not parse, the connection's byte stream is out of step: close it.
        boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
        if (keepAlive) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(res);
        } else {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
