package io.sluice.rtmp.server;

import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.netty.RtmpChunkDecoder;
import io.sluice.rtmp.netty.RtmpChunkEncoder;
import io.sluice.rtmp.netty.RtmpHandshakeHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin Netty adapter for {@link RtmpServerSession}, last in a server connection's pipeline
 * ({@code [SslHandler] → RtmpHandshakeHandler → RtmpChunkDecoder → RtmpChunkEncoder → this}). It
 * feeds inbound {@link RtmpMessage}s to the session, writes what the session polls ({@link RtmpMessage}s,
 * and media as {@link io.sluice.rtmp.chunk.PrechunkedMessage}s whose bytes other players share; media only
 * while the channel is writable: the write-buffer water marks are the player's back-pressure, the
 * session's GOP-aware queue absorbs the rest), and enforces the idle timeout.
 *
 * <p><b>Idle.</b> Activity is a complete inbound message or a completed write of media; bytes that
 * complete no message, and the server's own pings, are not. Without an inbound message for half
 * the idle timeout it sends a PingRequest (live peers answer). It closes the connection when, for
 * the whole idle timeout, there was no activity (a publisher that went silent, a peer that
 * trickles a byte now and then; a player of a stream that sends nothing and does not answer
 * pings), or when outbound bytes stayed pending without any write completing (a player that
 * stopped reading). A connection must also send {@code connect} within the handshake timeout
 * of completing the handshake, and publish or play within the idle timeout of its connect.
 * Writes carry no promise: completion is read off the channel's outbound buffer (empty right after
 * a flush, or bytes sent grown since the last idle check), so a completion seen at a check counts
 * from that check: closures for stalls and idleness come up to one check period (a quarter of the
 * idle timeout, 20 ms..1 s) late, never early.
 *
 * <p><b>Before connect</b> the chunk decoder holds at most {@code maxBufferedBytesBeforeConnect}
 * of incomplete messages and decodes one message at a time; the accepted {@code connect} raises
 * the limit to {@code maxBufferedBytes} before the next message is decoded.
 *
 * <p><b>Failures.</b> A protocol violation, a limit, a handshake or idle timeout closes the
 * connection with exactly one WARN line naming the peer and the violation; refusals the session
 * asks for (bad name, authorisation, replaced publisher) are flushed first and logged at INFO;
 * I/O errors (resets) at DEBUG. Not sharable: one instance per channel.
 */
final class RtmpServerHandler extends ChannelInboundHandlerAdapter implements LoopDrainer.Drainable {
    private static final Logger log = LoggerFactory.getLogger(RtmpServerHandler.class);

    private final ServerSettings settings;
    private final StreamHub hub;
    private final ConcurrentMap<String, RtmpServerSession> publishers;
    private final SharedStream.Registry sharedStreams;
    private final LoopDrainer.Registry drainers;
    private LoopDrainer drainer;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final LongAdder droppedFrames;
    private ChannelHandlerContext ctx;
    /** The pipeline's chunk encoder, which writes shared media without a pipeline step; {@code null} without one. */
    private RtmpChunkEncoder chunkEncoder;
    private RtmpServerSession session;
    private InetSocketAddress remote;
    private ScheduledFuture<?> idleTimer;
    private boolean handshakeDone;
    private long handshakeDoneNanos;
    /** When the session accepted connect (and the decoder's limits were raised); 0 before. */
    private long connectedNanos;
    /** When the last complete inbound message arrived. */
    private long lastReadNanos;
    /** When a write holding media last completed. */
    private long lastMediaDoneNanos;
    /** When a flush last completed (everything written so far reached the socket). */
    private long lastWriteDoneNanos;
    /** When outbound bytes last started to be pending after none were. */
    private long writePeriodStartNanos;
    /**
     * Bytes (in {@link ChannelOutboundBuffer#totalPendingWriteBytes()}'s units) written into the outbound buffer
     * since the channel became active: what {@link #drain} added. Minus the bytes still pending, what reached the
     * socket ({@link #bytesSent}).
     */
    private long bytesQueued;
    /** {@link #bytesQueued} right after the last media write: media is unsent while less than this was sent. */
    private long mediaQueuedEnd;
    /** {@link #sendProgress()} at the last idle check, to see whether writes progressed since. */
    private long progressAtLastCheck;
    /** Bytes sent ({@link #bytesQueued} minus pending) at the last idle check. */
    private long sentAtLastCheck;
    private boolean pingSent;
    private boolean closing;
    private boolean failureLogged;
    /** Whether the chunk decoder may use the buffer budget kept for publishers (set once a publish is accepted). */
    private boolean budgetPriority;

