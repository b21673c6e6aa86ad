package io.sluice.core.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * An {@link HttpObjectAggregator} that answers a body over its limit with
 * {@code 413 Content Too Large} and {@code Connection: close} and closes the connection at once,
 * whether or not the client asked for keep-alive: Netty's aggregator keeps a kept-alive connection
 * open and reads (and discards) the whole oversized body, so that a client could make the server
 * read 100 MB per request. With a {@code Content-Length} the refusal comes with the headers,
 * before any of the body is read.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14">RFC 9110 §15.5.14</a>
 */
public final class BoundedHttpAggregator extends HttpObjectAggregator {
    private final int maxContentLength;

    /** @param maxContentLength largest body aggregated, bytes */
    public BoundedHttpAggregator(int maxContentLength) {
        super(maxContentLength);
        this.maxContentLength = maxContentLength;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof io.netty.handler.codec.http.HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        byte[] body = ("request body too large (limit " + maxContentLength + " bytes)\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.channel().config().setAutoRead(false); // read no more of the body
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}
