package io.sluice.http.server;

import io.netty.buffer.ByteBuf;
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
    /** The request's {@code Range} header, or {@code null}. */
    private final String range;

    Exchange(ChannelHandlerContext ctx, boolean keepAlive, boolean head, String corsAllowOrigin) {
        this(ctx, keepAlive, head, corsAllowOrigin, null);
    }

    /** @param range the request's {@code Range} header (RFC 9110 §14.2), or {@code null}; used by {@link #media} */
    Exchange(ChannelHandlerContext ctx, boolean keepAlive, boolean head, String corsAllowOrigin, String range) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.head = head;
        this.corsAllowOrigin = corsAllowOrigin;
        this.range = range;
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

    /**
     * One chunk of a response begun with {@link #startChunks}, not copied.
     *
     * @param bytes ownership passes to this call: written (Netty releases it after the write) or released here (HEAD);
     *              never written to
     */
    void chunk(ByteBuf bytes) {
        if (head) {
            bytes.release();
        } else {
            ctx.writeAndFlush(new DefaultHttpContent(bytes));
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
        if (answered.get()) {
            return;
        }
        respond(status, contentType, cacheControl, Unpooled.wrappedBuffer(body), null);
    }

    /**
     * Sends an immutable media body (part, segment, init segment: {@link #MP4}, {@link #IMMUTABLE}) as it is, without
     * a copy: whole, or the single byte range the request asked for ({@code Range: bytes=...}, RFC 9110 §14) as a
     * slice with {@code 206} (an unsatisfiable range gets {@code 416}; several ranges or a malformed header get the
     * whole body, which §14.2 allows).
     *
     * @param body ownership passes to this call: it is written (Netty releases it after the write) or released here
     *             (HEAD, an exchange already answered, a 416); never written to
     */
    void media(ByteBuf body) {
        if (answered.get()) {
            body.release();
            return;
        }
        long[] r = range == null ? null : ByteRanges.single(range, body.readableBytes());
        if (r == null) {
            respond(HttpResponseStatus.OK, MP4, IMMUTABLE, body, null);
        } else if (r.length == 0) {
            int length = body.readableBytes();
            body.release();
            respond(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "text/plain; charset=utf-8", NO_STORE, Unpooled.EMPTY_BUFFER,
                    "bytes */" + length);
        } else {
            int first = (int) r[0];
            int length = (int) (r[1] - r[0] + 1);
            String contentRange = "bytes " + r[0] + "-" + r[1] + "/" + body.readableBytes();
            ByteBuf slice = body.retainedSlice(body.readerIndex() + first, length);
            body.release();
            respond(HttpResponseStatus.PARTIAL_CONTENT, MP4, IMMUTABLE, slice, contentRange);
        }
    }

    /**
     * Writes the whole response.
     *
     * @param content      ownership passes to this call (written, or released for HEAD or when already answered)
     * @param contentRange {@code Content-Range} of a 206/416, or {@code null}
     */
    private void respond(HttpResponseStatus status, String contentType, String cacheControl, ByteBuf content, String contentRange) {
        if (!answered.compareAndSet(false, true)) {
            content.release();
            return;
        }
        int length = content.readableBytes();
        if (head) {
            content.release();
            content = Unpooled.EMPTY_BUFFER;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set(HttpHeaderNames.CONTENT_LENGTH, length)
                .set(HttpHeaderNames.CACHE_CONTROL, cacheControl)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, corsAllowOrigin)
                .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Content-Length, Content-Range, Date");
        if (MP4.equals(contentType)) {
            r.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        }
        if (contentRange != null) {
            r.headers().set(HttpHeaderNames.CONTENT_RANGE, contentRange);
        }
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
