package io.sluice.server;

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
import io.sluice.core.auth.AuthDecision;
import io.sluice.core.auth.AuthRequest;
import io.sluice.core.auth.AuthorizationGate;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamProtocol;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Authorizes HLS/DASH media requests on the shared HTTP port before {@code HttpDelivery} answers them:
 * {@code GET}/{@code HEAD} of {@code /hls/<stream>/<file>} and {@code /dash/<stream>/<file>} where the file is a
 * playlist ({@code .m3u8}), the MPD ({@code .mpd}), an init segment ({@code .mp4}) or a segment or part
 * ({@code .m4s}) ask the authorizer for {@link StreamAction#PLAY} of {@code <stream>} over
 * {@link StreamProtocol#HTTP}, with the token from {@code Authorization: Bearer} (RFC 6750 §2.1) or else the
 * {@code token} query parameter (RFC 6750 §2.3). Refused: {@code 401} with {@code WWW-Authenticate: Bearer} or
 * {@code 403}. Only the player pages, the player scripts and the DASH time endpoint are not checked: media
 * bytes need the token as much as the playlists that name them.
 *
 * <p>ByteBuf ownership: a request this handler refuses is released here; every other message goes on
 * unchanged and unreleased. Shared by every channel; thread-safe.
 */
@ChannelHandler.Sharable
final class HttpDeliveryGuard extends ChannelInboundHandlerAdapter {
    private final AuthorizationGate gate;
    private final String corsAllowOrigin;

    HttpDeliveryGuard(AuthorizationGate gate, String corsAllowOrigin) {
        this.gate = gate;
        this.corsAllowOrigin = corsAllowOrigin;
    }

    /** The stream a guarded request asks for, or {@code null} if {@code path} is not guarded. */
    static String guardedStream(String path) {
        int slash = path.lastIndexOf('/');
        String file = path.substring(slash + 1);
        String prefix;
        if (!(file.endsWith(".m3u8") || file.endsWith(".mpd") || file.endsWith(".m4s") || file.endsWith(".mp4"))) {
            return null;
        }
        if (path.startsWith("/hls/")) {
            prefix = "/hls/";
        } else if (path.startsWith("/dash/")) {
            prefix = "/dash/";
        } else {
            return null;
        }
        return slash > prefix.length() ? path.substring(prefix.length(), slash) : null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)
                || !(req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD))) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        String stream = guardedStream(qs.path());
        if (stream == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        AuthDecision d = gate.authorize(new AuthRequest(StreamAction.PLAY, stream, StreamProtocol.HTTP,
                (InetSocketAddress) ctx.channel().remoteAddress(), token(req, qs)));
        if (d.outcome() == AuthDecision.Outcome.ALLOW) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        req.release();
        boolean unauthorized = d.outcome() == AuthDecision.Outcome.UNAUTHORIZED;
        byte[] body = ((unauthorized ? "unauthorized" : "forbidden") + ": " + d.reason() + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                unauthorized ? HttpResponseStatus.UNAUTHORIZED : HttpResponseStatus.FORBIDDEN, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, corsAllowOrigin);
        if (unauthorized) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        var written = ctx.writeAndFlush(res);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The bearer token, else the {@code token} query parameter; empty if neither. */
    private static Optional<String> token(FullHttpRequest req, QueryStringDecoder qs) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(auth.substring(7).trim());
        }
        List<String> q = qs.parameters().get("token");
        return q == null || q.isEmpty() ? Optional.empty() : Optional.of(q.get(0));
    }
}
