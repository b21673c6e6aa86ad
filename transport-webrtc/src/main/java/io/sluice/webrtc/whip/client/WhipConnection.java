package io.sluice.webrtc.whip.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.time.Ticker;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsHandshakeException;
import io.sluice.webrtc.dtls.DtlsSrtpKeys;
import io.sluice.webrtc.ice.CandidatePair;
import io.sluice.webrtc.ice.IceConnectionState;
import io.sluice.webrtc.ice.IceControllingAgent;
import io.sluice.webrtc.ice.IceEvent;
import io.sluice.webrtc.ice.Transmit;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.RtpSessionStats;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpResult;
import io.sluice.webrtc.srtp.SrtpSender;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WHIP session: the HTTP exchange, the UDP sockets and the I/O thread, a thin driver of the sans-IO
 * engines (ICE, DTLS, SRTP and the {@link RtpSession}, built by {@link WhipMedia}): it moves datagrams,
 * protects and unprotects, feeds queued frames to the engine, turns its events into
 * {@link TransportFeedback} and sleeps in the selector until the earliest deadline. Time comes from the
 * transport's {@link Ticker}. Every engine is confined to the I/O thread; other threads only offer
 * frames to the queue, read the counters and request close.
 */
final class WhipConnection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(WhipConnection.class);
    /** Pooled heap buffers: SRTP then works on the backing array without a copy. */
    static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(false);
    /** How long the loop sleeps at most while DTLS runs on its own thread (its completion does not wake the selector). */
    private static final long DTLS_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final WhipTransport owner;
    private final URI uri;
    private final TrackInfo videoTrack;
    private final TrackInfo audioTrack;
    private final TransportFeedback feedback;
    private final EncodedFrameQueue queue;
    private final SecureRandom random = new SecureRandom();
    private final Ticker ticker;

    // ---- set up by connect() on the opening thread, then owned by the I/O thread
    private volatile WhipSetup setup;
    private volatile Selector selector;
    private Map<InetSocketAddress, DatagramChannel> channels = Map.of();
    private IceControllingAgent ice;
    private DtlsEndpoint dtls;
    private NegotiatedSession session;
    private Thread thread;

    // ---- I/O thread state
    private long iceDeadline;
    private CandidatePair selected;
    private DatagramChannel selectedChannel;
    private boolean dtlsStarted;
    private SrtpSender srtpSender;
    private SrtpReceiver srtpReceiver;
    private volatile WhipMedia media;
    private final ByteBuf rx = ALLOC.heapBuffer(2048, 2048);
    private final String cname = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);

    // ---- shared
    private volatile TransportState state = TransportState.CONNECTING;
    private volatile boolean closing;
    /** After {@link #close()}: until when the I/O thread keeps sending what is queued (ticker ns). */
    private volatile long drainUntilNanos;
    /** A connection that finds at least this much media queued (newest − oldest DTS, µs) skips to the newest keyframe. */
    private static final long STARTUP_BACKLOG_US = 500_000;
    /** A connection that still finds at least this much queued (µs) after skipping starts at a fresh keyframe. */
    private static final long STARTUP_FRESH_START_US = STARTUP_BACKLOG_US;
    /** How long a close waits for the frame queue and the pacer to drain. */
    private static final long CLOSE_DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);
    private volatile boolean dtlsWake;
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong rtcpDropped = new AtomicLong();
    private volatile CandidatePair selectedPair;
    private volatile String srtpProfileName;

    WhipConnection(WhipTransport owner, TrackInfo videoTrack, TrackInfo audioTrack, TransportFeedback feedback) {
        this.owner = owner;
        this.ticker = owner.ticker();
        this.uri = owner.uri();
        this.videoTrack = videoTrack;
        this.audioTrack = audioTrack;
        this.feedback = feedback;
        this.queue = new EncodedFrameQueue(owner.queueFrames(),
                id -> feedback.onKeyframeRequest(id, "frames dropped in front of " + uri));
    }

    // ================================================================ opening thread

    /** Binds the sockets, runs the HTTP exchange, negotiates ({@link WhipSetup}), and starts the I/O thread. */
    void connect() {
        DtlsContext dtlsContext = DtlsContext.builder().handshakeTimeout(owner.dtlsTimeout())
                .mtuBytes(1200).allocator(ALLOC).build();
        setup = WhipSetup.open(owner, videoTrack, audioTrack, random, cname, dtlsContext);
        selector = setup.selector;
        channels = setup.channels;
        ice = setup.ice;
        dtls = setup.dtls;
        session = setup.session;
        iceDeadline = ticker.nanoTime() + owner.iceTimeout().toNanos();
        thread = new Thread(this, "sluice-whip-io");
        thread.setDaemon(true);
        thread.start();
    }

    /** {host, port} of {@code stun:host[:port]} (RFC 7064), or null if malformed. */
    static Object[] stunHostPort(URI u) {
        return StunServerUri.hostPort(u);
    }

    /** Frees sockets after a failed {@link #connect()}; no DELETE beyond what connect did, no state report. */
    void abort() {
        closing = true;
        releaseAll();
    }

    URI resource() {
        WhipSetup st = setup;
        return st == null || st.answer == null ? null : st.answer.resource();
    }

    // ================================================================ any thread

    boolean offer(EncodedFrame frame) {
        TransportState s = state;
        if (s == TransportState.FAILED) {
            frame.release();
            framesDropped.incrementAndGet();
            throw new TransportException(uri, "send: transport failed");
        }
        if (closing || s == TransportState.CLOSED) {
            frame.release();
            framesDropped.incrementAndGet();
            return false;
        }
        boolean ok = queue.offer(frame);
        Selector sel = selector;
        if (sel != null && s == TransportState.CONNECTED) {
            sel.wakeup();
        }
        return ok;
    }

    TransportStats stats() {
        WhipMedia m = media;
        RtpSessionStats e = engineStats();
        return new TransportStats(state, m == null ? 0 : m.bytesSent.get(), m == null ? 0 : m.framesSent.get(),
                framesDropped.get() + queue.dropped(), queue.queuedBytes() + e.pacerQueuedBytes(), e.rttUs());
    }

    WhipStats whipStats() {
        RtpSessionStats e = engineStats();
        return new WhipStats(selectedPair, srtpProfileName, e.rtpPacketsSent(), e.retransmissions(), e.nacksReceived(),
                e.keyframeRequests(), e.fractionLost(), e.rttUs(), rtcpDropped.get(), e.paddingPacketsSent(),
                e.pacerQueuedBytes(), e.pacerQueueDelayUs(), e.targetBitrateBps());
    }

    private RtpSessionStats engineStats() {
        WhipMedia m = media;
        return m == null ? RtpSessionStats.EMPTY : m.engine.stats();
    }

    /** Stops the I/O thread (close_notify), DELETEs the resource, reports CLOSED. */
    void close() {
        drainUntilNanos = ticker.nanoTime() + CLOSE_DRAIN_NANOS;
        closing = true;
        Thread t = thread;
        if (t != null) {
            Selector sel = selector;
            if (sel != null) {
                sel.wakeup();
            }
            try {
                t.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_DRAIN_NANOS) + 2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            releaseAll();
        }
        WhipSetup st = setup;
        if (st != null) {
            st.deleteQuietly();
        }
        if (state != TransportState.FAILED) {
            state = TransportState.CLOSED;
            feedback.onStateChanged(TransportState.CLOSED, null);
        }
    }

    // ================================================================ I/O thread

    @Override
    public void run() {
        try {
            loop();
        } catch (Throwable e) {
            if (!closing) {
                fail(new TransportException(uri, "I/O thread: " + e, e));
            }
        } finally {
            shutdown();
        }
    }

    private void loop() throws IOException {
        ice.handleTimeout(ticker.nanoTime());
        while (state != TransportState.FAILED) {
            long now = ticker.nanoTime();
            if (closing && (drained() || now - drainUntilNanos >= 0)) {
                break; // a close sends what the pacer and the frame queue still hold first, for at most 1.5 s
            }
            if (ice.pollTimeoutNanos() - now <= 0) {
                ice.handleTimeout(now);
            }
            drainIce(now);
            if (state == TransportState.FAILED) {
                break;
            }
            if (selected == null && now - iceDeadline >= 0) {
                fail(new TransportException(uri, "ICE: no candidate pair connected within "
                        + owner.iceTimeout().toMillis() + " ms (remote candidates: " + session.remoteCandidates()
                        .stream().map(c -> c.address() + ":" + c.port()).toList() + ")"));
                break;
            }
            drainDtls();
            if (dtlsStarted && srtpSender == null && dtls.handshakeFuture().isDone()) {
                onHandshakeDone();
                if (state == TransportState.FAILED) {
                    break;
                }
            }
            RtpSession engine = media == null ? null : media.engine;
            if (engine != null) {
                media.sendQueued(now);
                if (now - engine.pollTimeout() >= 0) {
                    engine.handleTimeout(now);
                }
                pumpEngine();
            }
            long wake = Math.min(ice.pollTimeoutNanos(), selected == null ? iceDeadline : Long.MAX_VALUE);
            if (engine != null) {
                wake = Math.min(wake, engine.pollTimeout());
            } else if (dtlsStarted) {
                wake = Math.min(wake, now + DTLS_POLL_NANOS);
            }
            long waitMs = Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(wake - ticker.nanoTime()) + 1));
            if (dtlsWake || (engine != null && queue.size() > 0)) {
                selector.selectNow();
            } else {
                selector.select(waitMs);
            }
            dtlsWake = false;
            for (SelectionKey k : selector.selectedKeys()) {
                if (k.isValid() && k.isReadable()) {
                    receive((DatagramChannel) k.channel(), (InetSocketAddress) k.attachment());
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Whether nothing waits to be sent: no media yet (closing before media flows), or both queues empty. */
    private boolean drained() {
        WhipMedia m = media;
        return m == null || (queue.size() == 0 && m.engine.pacerQueuedBytes() == 0);
    }

    private void receive(DatagramChannel ch, InetSocketAddress local) throws IOException {
        for (int n = 0; n < 256; n++) {
            InetSocketAddress from = io.sluice.webrtc.mux.Datagrams.receive(ch, rx);
            if (from == null) {
                return;
            }
            long now = ticker.nanoTime();
            switch (PacketDemux.classify(rx)) {
                case STUN -> {
                    ice.handleDatagram(now, from, local, rx);
                    drainIce(now);
                }
                case DTLS -> dtls.handleDatagram(rx);
                case RTCP -> onRtcp(now, from);
                default -> {
                    // RTP from the server on a sendonly session, ZRTP, TURN: ignore
                }
            }
        }
    }

    private void drainIce(long now) throws IOException {
        Transmit t;
        while ((t = ice.pollTransmit()) != null) {
            DatagramChannel ch = channels.get(t.source());
            try {
                if (ch != null) {
                    ch.send(t.content().nioBuffer(), t.destination());
                }
            } catch (IOException e) {
                log.debug("WHIP {}: STUN to {} failed: {}", uri, t.destination(), e.toString());
            } finally {
                t.content().release();
            }
        }
        IceEvent e;
        while ((e = ice.pollEvent()) != null) {
            if (e instanceof IceEvent.SelectedPairChanged s) {
                selected = s.pair();
                selectedPair = selected;
                selectedChannel = channels.get(selected.local());
                log.info("WHIP {}: ICE selected {} -> {}", uri, selected.local(), selected.remote());
                if (!dtlsStarted) {
                    dtlsStarted = true;
                    dtls.start(new DtlsEndpoint.Listener() { // DTLS runs on its own thread: wake up to poll it
                        @Override
                        public void onTransmitReady(DtlsEndpoint endpoint) {
                            wakeForDtls();
                        }

                        @Override
                        public void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
                            wakeForDtls();
                        }

                        @Override
                        public void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
                            wakeForDtls();
                        }
                    });
                }
            } else if (e instanceof IceEvent.ConsentLost c) {
                fail(new TransportException(uri, "ICE consent lost (RFC 7675): no response on " + c.pair().local()
                        + " -> " + c.pair().remote() + " for 30 s; stopped sending"));
                return;
            } else if (e instanceof IceEvent.StateChanged sc && sc.state() == IceConnectionState.FAILED) {
                if (selected == null) {
                    fail(new TransportException(uri, "ICE: every candidate pair failed"));
                    return;
                }
            } else if (e instanceof IceEvent.LocalCandidate lc) {
                setup.trickle(lc.candidate());
            }
        }
    }

    private void drainDtls() {
        ByteBuf b;
        while ((b = dtls.pollTransmit()) != null) {
            sendDatagram(b);
        }
    }

    /** Sends on the selected pair and releases {@code b}. */
    private void sendDatagram(ByteBuf b) {
        try {
            if (selectedChannel != null && !closingNetwork) {
                selectedChannel.send(b.nioBuffer(), selected.remote());
            }
        } catch (IOException e) {
            log.debug("WHIP {}: send to {} failed: {}", uri, selected.remote(), e.toString());
        } finally {
            b.release();
        }
    }

    private boolean closingNetwork;

    private void onHandshakeDone() {
        DtlsSrtpKeys keys;
        try {
            keys = dtls.handshakeFuture().getNow(null);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            fail(new TransportException(uri, "DTLS " + dtls.role() + " handshake: " + cause.getMessage(), cause));
            return;
        }
        SrtpProfile profile = SrtpProfile.forDtlsId(keys.profile().dtlsId());
        srtpSender = new SrtpSender(new SrtpKeyingMaterial(profile, keys.localMasterKey(), keys.localMasterSalt()));
        srtpReceiver = new SrtpReceiver(new SrtpKeyingMaterial(profile, keys.remoteMasterKey(), keys.remoteMasterSalt()));
        srtpProfileName = profile.name();
        TargetRateConstraints constraints = WhipMedia.constraintsFor(owner.targetRateConstraints(), videoTrack,
                audioTrack, videoTrack != null && !feedback.keyframesOnRequest(videoTrack.trackId()));
        if (constraints.startBitrateBps() != owner.targetRateConstraints().startBitrateBps()) {
            log.info("WHIP {}: video is copied at {} bit/s: congestion control starts at {} bit/s", uri,
                    videoTrack.bitrateBps(), constraints.startBitrateBps());
        }
        media = new WhipMedia(WhipMedia.newEngine(owner, constraints, session, videoTrack != null, audioTrack != null,
                profile.rtcpTailRoom(), profile.wireOverhead(selectedPair == null ? null : selectedPair.remote()), ALLOC,
                random, cname, ticker.nanoTime(), ticker.wallClockMicros()), uri, videoTrack,
                feedback, queue, framesDropped);
        log.info("WHIP {}: connected, SRTP {}", uri, profile);
        // A live pipeline kept encoding while ICE and DTLS ran (2.3 s on the bottleneck bench, 217 kB): sent first,
        // that backlog held the bottleneck's queue full for the first 5 s. Start at the newest keyframe queued.
        int skipped = queue.skipToNewestKeyframe(STARTUP_BACKLOG_US);
        if (skipped > 0) {
            log.info("WHIP {}: skipped {} frames queued while connecting; starting at the newest keyframe", uri, skipped);
        }
        // What is left starts at a keyframe but can hold most of a GOP (110 kB on the bottleneck bench). Sent while
        // the initial probes run, it queued at the bottleneck before the first feedback: the delay detector saw
        // overuse, the probes' result was discarded, and the estimate crept up from the 300 kbit/s start for 14 s
        // (Chromium, whose camera starts with the connection, reached the 1 Mbit/s link at its first probe). An
        // encoder makes a fresh keyframe when asked: start from that. A copied track would wait for the source's
        // next keyframe (ICE and DTLS take ~0.8 s even on loopback, so this fires on every connection): it keeps
        // its backlog. What is left is also judged by its size: a keyframe coded at the pre-connection rate with a
        // few frames after it (43 kB, 0.2 s of media on the bottleneck bench) took 1.1 s to leave at the 300 kbit/s
        // start, held the pacer's queue at 0.5 s and filled the initial probes with media.
        long left = queue.queuedSpanUs();
        long start = constraints.startBitrateBps();
        long leftSendUs = start > 0 ? queue.queuedBytes() * 8_000_000L / start : 0;
        if (videoTrack != null && (left >= STARTUP_FRESH_START_US || leftSendUs >= STARTUP_FRESH_START_US)
                && feedback.keyframesOnRequest(videoTrack.trackId())) {
            int n = queue.size();
            queue.clear();
            framesDropped.addAndGet(n);
            log.info("WHIP {}: dropped {} frames ({} ms, {} ms to send at the {} kbit/s start) queued while connecting;"
                    + " starting at a fresh keyframe", uri, n, left / 1000, leftSendUs / 1000, start / 1000);
        }
        state = TransportState.CONNECTED;
        feedback.onStateChanged(TransportState.CONNECTED, null);
        if (videoTrack != null && queue.size() == 0) {
            feedback.onKeyframeRequest(videoTrack.trackId(), "WHIP session connected");
        }
    }

    /** Protects and sends what the engine has, and turns its events into transport feedback. */
    private void pumpEngine() {
        ByteBuf b;
        while ((b = media.engine.pollTransmit()) != null) {
            boolean rtcp = PacketDemux.classify(b) == PacketKind.RTCP;
            if ((rtcp ? srtpSender.protectRtcp(b) : srtpSender.protectRtp(b)) != SrtpResult.OK) {
                b.release();
                continue;
            }
            sendDatagram(b);
        }
        media.deliverEvents(selected.remote());
    }

    /** One SRTCP datagram in {@link #rx}, from the selected pair only. */
    private void onRtcp(long now, InetSocketAddress from) {
        if (media == null || selected == null || !from.equals(selected.remote())
                || srtpReceiver.unprotectRtcp(rx) != SrtpResult.OK || !media.engine.handleRtcp(now, rx)) {
            rtcpDropped.incrementAndGet();
            return;
        }
        pumpEngine();
    }

    private void fail(TransportException cause) {
        if (state == TransportState.FAILED || closing) {
            return;
        }
        log.warn("WHIP {}: {}", uri, cause.getMessage());
        state = TransportState.FAILED;
        feedback.onStateChanged(TransportState.FAILED, cause);
    }

    /** On the I/O thread at exit: close_notify, then free everything. */
    private void shutdown() {
        try {
            if (dtls != null && srtpSender != null && state != TransportState.FAILED) {
                dtls.closeNotify();
                drainDtls();
            }
        } catch (RuntimeException e) {
            log.debug("WHIP {}: close_notify: {}", uri, e.toString());
        }
        releaseAll();
    }

    private void releaseAll() {
        closingNetwork = true;
        WhipSetup st = setup;
        if (st != null) {
            st.closeSockets();
        }
        if (media != null) {
            media.close();
        }
        queue.clear();
        if (rx.refCnt() > 0) {
            rx.release();
        }
    }

    private void wakeForDtls() {
        dtlsWake = true;
        selector.wakeup();
    }

    @Override
    public String toString() {
        return "WhipConnection{" + uri + ", " + state + ", " + (selected == null ? "no pair" : selected.toString()) + '}';
    }

}
