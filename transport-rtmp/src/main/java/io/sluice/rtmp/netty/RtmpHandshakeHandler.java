package io.sluice.rtmp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.handshake.RtmpHandshake;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an {@link RtmpHandshake} (client or server role) on a channel: writes C0/C1/C2 or
 * S0/S1/S2, fails the channel with {@link HandshakeTimeoutException} if the peer does not finish
 * within the timeout, and on completion removes itself, fires {@link RtmpHandshakeCompleted} and
 * passes the bytes that followed the handshake (the first chunks) to the next handler.
 *
 * <p>Place it in front of {@link RtmpChunkDecoder}. Not sharable: one instance per channel.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#52-handshake">RTMP spec §5.2</a>
 */
public final class RtmpHandshakeHandler extends ByteToMessageDecoder {
    /** User event fired once the handshake is complete; the chunk stream starts with the next byte. */
    public static final class RtmpHandshakeCompleted {
        /** The singleton event. */
        public static final RtmpHandshakeCompleted INSTANCE = new RtmpHandshakeCompleted();

        private RtmpHandshakeCompleted() {
        }
    }

    /** The peer did not complete the handshake within the configured time. */
    public static final class HandshakeTimeoutException extends RtmpProtocolException {
        private static final long serialVersionUID = 1L;

        HandshakeTimeoutException(Duration timeout) {
            super("handshake not completed within " + timeout.toMillis() + " ms");
        }
    }

    private final RtmpHandshake handshake;
    private final Duration timeout;
    private ScheduledFuture<?> timer;
    private boolean failed;

    /**
     * @param handshake {@link RtmpHandshake#client()} or {@link RtmpHandshake#server()}; owned by this handler
     * @param timeout   time allowed from channel activation to completion, &gt; 0
     */
    public RtmpHandshakeHandler(RtmpHandshake handshake, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.handshake = handshake;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer != null) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            if (!handshake.isComplete()) {
                ctx.fireExceptionCaught(new HandshakeTimeoutException(timeout));
                ctx.close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        flushOutbound(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed || handshake.isComplete()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            handshake.feed(in);
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            ctx.close();
            throw e;
        }
        flushOutbound(ctx);
        if (handshake.isComplete()) {
            if (timer != null) {
                timer.cancel(false);
            }
            ctx.fireUserEventTriggered(RtmpHandshakeCompleted.INSTANCE);
            // ByteToMessageDecoder forwards what is left in its cumulation to the next handler on removal.
            ctx.pipeline().remove(this);
        }
    }

    private void flushOutbound(ChannelHandlerContext ctx) {
        ByteBuf b;
        boolean wrote = false;
        while ((b = handshake.pollOutbound()) != null) {
            ctx.write(b);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        handshake.releaseOutbound();
    }

    /** Whether the peer echoed our random bytes (diagnostics; see {@link RtmpHandshake#peerEchoMatched()}). */
    public boolean peerEchoMatched() {
        return handshake.peerEchoMatched();
    }

}