    RtmpServerHandler(ServerSettings settings, StreamHub hub, ConcurrentMap<String, RtmpServerSession> publishers,
                      LongAdder droppedFrames) {
        this(settings, hub, publishers, droppedFrames, new SharedStream.Registry(), new LoopDrainer.Registry());
    }

    /**
     * @param sharedStreams the server's shared serializations (thread-safe)
     * @param drainers      the server's per-EventLoop drain batches (thread-safe)
     */
    RtmpServerHandler(ServerSettings settings, StreamHub hub, ConcurrentMap<String, RtmpServerSession> publishers,
                      LongAdder droppedFrames, SharedStream.Registry sharedStreams, LoopDrainer.Registry drainers) {
        this.sharedStreams = sharedStreams;
        this.drainers = drainers;
        this.droppedFrames = droppedFrames;
        this.settings = settings;
        this.hub = hub;
        this.publishers = publishers;
    }

    /** The session, once the channel is active; {@code null} before. For tests. */
    RtmpServerSession session() {
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            activate();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        activate();
        super.channelActive(ctx);
    }

    private void activate() {
        if (session != null) {
            return;
        }
        Channel ch = ctx.channel();
        remote = ch.remoteAddress() instanceof InetSocketAddress a ? a : new InetSocketAddress("0.0.0.0", 0);
        drainer = drainers.forLoop(ctx.executor());
        chunkEncoder = ctx.pipeline().get(RtmpChunkEncoder.class);
        session = new RtmpServerSession(settings, hub, remote, ctx.alloc(), this::wakeup, publishers, sharedStreams);
        lastReadNanos = System.nanoTime();
        lastWriteDoneNanos = lastReadNanos;
        lastMediaDoneNanos = lastReadNanos;
        writePeriodStartNanos = lastReadNanos;
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20), Math.min(TimeUnit.SECONDS.toNanos(1),
                settings.idleTimeout().toNanos() / 4));
        idleTimer = ctx.executor().scheduleAtFixedRate(this::checkIdle, period, period, TimeUnit.NANOSECONDS);
    }

    /**
     * From any thread: queues a drain of this channel in its EventLoop's batch ({@link LoopDrainer}),
     * at most one pending at a time.
     */
    private void wakeup() {
        if (!wakePending.get() && wakePending.compareAndSet(false, true)) {
            drainer.wakeup(this);
        }
    }

    @Override
    public void drainNow(long batchNanos) {
        wakePending.set(false);
        try {
            drain(batchNanos);
        } catch (RuntimeException e) { // drain handles its own failures; never let one player stop the batch
            log.debug("{}: drain failed", remote, e);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == RtmpHandshakeHandler.RtmpHandshakeCompleted.INSTANCE) {
            handshakeDone = true;
            lastReadNanos = System.nanoTime();
            handshakeDoneNanos = lastReadNanos;
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
            if (!closing && session != null) {
                lastReadNanos = System.nanoTime();
                pingSent = false;
                session.handleMessage(m);
                if (connectedNanos == 0 && session.isConnected()) {
                    connectedNanos = lastReadNanos;
                    RtmpChunkDecoder decoder = ctx.pipeline().get(RtmpChunkDecoder.class);
                    if (decoder != null) {
                        decoder.chunkDecoder().setMaxBufferedBytes(settings.maxBufferedBytes());
                        decoder.chunkDecoder().setStopAfterMessage(false);
                    }
                }
                if (!budgetPriority && session.publishes()) {
                    budgetPriority = true; // kept after unpublish: the connection was a publisher
                    RtmpChunkDecoder decoder = ctx.pipeline().get(RtmpChunkDecoder.class);
                    if (decoder != null) {
                        decoder.chunkDecoder().setBudgetPriority(true);
                    }
                }
            }
        } catch (RtmpProtocolException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            fail("internal error on " + m + ": " + e);
            log.debug("{}: stack trace of the internal error", remote, e);
        } finally {
            m.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (handshakeDone && !closing && session != null) {
            RtmpChunkDecoder decoder = ctx.pipeline().get(RtmpChunkDecoder.class);
            if (decoder != null) {
                session.handleBytesReceived(RtmpServerSession.HANDSHAKE_BYTES + decoder.chunkDecoder().bytesRead());
            }
        }
        drain();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    /** {@link #drain(long)} now. */
    private void drain() {
        drain(System.nanoTime());
    }

    /**
     * Writes what the session has, then flushes; closes after a refusal the session asked for.
     *
     * @param nowNanos {@link System#nanoTime()} about now (a batch's start): when a write period starts or completes
     */
    private void drain(long nowNanos) {
        if (closing || session == null || !ctx.channel().isActive()) {
            return;
        }
        Channel ch = ctx.channel();
        long pendingBefore = pendingOutboundBytes();
        if (pendingBefore == 0) {
            writePeriodStartNanos = nowNanos; // a write period starts: measure progress from now
        }
        ByteBufHolder last = null; // written last, then the flush
        boolean media = false;
        try {
            ByteBufHolder m;
            while ((m = session.pollOutbound(ch.isWritable())) != null) {
                if (last != null) {
                    write(last);
                }
                last = m;
                media |= isMedia(m);
            }
        } catch (RuntimeException e) {
            if (last != null) {
                last.release();
            }
            fail("internal error while sending: " + e);
            log.debug("{}: stack trace of the internal error", remote, e);
            return;
        }
        String reason = session.closeReason();
        if (reason != null) {
            closing = true;
            log.debug("{}: closing: {}", remote, reason); // refusals are logged where decided (auth: once a minute)
            if (last != null) {
                ctx.write(last, ctx.voidPromise());
            }
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (last != null) {
            // One flush per drain (a frame, or the backlog since the last one), and no promise: a
            // promise and its listener per player and frame were a measurable share of the IO thread
            // (io_uring completes every send after flush() returns, so each drain needed one). Write
            // progress is read off the outbound buffer instead: a player that took the whole flush into
            // its socket at once shows an empty buffer right after it; otherwise the idle check
            // (checkIdle) sees the bytes sent grow, at the idle timer's granularity.
            write(last);
            long pending = pendingOutboundBytes();
            bytesQueued += pending - pendingBefore;
            if (media) {
                mediaQueuedEnd = bytesQueued;
            }
            ctx.flush();
            if (pendingOutboundBytes() == 0) {
                lastWriteDoneNanos = nowNanos;
                if (media) {
                    lastMediaDoneNanos = nowNanos;
                }
            }
        }
    }

    /**
     * Bytes that reached the socket since the channel became active, plus the progress of a partly written
     * buffer: grows with every byte the peer takes, in {@link ChannelOutboundBuffer#totalPendingWriteBytes()}'s
     * units (per-buffer overhead included).
     */
    private long sendProgress() {
        ChannelOutboundBuffer b = ctx.channel().unsafe().outboundBuffer();
        return b == null ? bytesQueued : bytesQueued - b.totalPendingWriteBytes() + b.currentProgress();
    }

    /**
     * At an idle check ({@code nowNanos}): when bytes reached the socket since the last check, writes progressed
     * by now (late by up to one check period, never early), and media did if media was among the bytes unsent at
     * the last check or queued since (a player behind by more than a check period still counts as taking media).
     *
     * @param pending the outbound bytes pending now
     */
    private void observeSendProgress(long nowNanos, long pending) {
        long progress = sendProgress();
        long before = progressAtLastCheck;
        long sentBefore = sentAtLastCheck;
        progressAtLastCheck = progress;
        sentAtLastCheck = bytesQueued - pending;
        if (progress <= before) { // nothing sent (a write from before the handshake completed can only lower it)
            return;
        }
        lastWriteDoneNanos = Math.max(lastWriteDoneNanos, nowNanos);
        if (mediaQueuedEnd > sentBefore) {
            lastMediaDoneNanos = Math.max(lastMediaDoneNanos, nowNanos);
        }
    }

    /** Writes {@code m} without a promise (ownership passes on); shared media straight from the chunk encoder's place. */
    private void write(ByteBufHolder m) {
        if (m instanceof PrechunkedMessage p && chunkEncoder != null) {
            chunkEncoder.writePrechunked(p, ctx.voidPromise());
        } else {
            ctx.write(m, ctx.voidPromise());
        }
    }

    private static boolean isMedia(ByteBufHolder m) {
        return m instanceof PrechunkedMessage || m instanceof RtmpMessage r
                && (r.messageTypeId() == MessageTypeId.AUDIO || r.messageTypeId() == MessageTypeId.VIDEO);
    }

    private long pendingOutboundBytes() {
        ChannelOutboundBuffer b = ctx.channel().unsafe().outboundBuffer();
        return b == null ? 0 : b.totalPendingWriteBytes();
    }

    private void checkIdle() {
        if (!handshakeDone || closing || session == null || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        long idle = settings.idleTimeout().toNanos();
        long pending = pendingOutboundBytes();
        observeSendProgress(now, pending);
        long sinceProgress = now - Math.max(writePeriodStartNanos, lastWriteDoneNanos);
        long sinceActivity = now - Math.max(lastReadNanos, lastMediaDoneNanos);
        if (connectedNanos == 0 && now - handshakeDoneNanos > settings.handshakeTimeout().toNanos()) {
            fail("no connect within " + settings.handshakeTimeout().toMillis() + " ms of the handshake");
        } else if (pending > 0 && sinceProgress > idle) {
            fail("stalled: " + pending + " bytes not taken by the peer for " + TimeUnit.NANOSECONDS.toMillis(sinceProgress)
                    + " ms (idle timeout " + settings.idleTimeout().toMillis() + " ms)");
        } else if (sinceActivity > idle) {
            fail("idle: nothing received or sent for " + TimeUnit.NANOSECONDS.toMillis(sinceActivity) + " ms (idle timeout "
                    + settings.idleTimeout().toMillis() + " ms)");
        } else if (connectedNanos != 0 && now - connectedNanos > idle && !session.publishesOrPlays()) {
            fail("neither publish nor play within " + settings.idleTimeout().toMillis() + " ms of connect (idle timeout)");
        } else if (now - lastReadNanos > idle / 2 && !pingSent) {
            pingSent = true;
            session.ping(TimeUnit.NANOSECONDS.toMillis(now));
            drain();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof RtmpProtocolException) {
            fail(c.getMessage());
        } else if (c instanceof SSLException) {
            fail("TLS: " + c.getMessage());
        } else if (c instanceof IOException) {
            log.debug("{}: connection error: {}", remote, c.toString());
            closing = true;
            ctx.close();
        } else {
            fail("unexpected error: " + c);
            log.debug("{}: stack trace", remote, c);
        }
    }

    /** Closes the connection at once with one WARN line (only the first failure is logged). */
    private void fail(String violation) {
        if (!failureLogged) {
            failureLogged = true;
            log.warn("{}: disconnected: {}", remote != null ? remote : ctx.channel().remoteAddress(), violation);
        }
        closing = true;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cleanUp();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cleanUp();
    }

    private void cleanUp() {
        closing = true;
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        RtmpServerSession s = session;
        if (s != null) {
            session = null;
            long dropped = s.droppedFrames();
            s.close();
            if (dropped > 0) {
                droppedFrames.add(dropped);
                log.info("{}: connection closed; {} frames were dropped for this slow player", remote, dropped);
            }
        }
    }
}
