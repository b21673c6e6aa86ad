package io.sluice.webrtc.whip.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsRole;
import io.sluice.webrtc.dtls.DtlsSrtpKeys;
import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.ice.Transmit;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.rtp.OpusDepacketizer;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.Fingerprint;
import io.sluice.webrtc.sdp.LocalTransport;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.sdp.SdpNegotiator;
import io.sluice.webrtc.sdp.SdpParser;
import io.sluice.webrtc.sdp.SessionDescription;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpResult;
import io.sluice.webrtc.srtp.SrtpSender;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal WHIP server for tests, built from the same sans-IO parts: an HTTP endpoint
 * ({@link HttpServer}), an ICE-lite agent on one UDP socket, the DTLS server role, SRTP, and jitter
 * buffers that reassemble what arrives. One session at a time; it can also misbehave on purpose.
 */
final class TestWhipServer implements AutoCloseable {
    /** How the server answers the POST. */
    enum Mode { NORMAL, UNAUTHORIZED, GARBAGE_SDP, DEAD_CANDIDATE }

    /** One recorded HTTP request. */
    record Request(String method, String path, String authorization, String ifMatch, String body) {
    }

    /** One reassembled frame. */
    record Received(long ptsUs, byte[] payload, boolean keyframe) {
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final List<Received> video = Collections.synchronizedList(new ArrayList<>());
    final List<Received> audio = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch connected = new CountDownLatch(1);
    final AtomicInteger srReceived = new AtomicInteger();
    final AtomicInteger rtxReceived = new AtomicInteger();
    /** Sequence number of the video packet dropped on purpose and NACKed, -1 until chosen. */
    volatile int nackedSeq = -1;
    /** Set when that packet arrived again (RTX or plain). */
    final CountDownLatch retransmitted = new CountDownLatch(1);
    /**
     * Whether the server sends transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
     * §3.1) every 50 ms about the packets that arrived; set before the session starts.
     */
    volatile boolean sendTransportCc;
    final AtomicInteger twccFeedbacksSent = new AtomicInteger();
    /** RTP packets that arrived without a transport-wide sequence number. */
    final AtomicInteger packetsWithoutTwcc = new AtomicInteger();
    final AtomicInteger paddingOnlyReceived = new AtomicInteger();

    private final HttpServer http;
    private final Mode mode;
    private final String expectedToken;
    private volatile Session session;

    TestWhipServer(Mode mode, String expectedToken) throws IOException {
        this.mode = mode;
        this.expectedToken = expectedToken;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/whip", this::handle);
        http.start();
    }

    URI endpoint() {
        return URI.create("whip+http://127.0.0.1:" + http.getAddress().getPort() + "/whip/live");
    }

