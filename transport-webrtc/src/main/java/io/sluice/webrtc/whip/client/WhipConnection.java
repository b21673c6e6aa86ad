package io.sluice.webrtc.whip.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsHandshakeException;
import io.sluice.webrtc.dtls.DtlsRole;
import io.sluice.webrtc.dtls.DtlsSrtpKeys;
import io.sluice.webrtc.ice.CandidatePair;
import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceConnectionState;
import io.sluice.webrtc.ice.IceControllingAgent;
import io.sluice.webrtc.ice.IceCredentials;
import io.sluice.webrtc.ice.IceEvent;
import io.sluice.webrtc.ice.Transmit;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.rtcp.Fir;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.NtpTime;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.Remb;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtcp.RtcpProtocolException;
import io.sluice.webrtc.rtcp.Sdes;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtcp.SenderReportGenerator;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtpProtocolException;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.rtp.SframePacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.sdp.Fingerprint;
import io.sluice.webrtc.sdp.LocalTransport;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.sdp.SdpNegotiationException;
import io.sluice.webrtc.sdp.SdpNegotiator;
import io.sluice.webrtc.sdp.SdpParseException;
import io.sluice.webrtc.sdp.SdpParser;
import io.sluice.webrtc.sdp.SessionDescription;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpResult;
import io.sluice.webrtc.srtp.SrtpSender;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WHIP session: the HTTP exchange, the UDP sockets and the I/O thread that drives the sans-IO
 * engines (ICE, DTLS, SRTP, RTP/RTCP). Every engine is confined to the I/O thread; other threads
 * only offer frames to the queue, read the atomic counters and request close.
 */
