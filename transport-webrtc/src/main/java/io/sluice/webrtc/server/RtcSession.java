package io.sluice.webrtc.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsHandshakeException;
import io.sluice.webrtc.dtls.DtlsRole;
import io.sluice.webrtc.dtls.DtlsSrtpKeys;
import io.sluice.webrtc.ice.IceDatagramResult;
import io.sluice.webrtc.ice.IceEvent;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.ice.Transmit;
import io.sluice.core.time.Ticker;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.RtpSessionStats;
import io.sluice.webrtc.session.SessionEvent;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpResult;
import io.sluice.webrtc.srtp.SrtpSender;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin driver of one WHEP or WHIP session on the server's UDP event loop: ICE-lite agent, DTLS
 * endpoint and SRTP contexts, around one sans-IO {@link RtpSession} (made by the subclass once the SRTP
 * keys exist). It moves datagrams, protects and unprotects, hands the engine's events to the subclass
 * ({@link #onEvent}) and schedules one timer at the earliest of the engine's, ICE's and the setup
 * deadline (no fixed tick). Time comes from the server's {@link Ticker}. Subclasses are glue between
 * the engine and the {@code StreamHub}.
 *
 * <p>Confined to the UDP {@link EventLoop}: every method except {@link #stats()} (which reads
 * racy-but-harmless counters) must run on it. DTLS callbacks arrive on the DTLS thread and are
 * handed to the loop.
 */
abstract class RtcSession {
    private static final Logger log = LoggerFactory.getLogger(RtcSession.class);
    /** Shortest timer the driver arms: a due-now deadline runs at most this often (no busy loop). */
    static final long MIN_TIMER_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /**
     * Every session's timer fires on this grid of the ticker's clock (deadlines are rounded up to it), so that the
     * sessions of one event loop due within the same millisecond run in one wake-up of the loop. Paced WHEP viewers
     * each want a wake-up every few ms (a packet or two per burst); at their own deadlines a loop serving 30 of them
     * woke ~6,000 times a second and spent most of its time in the selector (JFR of {@code WhepFanOutBenchmark}: NIO
     * selector bookkeeping 30 % of the samples). A pacer woken up to 1 ms late sends what it owes then
     * ({@link io.sluice.webrtc.session.RatePacer}'s catch-up credit).
     */
    static final long TIMER_GRID_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * SRTP/SRTCP datagrams kept while DTLS finishes. The DTLS client is keyed as soon as it has the
     * server's Finished, which the server sends before its own handshake call returns, so a client's
     * first media (for a WHIP publisher: SPS/PPS and the first IDR, which no NACK can recover since
     * nothing precedes them) can overtake the server's keying, the more so on a loaded machine. They are
     * unprotected once the keys exist; beyond this bound (or {@link #MAX_EARLY_SRTP_BYTES}) they are dropped
     * and counted as from an unknown address.
     */
    static final int MAX_EARLY_SRTP = 512;
    /** Byte bound of the datagrams kept before the keys. */
    static final int MAX_EARLY_SRTP_BYTES = 256 * 1024;

    final WebRtcServer server;
    final String id;
    final String stream;
    final WebRtcEndpoint endpoint;
    final NegotiatedSession negotiated;
    final IceLiteAgent ice;
    final DtlsEndpoint dtls;
    final EventLoop loop;
    final Channel udp;
    final ByteBufAllocator alloc;
    final Ticker ticker;
    final long createdNanos;
    final long setupTimeoutNanos;
    final SessionTimeline timeline;

    SrtpSender srtpOut;
    SrtpReceiver srtpIn;
    InetSocketAddress remote;
    private InetSocketAddress dtlsPeer;
    /** Datagrams that arrived before the SRTP keys, oldest first: RTP ({@code true}) or RTCP. */
    private ArrayDeque<ByteBuf> early;
    private ArrayDeque<Boolean> earlyIsRtp;
    private int earlyBytes;
    private ScheduledFuture<?> timer;
    /** When {@link #timer} fires, ns on {@link #ticker}; {@link Long#MAX_VALUE} if none is armed. */
    private long timerAt = Long.MAX_VALUE;
    /** The RTP/RTCP engine; made by {@link #newEngine} once the SRTP keys exist. */
    volatile RtpSession engine;
    boolean closed;
    /** DTLS keyed (SRTP contexts exist). */
    volatile boolean connected;
    /** This session holds one of the server's DTLS handshake permits (its thread was started). */
    private boolean dtlsPermit;
    private boolean dtlsPermitReleased;
    /** {@link #onConnected()} ran: DTLS keyed and an ICE pair nominated. */
    private boolean mediaStarted;

    volatile long rtpPacketsSent;
    volatile long rtpBytesSent;
    volatile long rtpPacketsReceived;
    volatile long srtpDropped;

    RtcSession(WebRtcServer server, String id, String stream, WebRtcEndpoint endpoint, NegotiatedSession negotiated,
               IceLiteAgent ice, DtlsContext dtlsContext, Channel udp, Duration setupTimeout) {
        this.server = server;
        this.id = id;
        this.stream = stream;
        this.endpoint = endpoint;
        this.negotiated = negotiated;
        this.ice = ice;
        this.udp = udp;
        this.loop = udp.eventLoop();
        this.alloc = udp.alloc();
        this.ticker = server.ticker;
        this.createdNanos = ticker.nanoTime();
        this.setupTimeoutNanos = setupTimeout.toNanos();
        this.timeline = new SessionTimeline(createdNanos);
        DtlsRole role = negotiated.dtlsClient() ? DtlsRole.CLIENT : DtlsRole.SERVER;
        this.dtls = dtlsContext.newEndpoint(role, negotiated.remoteFingerprint().toString());
    }

    /** Starts the timer; DTLS starts with the peer's first DTLS datagram or ICE check ({@link #startDtls()}). On the loop. */
    void start() {
        ice.handleTimeout(ticker.nanoTime());
        drainIce();
        armTimer();
    }

    /**
     * Starts the DTLS handshake thread once, if the server has a handshake permit free; on the loop.
     *
     * @return whether DTLS runs
     */
    private boolean startDtls() {
        if (dtlsPermit || closed || connected) {
            return !closed;
        }
        if (!server.tryStartDtlsHandshake()) {
            return false;
        }
        dtlsPermit = true;
        dtls.start(new DtlsEndpoint.Listener() {
            @Override
            public void onTransmitReady(DtlsEndpoint endpoint) {
                loop.execute(RtcSession.this::flushDtls);
            }

            @Override
            public void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
                loop.execute(() -> onDtlsConnected(keys));
            }

            @Override
            public void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
                loop.execute(() -> {
                    flushDtls();
                    close("DTLS handshake failed: " + cause.getMessage());
                });
            }

            @Override
            public void onClosed(DtlsEndpoint endpoint) {
                loop.execute(() -> {
                    if (connected) {
                        close("DTLS closed by peer");
                    }
                });
            }
        });
        return true;
    }

    /** Gives the server's DTLS handshake permit back (handshake over or session closed). */
    private void endDtlsHandshake() {
        if (dtlsPermit && !dtlsPermitReleased) {
            dtlsPermitReleased = true;
            server.dtlsHandshakeEnded();
        }
    }

    // ------------------------------------------------------------------ datagrams (on the loop)

    /** @param datagram borrowed */
    final void handleStun(InetSocketAddress from, ByteBuf datagram) {
        if (closed) {
            return;
        }
        long now = ticker.nanoTime();
        timeline.mark(SessionTimeline.Step.FIRST_STUN, now);
        IceDatagramResult r = ice.handleDatagram(now, from, datagram);
        if (r == IceDatagramResult.ACCEPTED) {
            server.bindAddress(from, ice.localCredentials().ufrag());
            if (dtls.role() == DtlsRole.CLIENT) {
                startDtls(); // the DTLS client speaks first, once an ICE check passed
            }
        }
        drainIce();
        armTimer();
    }

    /** @param datagram borrowed */
    final void handleDtls(InetSocketAddress from, ByteBuf datagram) {
        if (closed) {
            return;
        }
        if (!startDtls()) { // only addresses that passed an ICE check reach here (IceUfragDemux)
            server.countDroppedUnknownAddress();
            return;
        }
        dtlsPeer = from;
        timeline.mark(SessionTimeline.Step.DTLS_FIRST_RECEIVED, ticker.nanoTime());
        dtls.handleDatagram(datagram);
    }

    /**
     * Keeps a datagram that arrived before the SRTP keys (at most {@link #MAX_EARLY_SRTP}).
     *
     * @param datagram borrowed; retained here when kept, released when replayed or on close
     * @return {@code true} if kept
     */
    private boolean keepEarly(ByteBuf datagram, boolean rtp) {
        if (closed || srtpIn != null) {
            return false;
        }
        if (early == null) {
            early = new ArrayDeque<>();
            earlyIsRtp = new ArrayDeque<>();
        }
        if (early.size() >= MAX_EARLY_SRTP || earlyBytes + datagram.readableBytes() > MAX_EARLY_SRTP_BYTES) {
            return false;
        }
        earlyBytes += datagram.readableBytes();
        early.addLast(datagram.retain());
        earlyIsRtp.addLast(rtp);
        return true;
    }

    /** Unprotects and handles what {@link #keepEarly} kept; on the loop, once the keys exist. */
    private void replayEarly() {
        if (early == null) {
            return;
        }
        int n = early.size();
        ByteBuf b;
        while ((b = early.pollFirst()) != null) {
            boolean rtp = earlyIsRtp.pollFirst();
            try {
                if (rtp) {
                    handleSrtp(remote, b);
                } else {
                    handleSrtcp(remote, b);
                }
            } finally {
                b.release();
            }
        }
        early = null;
        earlyIsRtp = null;
        log.debug("session {} ({} {}): {} SRTP/SRTCP datagram(s) received before the DTLS keys handled", id, endpoint,
                stream, n);
    }

    private void releaseEarly() {
        if (early != null) {
            ByteBuf b;
            while ((b = early.pollFirst()) != null) {
                b.release();
            }
            early = null;
            earlyIsRtp = null;
        }
    }

    /** @param datagram borrowed; unprotected in place */
    final void handleSrtp(InetSocketAddress from, ByteBuf datagram) {
        if (closed || srtpIn == null) {
            if (!keepEarly(datagram, true)) {
                server.countDroppedUnknownAddress();
            }
            return;
        }
        SrtpResult r = srtpIn.unprotectRtp(datagram);
        if (r != SrtpResult.OK) {
            srtpDropped++;
            server.countSrtpDropped();
            return;
        }
        rtpPacketsReceived++;
        engine.handleRtp(ticker.nanoTime(), datagram.retain());
        pumpEngine();
    }

    /** @param datagram borrowed; unprotected in place */
    final void handleSrtcp(InetSocketAddress from, ByteBuf datagram) {
        if (closed || srtpIn == null) {
            if (!keepEarly(datagram, false)) {
                server.countDroppedUnknownAddress();
            }
            return;
        }
        SrtpResult r = srtpIn.unprotectRtcp(datagram);
        if (r != SrtpResult.OK) {
            srtpDropped++;
            server.countSrtpDropped();
            return;
        }
        if (!engine.handleRtcp(ticker.nanoTime(), datagram)) {
            srtpDropped++; // malformed RTCP
        }
        pumpEngine();
    }

    /**
     * Makes the session's engine; called once, on the loop, when the SRTP keys exist.
     *
     * @param nowNanos current time on {@link #ticker}
     * @return the engine (its RTP and RTCP tail room from {@link #srtpOut}'s profile)
     */
    abstract RtpSession newEngine(long nowNanos);

    /**
     * An engine builder with what every server session shares: start time and wall clock from the
     * {@link #ticker}, the loop's allocator, the SRTCP tail room, the per-packet wire overhead (SRTP tag, UDP, IP
     * towards the selected peer) and the server's keyframe-request interval.
     */
    final RtpSession.Builder engineBuilder(long nowNanos) {
        return RtpSession.builder().start(nowNanos, ticker.wallClockMicros()).allocator(alloc)
                .rtcpTailRoom(srtpOut.profile().rtcpTailRoom()).transportOverhead(srtpOut.profile().wireOverhead(remote))
                .keyframeRequestInterval(server.keyframeRequestInterval);
    }

    /** One event of the engine, on the loop. {@link SessionEvent.FrameReceived}'s frame is the callee's. */
    abstract void onEvent(SessionEvent event);

    /** DTLS is up, SRTP keyed and an ICE pair nominated: start media. Called once. */
    abstract void onConnected();

    /** Frees media resources; called once from {@link #close}. */
    abstract void closeMedia();

    // ------------------------------------------------------------------ sending

    /**
     * Sends what the engine has for the network, hands its events to {@link #onEvent} and re-arms the
     * timer. On the loop, after every call into the engine.
     */
    final void pumpEngine() {
        if (engine == null) {
            return;
        }
        ByteBuf b;
        boolean wrote = false;
        while ((b = engine.pollTransmit()) != null) {
            wrote |= protectAndWrite(b);
        }
        if (wrote) {
            udp.flush();
        }
        SessionEvent e;
        while (!closed && (e = engine.pollEvent()) != null) {
            onEvent(e);
        }
        armTimer();
    }

    /**
     * Protects one plain RTP packet or RTCP compound from the engine and writes it to the selected pair.
     *
     * @param packet ownership passes here; has the SRTP tail room
     * @return whether it was written (not flushed)
     */
    private boolean protectAndWrite(ByteBuf packet) {
        if (!canSend()) {
            packet.release();
            return false;
        }
        boolean rtcp = PacketDemux.classify(packet) == PacketKind.RTCP;
        if ((rtcp ? srtpOut.protectRtcp(packet) : srtpOut.protectRtp(packet)) != SrtpResult.OK) {
            packet.release();
            return false;
        }
        if (!rtcp) {
            if (rtpPacketsSent++ == 0) {
                timeline.mark(SessionTimeline.Step.FIRST_RTP, ticker.nanoTime());
            }
            rtpBytesSent += packet.readableBytes();
        }
        udp.write(new DatagramPacket(packet, remote), udp.voidPromise());
        return true;
    }

    final boolean canSend() {
        return !closed && connected && remote != null && ice.canSend();
    }

    /** The SRTP tail room packets must leave; 16 until keys are known. */
    final int rtpTailRoom() {
        return srtpOut != null ? srtpOut.profile().rtpTailRoom() : 16;
    }

    private void flushDtls() {
        if (closed) {
            return;
        }
        ByteBuf b;
        InetSocketAddress to = dtlsPeer != null ? dtlsPeer : remote;
        boolean wrote = false;
        while ((b = dtls.pollTransmit()) != null) {
            if (to == null) {
                b.release();
                continue;
            }
            udp.write(new DatagramPacket(b, to), udp.voidPromise());
            wrote = true;
        }
        if (wrote) {
            timeline.mark(SessionTimeline.Step.DTLS_FIRST_SENT, ticker.nanoTime());
            udp.flush();
        }
    }

    private void onDtlsConnected(DtlsSrtpKeys keys) {
        if (closed) {
            return;
        }
        SrtpProfile profile = SrtpProfile.forDtlsId(keys.profile().dtlsId());
        srtpOut = new SrtpSender(new SrtpKeyingMaterial(profile, keys.localMasterKey(), keys.localMasterSalt()));
        srtpIn = new SrtpReceiver(new SrtpKeyingMaterial(profile, keys.remoteMasterKey(), keys.remoteMasterSalt()));
        if (remote == null) {
            remote = dtlsPeer;
        }
        long now = ticker.nanoTime();
        engine = newEngine(now);
        connected = true;
        endDtlsHandshake();
        timeline.mark(SessionTimeline.Step.DTLS_CONNECTED, now);
        log.debug("session {} ({} {}) DTLS connected: {} to {}", id, endpoint, stream, profile, remote);
        maybeStartMedia();
        replayEarly();
        pumpEngine();
    }

    /**
     * Starts media once both DTLS is keyed and the browser has nominated a pair. Chromium starts DTLS
     * as soon as a check succeeds, which may be well before it nominates (USE-CANDIDATE): media
     * started then would be dropped by {@link #canSend()}, the GOP cache's keyframe with it, and
     * the viewer would wait for the next GOP (seconds, for passthrough).
     */
    private void maybeStartMedia() {
        if (mediaStarted || closed || !connected || !ice.canSend() || remote == null) {
            return;
        }
        mediaStarted = true;
        log.debug("session {} ({} {}) media starts: {}", id, endpoint, stream, timeline);
        onConnected();
        pumpEngine();
    }

    private void drainIce() {
        Transmit t;
        boolean wrote = false;
        while ((t = ice.pollTransmit()) != null) {
            udp.write(new DatagramPacket(t.content(), t.destination()), udp.voidPromise());
            wrote = true;
        }
        if (wrote) {
            udp.flush();
        }
        IceEvent e;
        while ((e = ice.pollEvent()) != null) {
            if (e instanceof IceEvent.SelectedPairChanged s) {
                remote = s.pair().remote();
                timeline.mark(SessionTimeline.Step.ICE_NOMINATED, ticker.nanoTime());
                maybeStartMedia();
            } else if (e instanceof IceEvent.ConsentLost) {
                // RFC 7675 §5.1: stop sending at once, then end the session.
                connected = false;
                close("ICE consent lost");
                return;
            }
        }
    }

    /** Arms the one timer at the earliest deadline (ICE, setup, engine) if that is before the armed one. */
    private void armTimer() {
        if (closed) {
            return;
        }
        long wake = ice.pollTimeoutNanos();
        if (!mediaStarted) {
            wake = Math.min(wake, createdNanos + setupTimeoutNanos);
        }
        if (engine != null) {
            wake = Math.min(wake, engine.pollTimeout());
        }
        if (wake == Long.MAX_VALUE) {
            return;
        }
        long now = ticker.nanoTime();
        long at = Math.max(now + MIN_TIMER_NANOS, wake);
        at += Math.floorMod(-at, TIMER_GRID_NANOS); // up to the grid, shared by every session of the loop
        if (timer != null && at - timerAt >= 0) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        timer = loop.schedule(this::onTimer, at - now, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        if (closed) {
            return;
        }
        long now = ticker.nanoTime();
        if (now - ice.pollTimeoutNanos() >= 0) {
            ice.handleTimeout(now);
            drainIce();
            if (closed) {
                return;
            }
        }
        if (!mediaStarted && now - createdNanos > setupTimeoutNanos) {
            close("setup timeout: ICE/DTLS not connected within " + setupTimeoutNanos / 1_000_000 + " ms (" + timeline
                    + ")");
            return;
        }
        if (engine != null) {
            engine.handleTimeout(now);
            pumpEngine();
        } else {
            armTimer();
        }
    }

    /** Ends the session and frees everything. Idempotent; on the loop. */
    final void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        log.debug("session {} ({} {}) closed: {}", id, endpoint, stream, reason);
        if (timer != null) {
            timer.cancel(false);
        }
        try {
            releaseEarly();
            closeMedia();
            if (engine != null) {
                engine.close();
            }
        } finally {
            dtls.close();
            endDtlsHandshake();
            ice.close();
            server.onSessionClosed(this);
        }
    }

    /** A snapshot of the counters (any thread). */
    abstract WebRtcSessionStats stats();

    /** The engine's counters (any thread); all zero before the SRTP keys. */
    final RtpSessionStats engineStats() {
        RtpSession e = engine;
        return e == null ? RtpSessionStats.EMPTY : e.stats();
    }
}
