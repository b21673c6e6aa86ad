package io.sluice.rtmp.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TransportException;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.netty.RtmpChunkDecoder;
import io.sluice.rtmp.netty.RtmpHandshakeHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The last handler of a publishing connection: drives one {@link RtmpPublishSession} with the
 * messages {@link RtmpChunkDecoder} delivers, writes what the session produces, checks its step
 * deadlines on a 100 ms tick, and reports to a {@link Listener} (the {@link RtmpTransport}).
 * Inbound {@link RtmpMessage}s are released here. Not sharable; everything runs on the channel's
 * EventLoop.
 */
final class RtmpClientHandler extends ChannelInboundHandlerAdapter {
    /** Tick period for step deadlines and the transport's periodic work, ms. */
    static final long TICK_MS = 100;

    /** What the handler reports, on the channel's EventLoop. */
    interface Listener {
        /** The server accepted publish; {@link #writeFrame} may be called. */
        void onPublishing(RtmpClientHandler handler);

        /** The channel, once connected, closed; {@code cause} says why (a failure, or the server closing). Called once. */
        void onClosed(RtmpClientHandler handler, TransportException cause);

        /** The channel's writability changed. */
        void onWritabilityChanged(RtmpClientHandler handler, boolean writable);

        /** Every {@link #TICK_MS} while the channel is open. */
        void onTick(RtmpClientHandler handler, long nowNanos);
    }

    private final RtmpPublishSession session;
    private final RtmpUrl url;
    private final RtmpChunkDecoder decoder;
    private final Listener listener;
    private final Duration handshakeTimeout;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> tick;
    private TransportException failure;
    private boolean closedReported;
    private boolean wasActive;

    RtmpClientHandler(RtmpPublishSession session, RtmpUrl url, RtmpChunkDecoder decoder, Duration handshakeTimeout, Listener listener) {
        this.session = session;
        this.url = url;
        this.decoder = decoder;
        this.handshakeTimeout = handshakeTimeout;
        this.listener = listener;
    }

    /** The channel; valid once added to a pipeline. */
    Channel channel() {
        return ctx.channel();
    }

    RtmpPublishSession session() {
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        wasActive = true;
        tick = ctx.executor().scheduleAtFixedRate(this::onTick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    private void onTick() {
        long now = System.nanoTime();
        session.handleTimeout(now);
        flushSession();
        processEvents();
        if (ctx.channel().isActive()) {
            listener.onTick(this, now);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof RtmpHandshakeHandler.RtmpHandshakeCompleted) {
            session.start(System.nanoTime());
            flushSession();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof RtmpMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            session.handleMessage(System.nanoTime(), m, decoder.chunkDecoder().bytesRead());
        } catch (RtmpProtocolException e) {
            fail(new TransportException(url.uri(), "protocol error from " + url.serverUrl() + ": " + e.getMessage(), e));
            return;
        } finally {
            m.release();
        }
        flushSession();
        processEvents();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        listener.onWritabilityChanged(this, ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(describe(cause));
    }

    private TransportException describe(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String server = url.serverUrl();
        if (c instanceof RtmpHandshakeHandler.HandshakeTimeoutException) {
            return new TransportException(url.uri(), "handshake with " + server + " timed out after "
                    + handshakeTimeout.toMillis() + " ms", c);
        }
        if (c instanceof SSLException) {
            return new TransportException(url.uri(), "TLS handshake with " + server + " failed: " + c.getMessage(), c);
        }
        if (c instanceof RtmpProtocolException) {
            String step = session.state() == RtmpPublishSession.State.NEW ? "handshake with " : "protocol error from ";
            return new TransportException(url.uri(), step + server + ": " + c.getMessage(), c);
        }
        if (c instanceof IOException) {
            return new TransportException(url.uri(), "connection to " + server + " lost: " + c.getMessage(), c);
        }
        return new TransportException(url.uri(), "unexpected error on " + server + ": " + c, c);
    }

    private void fail(TransportException e) {
        if (failure == null) {
            failure = e;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        reportClosed();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        reportClosed();
    }

    private void reportClosed() {
        if (tick != null) {
            tick.cancel(false);
        }
        session.releaseOutbound();
        if (closedReported || !wasActive) {
            return; // a failed connect is reported by the connect future
        }
        closedReported = true;
        TransportException cause = failure;
        if (cause == null) {
            cause = new TransportException(url.uri(), session.state() == RtmpPublishSession.State.PUBLISHING
                    ? "connection to " + url.serverUrl() + " closed by the server"
                    : "connection to " + url.serverUrl() + " closed by the server while waiting for " + session.waitingFor());
        }
        listener.onClosed(this, cause);
    }

    private void processEvents() {
        RtmpPublishSession.Event e;
        while ((e = session.pollEvent()) != null) {
            if (e instanceof RtmpPublishSession.Event.PublishStarted) {
                listener.onPublishing(this);
            } else if (e instanceof RtmpPublishSession.Event.Failed f) {
                fail(f.error());
            }
        }
    }

    /** Writes and flushes what the session queued. */
    private void flushSession() {
        if (writeSession() != null) {
            ctx.flush();
        }
    }

    private ChannelFuture writeSession() {
        RtmpMessage m;
        ChannelFuture last = null;
        while ((m = session.pollOutbound()) != null) {
            last = ctx.write(m);
        }
        return last;
    }

    /**
     * Writes one frame (and any sequence header it needs) without flushing.
     *
     * @param frame      borrowed
     * @param timeBaseUs see {@link RtmpPublishSession#writeFrame}
     * @return bytes of RTMP message payload written
     * @throws IllegalArgumentException if the frame cannot be mapped to FLV
     */
    long writeFrame(EncodedFrame frame, long timeBaseUs) {
        long before = session.mediaBytes();
        try {
            session.writeFrame(frame, timeBaseUs);
        } finally {
            writeSession();
        }
        return session.mediaBytes() - before;
    }

    /** Flushes written frames. */
    void flush() {
        ctx.flush();
    }

    /**
     * Sends FCUnpublish and deleteStream if publishing, then closes the channel once they are
     * written or after {@code timeout}.
     *
     * @return the channel's close future
     */
    ChannelFuture closeGracefully(Duration timeout) {
        Channel ch = ctx.channel();
        if (session.close()) {
            ChannelFuture last = writeSession();
            ctx.flush();
            if (last != null) {
                last.addListener(f -> ch.close());
                ctx.executor().schedule(() -> {
                    ch.close();
                }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                return ch.closeFuture();
            }
        }
        return ch.close();
    }
}
