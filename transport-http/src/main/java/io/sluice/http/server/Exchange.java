package io.sluice.http.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One HTTP request waiting for its answer: where to write it and how (keep-alive, HEAD). Answers once;
 * later calls are ignored. Thread-safe (Netty's write hands the response to the channel's EventLoop).
 */
final class Exchange {
    static final String PLAYLIST = "application/vnd.apple.mpegurl";
    static final String MPD = "application/dash+xml";
    static final String MP4 = "video/mp4";
    /** Segments, parts and init segments never change once served. */
    static final String IMMUTABLE = "public, max-age=31536000, immutable";
    static final String NO_STORE = "no-store";

    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final boolean head;
    private final String corsAllowOrigin;
    private final AtomicBoolean answered = new AtomicBoolean();

    Exchange(ChannelHandlerContext ctx, boolean keepAlive, boolean head, String corsAllowOrigin) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.head = head;
        this.corsAllowOrigin = corsAllowOrigin;
    }

    boolean isOpen() {
        return ctx.channel().isActive() && !answered.get();
    }

    void text(HttpResponseStatus status, String contentType, String cacheControl, String body) {
        bytes(status, contentType, cacheControl, body.getBytes(StandardCharsets.UTF_8));
    }

    void error(int status, String reason) {
        text(HttpResponseStatus.valueOf(status), "text/plain; charset=utf-8", NO_STORE, reason + "\n");
    }

    /** Starts a chunked response (HTTP/1.1 chunked transfer); {@link #chunk} and {@link #endChunks} follow. */
    boolean startChunks(String contentType, String cacheControl) {
        if (!answered.compareAndSet(false, true)) {
            return false;
        }
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(r, true);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CACHE_CONTROL, cacheControl)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, corsAllowOrigin)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r);
        return true;
    }

    /** One chunk of a response begun with {@link #startChunks}; {@code bytes} not copied, must not change. */
    void chunk(byte[] bytes) {
        if (!head) {
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
        }
    }

    /** Ends a chunked response; {@code abort} closes the connection instead (the body is incomplete). */
    void endChunks(boolean abort) {
        if (abort) {
            ctx.close();
        } else if (keepAlive) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Sends {@code body} (not copied; must not change afterwards) as the whole response. */
    void bytes(HttpResponseStatus status, String contentType, String cacheControl, byte[] body) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, cacheControl)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, corsAllowOrigin)
                .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Content-Length, Date");
        if (!"*".equals(corsAllowOrigin)) {
            r.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