    /** Sends a PLI for the video SSRC. */
    void sendPli() {
        Session s = session;
        s.sendRtcp(new Pli(1, (int) s.videoSsrc));
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("If-Match"), body));
        try {
            switch (ex.getRequestMethod()) {
                case "POST" -> post(ex, body);
                case "DELETE" -> {
                    Session s = session;
                    if (s != null) {
                        s.close();
                    }
                    reply(ex, 200, null, "");
                }
                case "PATCH" -> reply(ex, 204, null, "");
                default -> reply(ex, 405, null, "");
            }
        } catch (Exception e) {
            reply(ex, 500, null, "test server: " + e);
        }
    }

    private void post(HttpExchange ex, String offerSdp) throws Exception {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (mode == Mode.UNAUTHORIZED || (expectedToken != null && !("Bearer " + expectedToken).equals(auth))) {
            reply(ex, 401, null, "invalid bearer token for stream 'live'\nsecond line not quoted");
            return;
        }
        if (mode == Mode.GARBAGE_SDP) {
            ex.getResponseHeaders().add("Location", "/whip/session/1");
            reply(ex, 201, "application/sdp", "this is not SDP\r\n");
            return;
        }
        SessionDescription offer = SdpParser.parseDefault(offerSdp);
        Session s = new Session(offer);
        session = s;
        ex.getResponseHeaders().add("Location", "/whip/session/1");
        ex.getResponseHeaders().add("ETag", "\"v1\"");
        ex.getResponseHeaders().add("Link", "<stun:127.0.0.1:9>; rel=\"ice-server\"");
        reply(ex, 201, "application/sdp", s.answerSdp);
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (type != null) {
            ex.getResponseHeaders().add("Content-Type", type);
        }
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        http.stop(0);
        Session s = session;
        if (s != null) {
            s.close();
        }
    }

    /** The media side of one session, on its own thread. */
    private final class Session implements Runnable {
        final String answerSdp;
        final DatagramChannel udp;
        final IceLiteAgent ice;
        final DtlsEndpoint dtls;
        final NegotiatedSession negotiated;
        final long videoSsrc;
        final int videoPt;
        final int rtxPt;
        final int audioPt;
        final Thread thread;
        volatile boolean closed;
        volatile InetSocketAddress peer;
        SrtpReceiver srtpIn;
        SrtpSender srtpOut;
        final JitterBuffer videoJitter;
        final JitterBuffer audioJitter;
        int videoPackets;
        final Object rtcpLock = new Object();
        final int twccId;
        /** Arrivals since the last feedback: transport-wide sequence number → arrival µs. */
        final java.util.TreeMap<Integer, Long> arrivals = new java.util.TreeMap<>();
        long lastFeedbackUs;
        int feedbackCount;

        Session(SessionDescription offer) throws IOException {
            udp = DatagramChannel.open();
            udp.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            udp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress local = (InetSocketAddress) udp.getLocalAddress();
            DtlsContext ctx = DtlsContext.builder().build();
            SdpNegotiator negotiator = SdpNegotiator.builder().build();
            IceLiteAgent.Builder ib = IceLiteAgent.builder().localAddress(local);
            // Credentials: the offer's are the remote ones.
            io.sluice.webrtc.ice.IceCredentials remote = offer.iceCredentials(offer.media().get(0)).orElseThrow();
            ice = ib.remoteCredentials(remote).build();
            InetSocketAddress advertised = mode == Mode.DEAD_CANDIDATE ? deadAddress() : local;
            LocalTransport lt = new LocalTransport(ice.localCredentials(),
                    Fingerprint.parse(ctx.certificate().fingerprint().toSdpValue()),
                    List.of(IceCandidate.host(advertised, 65535)), "test");
            negotiated = negotiator.answer(offer, lt);
            answerSdp = negotiated.localDescription().toSdp();
            long vs = -1;
            int vpt = -1;
            int rpt = -1;
            int apt = -1;
            for (NegotiatedMedia m : negotiated.media()) {
                long ssrc = m.remoteSsrcs().isEmpty() ? -1 : m.remoteSsrcs().get(0);
                if (m.kind() == MediaKind.VIDEO) {
                    vs = ssrc;
                    vpt = m.codec().payloadType();
                    rpt = m.rtxPayloadType();
                } else {
                    apt = m.codec().payloadType();
                }
            }
            Integer tw = negotiated.media().get(0).extensionIds().get(io.sluice.webrtc.sdp.ExtMap.TRANSPORT_WIDE_CC);
            twccId = tw == null ? -1 : tw;
            videoSsrc = vs;
            videoPt = vpt;
            rtxPt = rpt;
            audioPt = apt;
            videoJitter = JitterBuffer.builder(TrackInfo.builder(0, Codec.H264).resolution(320, 240).build(),
                    new H264Depacketizer()).maxDelayMicros(500_000).build();
            audioJitter = JitterBuffer.builder(TrackInfo.builder(1, Codec.OPUS).audio(48000, 2).build(),
                    new OpusDepacketizer()).waitForKeyframeAfterLoss(false).build();
            dtls = ctx.newEndpoint(negotiated.dtlsClient() ? DtlsRole.CLIENT : DtlsRole.SERVER,
                    negotiated.remoteFingerprint().toString());
            dtls.start();
            thread = new Thread(this, "test-whip-server");
            thread.setDaemon(true);
            thread.start();
        }

        private InetSocketAddress deadAddress() throws IOException {
            try (DatagramChannel c = DatagramChannel.open()) {
                c.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                return (InetSocketAddress) c.getLocalAddress(); // closed at once: nobody listens there
            }
        }

        @Override
        public void run() {
            ByteBuffer nio = ByteBuffer.allocate(2048);
            try {
                udp.configureBlocking(false);
                while (!closed) {
                    long now = System.nanoTime();
                    if (ice.pollTimeoutNanos() - now <= 0) {
                        ice.handleTimeout(now);
                    }
                    flushIce();
                    ByteBuf out;
                    while ((out = dtls.pollTransmit()) != null) {
                        send(out);
                    }
                    if (srtpIn == null && dtls.handshakeFuture().isDone() && !dtls.handshakeFuture().isCompletedExceptionally()) {
                        DtlsSrtpKeys k = dtls.handshakeFuture().join();
                        SrtpProfile p = SrtpProfile.forDtlsId(k.profile().dtlsId());
                        srtpIn = new SrtpReceiver(new SrtpKeyingMaterial(p, k.remoteMasterKey(), k.remoteMasterSalt()));
                        synchronized (rtcpLock) {
                            srtpOut = new SrtpSender(new SrtpKeyingMaterial(p, k.localMasterKey(), k.localMasterSalt()));
                        }
                        connected.countDown();
                    }
                    nio.clear();
                    InetSocketAddress from = (InetSocketAddress) udp.receive(nio);
                    if (from == null) {
                        drainJitter(System.nanoTime() / 1000);
                        Thread.sleep(1);
                        continue;
                    }
                    nio.flip();
                    ByteBuf b = Unpooled.wrappedBuffer(nio);
                    switch (PacketDemux.classify(b)) {
                        case STUN -> {
                            ice.handleDatagram(now, from, b);
                            if (ice.selectedPair().isPresent()) {
                                peer = ice.selectedPair().get().remote();
                            }
                            flushIce();
                        }
                        case DTLS -> {
                            peer = peer == null ? from : peer;
                            dtls.handleDatagram(b);
                        }
                        case RTP -> onRtp(Unpooled.copiedBuffer(b));
                        case RTCP -> onRtcp(Unpooled.copiedBuffer(b));
                        default -> {
                        }
                    }
                }
            } catch (Exception e) {
                if (!closed) {
                    e.printStackTrace();
                }
            } finally {
                videoJitter.close();
                audioJitter.close();
                dtls.close();
                ice.close();
                try {
                    udp.close();
                } catch (IOException e) {
                    // closing
                }
            }
        }

        private void flushIce() throws IOException {
            Transmit t;
            while ((t = ice.pollTransmit()) != null) {
                try {
                    udp.send(t.content().nioBuffer(), t.destination());
                } finally {
                    t.content().release();
                }
            }
            while (ice.pollEvent() != null) {
                // states are read through selectedPair()
            }
        }

        private void send(ByteBuf b) throws IOException {
            try {
                if (peer != null) {
                    udp.send(b.nioBuffer(), peer);
                }
            } finally {
                b.release();
            }
        }

        private void onRtp(ByteBuf b) {
            if (srtpIn == null || srtpIn.unprotectRtp(b) != SrtpResult.OK) {
                b.release();
                return;
            }
            RtpPacket v = new RtpPacket();
            v.wrap(b);
            long nowUs = System.nanoTime() / 1000;
            onTransportSequenceNumber(twccId > 0 ? v.transportSequenceNumber(twccId) : -1, nowUs);
            if (v.hasPadding() && v.payloadLength() == 0) {
                paddingOnlyReceived.incrementAndGet();
                b.release();
                return;
            }
            if (v.payloadType() == rtxPt) {
                rtxReceived.incrementAndGet();
                ByteBuf orig = RtxPacketizer.unwrap(b, (int) videoSsrc, videoPt, ByteBufAllocator.DEFAULT);
                b.release();
                if (orig == null) {
                    return;
                }
                RtpPacket o = new RtpPacket();
                o.wrap(orig);
                if (o.sequenceNumber() == nackedSeq) {
                    retransmitted.countDown();
                }
                videoJitter.insert(orig, nowUs);
            } else if (v.payloadType() == videoPt) {
                videoPackets++;
                if (videoPackets == 200 && nackedSeq < 0) {
                    // Drop this one and ask for it again (RFC 4585 §6.2.1).
                    nackedSeq = v.sequenceNumber();
                    b.release();
                    sendRtcp(new GenericNack(1, (int) videoSsrc, List.of(nackedSeq)));
                    return;
                }
                if (v.sequenceNumber() == nackedSeq) {
                    retransmitted.countDown();
                }
                videoJitter.insert(b, nowUs);
            } else if (v.payloadType() == audioPt) {
                audioJitter.insert(b, nowUs);
            } else {
                b.release();
            }
            drainJitter(nowUs);
        }

        /** Records an arrival; every 50 ms sends one feedback about what arrived since the last one. */
        private void onTransportSequenceNumber(int seq, long nowUs) {
            if (seq < 0) {
                packetsWithoutTwcc.incrementAndGet();
                return;
            }
            if (!sendTransportCc) {
                return;
            }
            arrivals.put(seq, nowUs);
            if (nowUs - lastFeedbackUs < 50_000) {
                return;
            }
            lastFeedbackUs = nowUs;
            int base = arrivals.firstKey();
            int span = arrivals.lastKey() - base + 1; // no wrap within one test run
            long[] at = new long[span];
            java.util.Arrays.fill(at, -1);
            arrivals.forEach((k, t) -> at[k - base] = t);
            arrivals.clear();
            sendRtcp(TransportWideCc.of(1, (int) videoSsrc, base, feedbackCount++, at));
            twccFeedbacksSent.incrementAndGet();
        }

        private void drainJitter(long nowUs) {
            EncodedFrame f;
            while ((f = videoJitter.poll(nowUs)) != null) {
                video.add(new Received(f.ptsUs(), ByteBufUtil.getBytes(f.content()), f.isKeyframe()));
                f.release();
            }
            while ((f = audioJitter.poll(nowUs)) != null) {
                audio.add(new Received(f.ptsUs(), ByteBufUtil.getBytes(f.content()), true));
                f.release();
            }
        }

        private void onRtcp(ByteBuf b) {
            try {
                if (srtpIn == null || srtpIn.unprotectRtcp(b) != SrtpResult.OK) {
                    return;
                }
                for (RtcpPacket p : RtcpParser.parse(b)) {
                    if (p instanceof SenderReport) {
                        srReceived.incrementAndGet();
                    }
                }
            } finally {
                b.release();
            }
        }

        /** Protects and sends one RTCP packet; callable from the test thread. */
        void sendRtcp(RtcpPacket p) {
            ByteBuf b = ByteBufAllocator.DEFAULT.heapBuffer(128);
            p.writeTo(b);
            synchronized (rtcpLock) {
                if (srtpOut == null || srtpOut.protectRtcp(b) != SrtpResult.OK) {
                    b.release();
                    return;
                }
            }
            try {
                send(b);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void close() {
            closed = true;
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the session to exist and be connected. */
    boolean awaitConnected(long timeout, TimeUnit unit) throws InterruptedException {
        return connected.await(timeout, unit);
    }
}