final class WhipConnection implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(WhipConnection.class);
    /** Pooled heap buffers: SRTP then works on the backing array without a copy. */
    static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(false);
    private static final int TAIL_ROOM = 16;
    private static final long REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long KEYFRAME_REQUEST_MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long ESTIMATE_MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int TWCC_RING = 4096;

    private final WhipTransport owner;
    private final URI uri;
    private final TrackInfo videoTrack;
    private final TrackInfo audioTrack;
    private final TransportFeedback feedback;
    private final EncodedFrameQueue queue;
    private final SecureRandom random = new SecureRandom();

    // ---- set up by connect() on the opening thread, then owned by the I/O thread
    private WhipSignaling signaling;
    private WhipSignaling.Answer answer;
    private Selector selector;
    private final Map<InetSocketAddress, DatagramChannel> channels = new HashMap<>();
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
    private Stream video;
    private Stream audio;
    private boolean waitForKeyframe = true;
    private long nextReportNanos;
    private long lastKeyframeRequestNanos = Long.MIN_VALUE / 2;
    private long lastEstimateNanos = Long.MIN_VALUE / 2;
    private int transportSeq;
    private final int[] twccSizes = new int[TWCC_RING];
    private final RtpPacket view = new RtpPacket();
    private final List<ByteBuf> packets = new ArrayList<>();
    private final ByteBuf rx = ALLOC.heapBuffer(2048, 2048);
    private final String cname = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);

    // ---- shared
    private volatile TransportState state = TransportState.CONNECTING;
    private volatile boolean closing;
    private volatile boolean dtlsWake;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong rtpPacketsSent = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong nacks = new AtomicLong();
    private final AtomicLong keyframeRequests = new AtomicLong();
    private final AtomicLong rtcpDropped = new AtomicLong();
    private volatile long rttUs;
    private volatile double lossFraction;
    private volatile CandidatePair selectedPair;
    private volatile String srtpProfileName;

    /** One outgoing RTP stream. */
    private static final class Stream {
        final NegotiatedMedia media;
        final RtpHeaderWriter header;
        final SenderReportGenerator reports;
        H264Packetizer h264;
        OpusPacketizer opus;
        /** Set instead of {@link #h264}/{@link #opus} when the m-section negotiated a=sframe. */
        SframePacketizer sframe;
        PacketHistory history;
        RtxPacketizer rtx;

        Stream(NegotiatedMedia media, int clockRate) {
            this.media = media;
            this.header = new RtpHeaderWriter((int) media.localSsrc(), media.codec().payloadType());
            Integer mid = media.extensionIds().get(ExtMap.MID);
            if (mid != null) {
                header.mid(mid, media.mid());
            }
            Integer abs = media.extensionIds().get(ExtMap.ABS_SEND_TIME);
            if (abs != null) {
                header.absSendTime(abs);
            }
            Integer tw = media.extensionIds().get(ExtMap.TRANSPORT_WIDE_CC);
            if (tw != null) {
                header.transportSequenceNumber(tw);
            }
            this.reports = new SenderReportGenerator((int) media.localSsrc(), clockRate, InstantSource.system());
        }

        int ssrc() {
            return (int) media.localSsrc();
        }

        int ext(String uri) {
            Integer id = media.extensionIds().get(uri);
            return id == null ? -1 : id;
        }
    }

    WhipConnection(WhipTransport owner, TrackInfo videoTrack, TrackInfo audioTrack, TransportFeedback feedback) {
        this.owner = owner;
        this.uri = owner.uri();
        this.videoTrack = videoTrack;
        this.audioTrack = audioTrack;
        this.feedback = feedback;
        this.queue = new EncodedFrameQueue(owner.queueFrames(),
                id -> feedback.onKeyframeRequest(id, "frames dropped in front of " + uri));
    }

    // ================================================================ opening thread

    /** Binds the sockets, runs the HTTP exchange, negotiates, and starts the I/O thread. */
    void connect() {
        DtlsContext dtlsContext = DtlsContext.builder().handshakeTimeout(owner.dtlsTimeout())
                .mtuBytes(1200).allocator(ALLOC).build();
        IceCredentials localIce = IceCredentials.random(random);
        List<IceCandidate> hostCandidates = new ArrayList<>();
        IceControllingAgent.Builder iceBuilder = IceControllingAgent.builder().localCredentials(localIce)
                .allocator(ALLOC).random(random).software("sluice");
        try {
            selector = Selector.open();
            int i = 0;
            for (InetAddress a : owner.hostAddresses()) {
                DatagramChannel ch = DatagramChannel.open();
                ch.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 18);
                ch.bind(new InetSocketAddress(a, 0));
                ch.configureBlocking(false);
                InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
                ch.register(selector, SelectionKey.OP_READ, local);
                channels.put(local, ch);
                iceBuilder.hostAddress(local);
                hostCandidates.add(IceCandidate.host(local, 65535 - i++));
            }
        } catch (IOException e) {
            throw new TransportException(uri, "open: binding UDP sockets on " + owner.hostAddresses() + ": " + e, e);
        }
        List<MediaKind> kinds = new ArrayList<>();
        if (videoTrack != null) {
            kinds.add(MediaKind.VIDEO);
        }
        if (audioTrack != null) {
            kinds.add(MediaKind.AUDIO);
        }
        SdpNegotiator negotiator = SdpNegotiator.builder().random(random).cname(cname).build();
        LocalTransport local = new LocalTransport(localIce,
                Fingerprint.parse(dtlsContext.certificate().fingerprint().toSdpValue()), hostCandidates, owner.streamId());
        // Opaque tracks (SFrame whole-frame ciphertext) go in the SFrame RTP payload format, offered with
        // a=sframe (draft-ietf-avtcore-rtp-sframe-02 §6); applyAnswer fails if the server does not accept it.
        Set<MediaKind> sframeKinds = EnumSet.noneOf(MediaKind.class);
        if (videoTrack != null && videoTrack.isOpaque()) {
            sframeKinds.add(MediaKind.VIDEO);
        }
        if (audioTrack != null && audioTrack.isOpaque()) {
            sframeKinds.add(MediaKind.AUDIO);
        }
        SessionDescription offer = negotiator.createOffer(local, kinds, sframeKinds);

        signaling = new WhipSignaling(owner.httpEndpoint(), uri, owner.bearerToken(), owner.httpTimeout());
        answer = signaling.publish(offer.toSdp());
        try {
            SessionDescription remote = SdpParser.parseDefault(answer.sdp());
            session = negotiator.applyAnswer(offer, remote);
        } catch (SdpParseException | SdpNegotiationException e) {
            deleteQuietly();
            throw new TransportException(uri, "SDP answer from " + answer.resource() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly();
            throw new TransportException(uri, "SDP answer from " + answer.resource() + ": " + e, e);
        }
        InetSocketAddress stun = stunServer();
        if (stun != null) {
            iceBuilder.stunServer(stun);
        }
        ice = iceBuilder.remoteCredentials(session.remoteIce()).build();
        int usable = 0;
        for (IceCandidate c : session.remoteCandidates()) {
            if (ice.addRemoteCandidate(c)) {
                usable++;
            }
        }
        if (usable == 0) {
            deleteQuietly();
            throw new TransportException(uri, "SDP answer from " + answer.resource()
                    + " has no usable UDP ICE candidate (got " + session.remoteCandidates().size()
                    + "; trickle from the server is not supported)");
        }
        DtlsRole role = session.dtlsClient() ? DtlsRole.CLIENT : DtlsRole.SERVER;
        dtls = dtlsContext.newEndpoint(role, session.remoteFingerprint().toString());
        log.info("WHIP {}: session {}, {} remote candidate(s), DTLS {}, ICE-lite peer: {}", uri, answer.resource(),
                usable, role, session.remoteIceLite());
        iceDeadline = System.nanoTime() + owner.iceTimeout().toNanos();
        thread = new Thread(this, "sluice-whip-io");
        thread.setDaemon(true);
        thread.start();
    }

    private InetSocketAddress stunServer() {
        List<URI> candidates = new ArrayList<>(owner.stunServers());
        candidates.addAll(answer.iceServers());
        for (URI u : candidates) {
            if (!"stun".equalsIgnoreCase(u.getScheme())) {
                continue;
            }
            Object[] hp = stunHostPort(u);
            if (hp == null) {
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName((String) hp[0])) {
                    if (a instanceof java.net.Inet4Address) {
                        return new InetSocketAddress(a, (Integer) hp[1]);
                    }
                }
            } catch (UnknownHostException e) {
                log.warn("WHIP {}: STUN server {} does not resolve", uri, u);
            }
        }
        return null;
    }

    /** {host, port} of {@code stun:host[:port]} (RFC 7064), or null if malformed. */
    static Object[] stunHostPort(URI u) {
        String ssp = u.getSchemeSpecificPart();
        if (ssp == null || ssp.isEmpty() || ssp.contains("/") || ssp.contains("?")) {
            return null;
        }
        String host = ssp;
        int port = 3478;
        if (ssp.startsWith("[")) {
            int end = ssp.indexOf(']');
            if (end < 0) {
                return null;
            }
            host = ssp.substring(1, end);
            if (end + 1 < ssp.length()) {
                if (ssp.charAt(end + 1) != ':') {
                    return null;
                }
                port = parsePort(ssp.substring(end + 2));
            }
        } else {
            int colon = ssp.lastIndexOf(':');
            if (colon >= 0) {
                host = ssp.substring(0, colon);
                port = parsePort(ssp.substring(colon + 1));
            }
        }
        return host.isEmpty() || port < 0 ? null : new Object[] {host, port};
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            return p > 0 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void deleteQuietly() {
        if (answer != null && !deleted) {
            deleted = true;
            int status = signaling.delete(answer.resource());
            log.debug("WHIP {}: DELETE {} -> {}", uri, answer.resource(), status);
        }
    }

    private boolean deleted;

    /** Frees sockets after a failed {@link #connect()}; no DELETE beyond what connect did, no state report. */
    void abort() {
        closing = true;
        releaseAll();
    }

    URI resource() {
        return answer == null ? null : answer.resource();
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
        return new TransportStats(state, bytesSent.get(), framesSent.get(), framesDropped.get() + queue.dropped(),
                queue.queuedBytes(), rttUs);
    }

    WhipStats whipStats() {
        return new WhipStats(selectedPair, srtpProfileName, rtpPacketsSent.get(), retransmissions.get(), nacks.get(),
                keyframeRequests.get(), lossFraction, rttUs, rtcpDropped.get());
    }

    /** Stops the I/O thread (close_notify), DELETEs the resource, reports CLOSED. */
    void close() {
        closing = true;
        Thread t = thread;
        if (t != null) {
            Selector sel = selector;
            if (sel != null) {
                sel.wakeup();
            }
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            releaseAll();
        }
        deleteQuietly();
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
        ice.handleTimeout(System.nanoTime());
        while (!closing && state != TransportState.FAILED) {
            long now = System.nanoTime();
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
            if (srtpSender != null) {
                sendFrames(now);
                if (now - nextReportNanos >= 0) {
                    sendReports();
                    nextReportNanos = now + REPORT_INTERVAL_NANOS;
                }
            }
            long wake = Math.min(ice.pollTimeoutNanos(), selected == null ? iceDeadline : Long.MAX_VALUE);
            if (srtpSender != null) {
                wake = Math.min(wake, nextReportNanos);
            } else if (dtlsStarted) {
                wake = Math.min(wake, now + TimeUnit.MILLISECONDS.toNanos(50));
            }
            long waitMs = Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(wake - System.nanoTime()) + 1));
            if (dtlsWake || (srtpSender != null && queue.size() > 0)) {
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

    private void receive(DatagramChannel ch, InetSocketAddress local) throws IOException {
        for (int n = 0; n < 256; n++) {
            rx.clear();
            ByteBuffer nio = rx.internalNioBuffer(0, rx.capacity());
            InetSocketAddress from = (InetSocketAddress) ch.receive(nio);
            if (from == null) {
                return;
            }
            rx.writerIndex(nio.position());
            long now = System.nanoTime();
            switch (PacketDemux.classify(rx)) {
                case STUN -> {
                    ice.handleDatagram(now, from, local, rx);
                    drainIce(now);
                }
                case DTLS -> dtls.handleDatagram(rx);
                case RTCP -> onRtcp(from);
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
                    dtls.start(new DtlsEndpoint.Listener() {
                        @Override
                        public void onTransmitReady(DtlsEndpoint endpoint) {
                            dtlsWake = true;
                            selector.wakeup();
                        }

                        @Override
                        public void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
                            dtlsWake = true;
                            selector.wakeup();
                        }

                        @Override
                        public void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
                            dtlsWake = true;
                            selector.wakeup();
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
                trickle(lc.candidate());
            }
        }
    }

    private void trickle(IceCandidate c) {
        String mid = session.media().get(0).mid();
        String frag = "a=ice-ufrag:" + ice.localCredentials().ufrag() + "\r\na=ice-pwd:" + ice.localCredentials().pwd()
                + "\r\nm=" + session.media().get(0).kind().sdpName() + " 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:" + mid
                + "\r\na=candidate:" + c.toSdpValue() + "\r\n";
        log.debug("WHIP {}: trickling {}", uri, c.toSdpValue());
        signaling.patch(answer.resource(), answer.etag(), frag).whenComplete((status, err) ->
                log.debug("WHIP {}: PATCH candidate -> {}", uri, err != null ? err.toString() : status));
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
        for (NegotiatedMedia m : session.media()) {
            if (m.kind() == MediaKind.VIDEO && videoTrack != null) {
                video = new Stream(m, H264Packetizer.CLOCK_RATE);
                if (m.sframe()) {
                    video.sframe = SframePacketizer.builder(video.header, H264Packetizer.CLOCK_RATE)
                            .maxPayloadSize(owner.maxPayloadBytes()).frameMarking(video.ext(ExtMap.FRAME_MARKING))
                            .allocator(ALLOC).tailRoom(TAIL_ROOM).build();
                } else {
                    video.h264 = H264Packetizer.builder(video.header).maxPayloadSize(owner.maxPayloadBytes())
                            .allocator(ALLOC).tailRoom(TAIL_ROOM).build();
                }
                long historyUs = owner.packetHistory().toNanos() / 1000;
                video.history = new PacketHistory(historyCapacity(historyUs), historyUs, ALLOC);
                if (m.rtxPayloadType() >= 0 && m.localRtxSsrc() > 0) {
                    video.rtx = new RtxPacketizer((int) m.localRtxSsrc(), m.rtxPayloadType(), random.nextInt(1 << 16),
                            ALLOC, TAIL_ROOM);
                }
            } else if (m.kind() == MediaKind.AUDIO && audioTrack != null) {
                audio = new Stream(m, OpusPacketizer.CLOCK_RATE);
                if (m.sframe()) {
                    audio.sframe = SframePacketizer.builder(audio.header, OpusPacketizer.CLOCK_RATE)
                            .maxPayloadSize(owner.maxPayloadBytes()).marker(false)
                            .allocator(ALLOC).tailRoom(TAIL_ROOM).build();
                } else {
                    audio.opus = new OpusPacketizer(audio.header, ALLOC, TAIL_ROOM, -1, -1);
                }
            }
        }
        nextReportNanos = System.nanoTime() + REPORT_INTERVAL_NANOS / 2;
        log.info("WHIP {}: connected, SRTP {}", uri, profile);
        state = TransportState.CONNECTED;
        feedback.onStateChanged(TransportState.CONNECTED, null);
        if (video != null && queue.size() == 0) {
            feedback.onKeyframeRequest(videoTrack.trackId(), "WHIP session connected");
        }
    }

    /** Ring size for {@code historyUs} at up to ~8 Mbit/s of 1200-octet packets. */
    private static int historyCapacity(long historyUs) {
        long packets = Math.max(16, historyUs * 1000 / 1_000_000);
        return Math.min(32768, Integer.highestOneBit((int) Math.min(32768, packets) * 2 - 1));
    }

    private void sendFrames(long now) {
        EncodedFrame f;
        int budget = 64;
        while (budget-- > 0 && !closing && (f = pollFrame()) != null) {
            try {
                sendFrame(f, now);
            } catch (RtpProtocolException e) {
                framesDropped.incrementAndGet();
                log.warn("WHIP {}: dropped malformed frame {}: {}", uri, f, e.getMessage());
            } finally {
                f.release();
            }
        }
    }

    private EncodedFrame pollFrame() {
        try {
            return queue.poll(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void sendFrame(EncodedFrame f, long now) {
        long nowUs = now / 1000;
        if (f.track().isVideo()) {
            if (video == null) {
                framesDropped.incrementAndGet();
                return;
            }
            if (waitForKeyframe && !f.isKeyframe()) {
                framesDropped.incrementAndGet();
                return;
            }
            waitForKeyframe = false;
            packets.clear();
            try {
                if (video.sframe != null) {
                    video.sframe.packetize(f, packets);
                } else {
                    video.h264.packetize(f, packets);
                }
                long ts = video.sframe != null ? video.sframe.rtpTimestamp(f.ptsUs()) : video.h264.rtpTimestamp(f.ptsUs());
                sendPackets(video, nowUs, ts);
            } finally {
                releasePackets();
            }
        } else {
            if (audio == null) {
                framesDropped.incrementAndGet();
                return;
            }
            if (audio.sframe != null) {
                packets.clear();
                try {
                    audio.sframe.packetize(f, packets);
                    sendPackets(audio, nowUs, audio.sframe.rtpTimestamp(f.ptsUs()));
                } finally {
                    releasePackets();
                }
            } else {
                ByteBuf p = audio.opus.packetize(f);
                sendRtp(audio, p, nowUs, audio.opus.rtpTimestamp(f.ptsUs()));
            }
        }
        framesSent.incrementAndGet();
        bytesSent.addAndGet(f.size());
    }

    /** Sends every packet of {@link #packets} (taking each out of the list) with {@link #sendRtp}. */
    private void sendPackets(Stream s, long nowUs, long rtpTimestamp) {
        for (int i = 0; i < packets.size(); i++) {
            ByteBuf p = packets.get(i);
            packets.set(i, null);
            sendRtp(s, p, nowUs, rtpTimestamp);
        }
    }

    /** Releases what {@link #sendPackets} did not take and clears {@link #packets}. */
    private void releasePackets() {
        for (ByteBuf p : packets) {
            if (p != null) {
                p.release();
            }
        }
        packets.clear();
    }

    /** Stamps, remembers, protects and sends one RTP packet; takes ownership. */
    private void sendRtp(Stream s, ByteBuf p, long nowUs, long rtpTimestamp) {
        stamp(s, p, nowUs);
        int payload = view.payloadLength();
        if (s.history != null) {
            s.history.put(p, nowUs);
        }
        s.reports.onPacketSent(rtpTimestamp, payload);
        if (srtpSender.protectRtp(p) != SrtpResult.OK) {
            p.release();
            return;
        }
        rtpPacketsSent.incrementAndGet();
        sendDatagram(p);
    }

    /** Writes the transport-wide sequence number and abs-send-time; leaves {@link #view} on the packet. */
    private void stamp(Stream s, ByteBuf p, long nowUs) {
        view.wrap(p);
        int tw = s.ext(ExtMap.TRANSPORT_WIDE_CC);
        if (tw > 0) {
            int seq = transportSeq;
            transportSeq = (transportSeq + 1) & 0xFFFF;
            view.setTransportSequenceNumber(tw, seq);
            twccSizes[seq & (TWCC_RING - 1)] = p.readableBytes();
        }
        int abs = s.ext(ExtMap.ABS_SEND_TIME);
        if (abs > 0) {
            view.setAbsSendTime(abs, RtpPacket.absSendTimeFromMicros(nowUs));
        }
    }

    private void sendReports() {
        List<RtcpPacket> srs = new ArrayList<>();
        List<Sdes.Chunk> chunks = new ArrayList<>();
        for (Stream s : new Stream[] {video, audio}) {
            if (s != null && s.reports.hasSent()) {
                srs.add(s.reports.generate(List.of()));
                chunks.add(new Sdes.Chunk(s.ssrc(), cname));
            }
        }
        if (srs.isEmpty()) {
            return;
        }
        ByteBuf b = ALLOC.heapBuffer(256);
        for (RtcpPacket p : srs) {
            p.writeTo(b);
        }
        new Sdes(chunks).writeTo(b);
        if (srtpSender.protectRtcp(b) != SrtpResult.OK) {
            b.release();
            return;
        }
        sendDatagram(b);
    }

    private void onRtcp(InetSocketAddress from) {
        if (srtpReceiver == null || selected == null || !from.equals(selected.remote())) {
            rtcpDropped.incrementAndGet();
            return;
        }
        if (srtpReceiver.unprotectRtcp(rx) != SrtpResult.OK) {
            rtcpDropped.incrementAndGet();
            return;
        }
        List<RtcpPacket> list;
        try {
            list = RtcpParser.parse(rx);
        } catch (RtcpProtocolException e) {
            rtcpDropped.incrementAndGet();
            return;
        }
        long now = System.nanoTime();
        for (RtcpPacket p : list) {
            if (p instanceof Pli pli) {
                if (video != null && pli.mediaSsrc() == video.ssrc()) {
                    keyframeRequest(now, "PLI from " + from);
                }
            } else if (p instanceof Fir fir) {
                if (video != null && fir.entries().stream().anyMatch(e -> e.ssrc() == video.ssrc())) {
                    keyframeRequest(now, "FIR from " + from);
                }
            } else if (p instanceof GenericNack nack) {
                nacks.incrementAndGet();
                if (video != null && nack.mediaSsrc() == video.ssrc()) {
                    retransmit(nack.lostSequenceNumbers(), now / 1000);
                }
            } else if (p instanceof Remb remb) {
                estimate(now, BandwidthEstimate.Kind.REMB, remb.bitrateBps());
            } else if (p instanceof TransportWideCc twcc) {
                onTwcc(now, twcc);
            } else if (p instanceof ReceiverReport rr) {
                onReports(rr.reports());
            } else if (p instanceof SenderReport sr) {
                onReports(sr.reports());
            }
        }
    }

    private void keyframeRequest(long now, String reason) {
        keyframeRequests.incrementAndGet();
        if (now - lastKeyframeRequestNanos >= KEYFRAME_REQUEST_MIN_INTERVAL_NANOS) {
            lastKeyframeRequestNanos = now;
            feedback.onKeyframeRequest(videoTrack.trackId(), reason);
        }
    }

    private void retransmit(List<Integer> seqs, long nowUs) {
        for (int seq : seqs) {
            ByteBuf original = video.history.get(seq, nowUs);
            if (original == null) {
                continue;
            }
            ByteBuf p;
            try {
                if (video.rtx != null) {
                    p = video.rtx.wrap(original);
                } else {
                    p = ALLOC.heapBuffer(original.readableBytes() + TAIL_ROOM);
                    p.writeBytes(original, original.readerIndex(), original.readableBytes());
                }
            } finally {
                original.release();
            }
            if (p == null) {
                continue;
            }
            stamp(video, p, nowUs);
            if (srtpSender.protectRtp(p) != SrtpResult.OK) {
                p.release();
                continue;
            }
            retransmissions.incrementAndGet();
            sendDatagram(p);
        }
    }

    private void onTwcc(long now, TransportWideCc twcc) {
        int[] symbols = twcc.symbols();
        long[] arrival = twcc.arrivalTimesUs();
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int lost = 0;
        int lastSize = 0;
        for (int i = 0; i < symbols.length; i++) {
            if (symbols[i] == TransportWideCc.NOT_RECEIVED) {
                lost++;
                continue;
            }
            int size = twccSizes[(twcc.baseSequenceNumber() + i) & (TWCC_RING - 1)];
            bytes += size;
            lastSize = size;
            first = Math.min(first, arrival[i]);
            last = Math.max(last, arrival[i]);
        }
        if (symbols.length > 0) {
            lossFraction = Math.min(1.0, (double) lost / symbols.length);
        }
        long span = last - first;
        if (span >= 10_000 && bytes > lastSize) {
            // Delivered rate over the feedback interval (the first packet's bytes arrived at "first").
            estimate(now, BandwidthEstimate.Kind.TRANSPORT_CC, (bytes - lastSize) * 8_000_000L / span);
        }
    }

    private void estimate(long now, BandwidthEstimate.Kind kind, long bps) {
        if (now - lastEstimateNanos < ESTIMATE_MIN_INTERVAL_NANOS && kind == BandwidthEstimate.Kind.TRANSPORT_CC) {
            return;
        }
        lastEstimateNanos = now;
        feedback.onBandwidthEstimate(new BandwidthEstimate(kind, Math.max(0, bps), queue.queuedBytes(), 0,
                lossFraction, rttUs));
    }

    private void onReports(List<ReportBlock> blocks) {
        long nowNtp = NtpTime.fromUnixMicros(System.currentTimeMillis() * 1000);
        for (ReportBlock b : blocks) {
            boolean ours = (video != null && b.ssrc() == video.ssrc()) || (audio != null && b.ssrc() == audio.ssrc());
            if (!ours) {
                continue;
            }
            lossFraction = b.fractionLostRatio();
            long rtt = b.rttMicros(NtpTime.middle32(nowNtp));
            if (rtt >= 0) {
                rttUs = rtt;
            }
        }
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
        if (dtls != null) {
            dtls.close();
            ByteBuf b;
            while ((b = dtls.pollTransmit()) != null) {
                b.release();
            }
        }
        if (ice != null) {
            ice.close();
        }
        for (DatagramChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (video != null && video.history != null) {
            video.history.close();
        }
        queue.clear();
        if (rx.refCnt() > 0) {
            rx.release();
        }
    }

    @Override
    public String toString() {
        return "WhipConnection{" + uri + ", " + state + ", " + (selected == null ? "no pair" : selected.toString()) + '}';
    }

}
