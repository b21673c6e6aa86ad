package io.sluice.webrtc.whip.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.PipelineListener;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.spi.Transports;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WhipTransport} against {@link TestWhipServer} on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class WhipTransportTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    static Path clip() {
        return Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media",
                "bbb_rabbit_320x240_8s_h264_aac.mp4");
    }

    /** Records what the pipeline hands the WHIP transport (copies), then passes the frame on. */
    static final class Recording implements Transport {
        final Transport inner;
        final List<long[]> videoPts = Collections.synchronizedList(new ArrayList<>());
        final List<byte[]> videoPayloads = Collections.synchronizedList(new ArrayList<>());
        volatile int audioFrames;

        Recording(Transport inner) {
            this.inner = inner;
        }

        @Override
        public URI uri() {
            return inner.uri();
        }

        @Override
        public List<Codec> acceptedCodecs(MediaType mediaType) {
            return inner.acceptedCodecs(mediaType);
        }

        @Override
        public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
            inner.open(tracks, feedback);
        }

        @Override
        public boolean send(EncodedFrame frame) {
            if (frame.track().isVideo()) {
                videoPts.add(new long[] {frame.ptsUs(), frame.isKeyframe() ? 1 : 0});
                videoPayloads.add(ByteBufUtil.getBytes(frame.content()));
            } else {
                audioFrames++;
            }
            return inner.send(frame);
        }

        @Override
        public TransportStats stats() {
            return inner.stats();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** AVCC access unit without SPS/PPS NAL units (the packetizer adds those from the track config). */
    static byte[] withoutParameterSets(byte[] avcc) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int i = 0;
        while (i + 4 <= avcc.length) {
            int len = ((avcc[i] & 0xFF) << 24) | ((avcc[i + 1] & 0xFF) << 16) | ((avcc[i + 2] & 0xFF) << 8) | (avcc[i + 3] & 0xFF);
            if (len <= 0 || i + 4 + len > avcc.length) {
                break;
            }
            int type = avcc[i + 4] & 0x1F;
            if (type != 7 && type != 8) {
                o.write(avcc, i, 4 + len);
            }
            i += 4 + len;
        }
        return o.toByteArray();
    }

    /** What one published clip left behind, for the checks of a variant. */
    record Published(List<BandwidthEstimate> estimates, WhipStats stats, String offer, int twccFeedbacks,
                     int packetsWithoutTwcc, int paddingOnly) {
    }

    @Test
    void publishesClipThatTheServerReassemblesAnswersPliAndNack() throws Exception {
        Published p = publishClip(null);
        assertEquals(0, p.stats().paddingPacketsSent(), "no controller: no padding");
        assertEquals(0, p.stats().targetBitrateBps());
    }

    @Test
    @DisplayName("With a network controller: the offer negotiates transport-cc, every packet carries a transport-wide "
            + "sequence number, the controller sees each sent packet and the server's feedback per packet, probes are "
            + "padded with RTX, and its targets reach the pipeline as TRANSPORT_CC estimates with the pacer's queue")
    void publishesPacedWithANetworkController() throws Exception {
        CountingController c = new CountingController();
        Published p = publishClip(c);
        assertTrue(p.offer().contains("transport-cc") && p.offer().contains(io.sluice.webrtc.sdp.ExtMap.TRANSPORT_WIDE_CC),
                "offer negotiates TWCC: " + p.offer());
        assertEquals(0, p.packetsWithoutTwcc(), "every RTP packet carries a transport-wide sequence number");
        assertTrue(p.twccFeedbacks() >= 20, "feedbacks: " + p.twccFeedbacks());
        long sent = c.sent.get();
        assertTrue(sent >= p.stats().rtpPacketsSent() - 1 && sent > 300, "sent " + sent + ", " + p.stats());
        assertTrue(c.matched.get() >= 0.9 * sent, c.matched.get() + " of " + sent + " matched to feedback");
        assertTrue(c.received.get() >= 0.95 * c.matched.get(), c.received.get() + " received of " + c.matched.get());
        assertEquals(0, c.mismatched.get(), "per-packet results carry what was sent");
        assertTrue(c.probePackets.get() >= 5, "probe packets: " + c.probePackets.get());
        assertTrue(p.stats().paddingPacketsSent() > 0, "probes padded: " + p.stats());
        assertEquals(0, p.paddingOnly(), "RTX is negotiated: padding is RTX, not padding-only");
        assertTrue(p.estimates().stream().anyMatch(e -> e.kind() == BandwidthEstimate.Kind.TRANSPORT_CC
                && e.reason() == io.sluice.core.spi.RateChangeReason.INITIAL && e.bitrateBps() > 800_000),
                "the copied video (595 kbit/s) raises the 300 kbit/s start to 1.25 x the tracks' rate: " + p.estimates());
        assertTrue(p.estimates().stream().anyMatch(e -> e.kind() == BandwidthEstimate.Kind.TRANSPORT_CC
                && e.reason() == io.sluice.core.spi.RateChangeReason.DELAY && e.bitrateBps() == 1_000_000), p.estimates().toString());
        assertEquals(1_000_000, p.stats().targetBitrateBps());
    }

    /**
     * A controller test double (GCC itself is in the abr module): paces at 6 Mbit/s, checks each feedback's
     * per-packet results against what it was told was sent, asks for a 4 Mbit/s probe on the 20th, 40th and
     * 60th feedback and answers each feedback with a 1 Mbit/s target. Runs on the client's I/O thread.
     */
    static final class CountingController implements io.sluice.abr.cc.NetworkController {
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong matched = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong mismatched = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong probePackets = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.Map<Long, io.sluice.abr.cc.SentPacket> bySeq = new java.util.HashMap<>();
        private int feedbacks;

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onTargetRateConstraints(long nowUs,
                io.sluice.abr.cc.TargetRateConstraints c) {
            return new io.sluice.abr.cc.NetworkControlUpdate(new io.sluice.abr.cc.TargetTransferRate(nowUs,
                    c.startBitrateBps(), c.startBitrateBps(), 0, 0, io.sluice.core.spi.RateChangeReason.INITIAL),
                    new io.sluice.abr.cc.PacerConfig(6_000_000, 0), List.of());
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onProcessInterval(long nowUs) {
            return io.sluice.abr.cc.NetworkControlUpdate.NONE;
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onSentPacket(io.sluice.abr.cc.SentPacket p) {
            sent.incrementAndGet();
            bySeq.put(p.sequenceNumber(), p);
            if (p.pacing().isProbe()) {
                probePackets.incrementAndGet();
            }
            return io.sluice.abr.cc.NetworkControlUpdate.NONE;
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onTransportPacketsFeedback(io.sluice.abr.cc.TransportPacketsFeedback f) {
            for (io.sluice.abr.cc.PacketResult r : f.packets()) {
                matched.incrementAndGet();
                if (r.isReceived()) {
                    received.incrementAndGet();
                }
                if (!r.sent().equals(bySeq.remove(r.sent().sequenceNumber()))) {
                    mismatched.incrementAndGet();
                }
            }
            // Probes once video flows (the first feedbacks cover audio only: video waits for a keyframe, and
            // a cluster that starts before any video is sent is filled by the keyframe, not padding).
            List<io.sluice.abr.cc.ProbeClusterConfig> probes = ++feedbacks % 20 == 0 && feedbacks <= 60
                    ? List.of(new io.sluice.abr.cc.ProbeClusterConfig(f.feedbackTimeUs(), feedbacks, 4_000_000, 15_000, 5))
                    : List.of();
            return new io.sluice.abr.cc.NetworkControlUpdate(new io.sluice.abr.cc.TargetTransferRate(f.feedbackTimeUs(),
                    1_000_000, 1_500_000, 0, 0, io.sluice.core.spi.RateChangeReason.DELAY), null, probes);
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs) {
            return io.sluice.abr.cc.NetworkControlUpdate.NONE;
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onTransportLossReport(long nowUs, long lost, long expected) {
            return io.sluice.abr.cc.NetworkControlUpdate.NONE;
        }

        @Override
        public io.sluice.abr.cc.NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps) {
            return io.sluice.abr.cc.NetworkControlUpdate.NONE;
        }
    }

    /** Publishes the clip through the test server and checks what every variant must deliver. */
    private Published publishClip(io.sluice.abr.cc.NetworkController controller) throws Exception {
        List<String> keyframeReasons = Collections.synchronizedList(new ArrayList<>());
        List<BandwidthEstimate> estimates = Collections.synchronizedList(new ArrayList<>());
        try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.NORMAL, "s3cret")) {
            server.sendTransportCc = controller != null;
            WhipTransport whip = WhipTransport.builder(server.endpoint()).bearerToken("s3cret")
                    .hostAddress(LOOPBACK).networkController(controller == null ? null : () -> controller).build();
            Recording rec = new Recording(whip);
            WhipStats whipStats;
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open(clip().toString()))
                    .copyVideo(true)
                    .audio(AudioEncoderConfig.builder().codec(Codec.OPUS).build())
                    .transport(rec)
                    .realtime(true)
                    .listener(new PipelineListener() {
                        @Override
                        public void onKeyframeRequested(URI transport, int trackId, String reason) {
                            keyframeReasons.add(reason);
                        }

                        @Override
                        public void onBandwidthEstimate(URI transport, BandwidthEstimate estimate) {
                            estimates.add(estimate);
                        }
                    })
                    .build()) {
                p.start();
                assertTrue(server.awaitConnected(10, TimeUnit.SECONDS), "DTLS did not complete");
                Thread.sleep(2500);
                server.sendPli();
                p.completion().get(40, TimeUnit.SECONDS);
                Thread.sleep(700); // let the jitter buffer release the tail
                assertTrue(server.retransmitted.await(5, TimeUnit.SECONDS),
                        "NACKed packet " + server.nackedSeq + " was not retransmitted");
                whipStats = whip.whipStats();
                assertEquals(TransportState.CLOSED, whip.stats().state()); // the pipeline closes it at the end of input
            }

            // HTTP: bearer token on POST and DELETE, DELETE on the Location (resolved from a relative one).
            List<TestWhipServer.Request> reqs = server.requests;
            TestWhipServer.Request post = reqs.get(0);
            assertEquals("POST", post.method());
            assertEquals("Bearer s3cret", post.authorization());
            assertTrue(post.body().startsWith("v=0"), post.body());
            assertTrue(post.body().contains("a=setup:actpass") && post.body().contains("a=sendonly"), post.body());
            TestWhipServer.Request delete = reqs.stream().filter(r -> r.method().equals("DELETE")).findFirst().orElseThrow(
                    () -> new AssertionError("no DELETE in " + reqs));
            assertEquals("/whip/session/1", delete.path());
            assertEquals("Bearer s3cret", delete.authorization());
            assertEquals(URI.create("http://127.0.0.1:" + server.endpoint().getPort() + "/whip/session/1"), whip.sessionUri());

            // Video: every sent access unit from the keyframe the server got first, matched by PTS, must be identical.
            // That keyframe is the encoder's first unless the connection dropped what was queued while it connected
            // (WhipConnection's fresh start, taken when the backlog would need 500 ms at the start rate).
            List<TestWhipServer.Received> got = new ArrayList<>(server.video);
            assertFalse(got.isEmpty(), "no video frame reassembled");
            byte[] firstGot = withoutParameterSets(got.get(0).payload());
            int first = -1;
            for (int i = 0; i < rec.videoPts.size(); i++) {
                if (rec.videoPts.get(i)[1] == 1 && Arrays.equals(withoutParameterSets(rec.videoPayloads.get(i)), firstGot)) {
                    first = i;
                    break;
                }
            }
            assertTrue(first >= 0, "the first access unit the server reassembled is none of the keyframes sent");
            long offset = rec.videoPts.get(first)[0] - got.get(0).ptsUs();
            int sent = rec.videoPts.size() - first;
            int identical = 0;
            int j = 0;
            for (int i = first; i < rec.videoPts.size(); i++) {
                long pts = rec.videoPts.get(i)[0];
                while (j < got.size() && got.get(j).ptsUs() + offset < pts - 1000) {
                    j++;
                }
                if (j < got.size() && Math.abs(got.get(j).ptsUs() + offset - pts) <= 1000
                        && Arrays.equals(withoutParameterSets(rec.videoPayloads.get(i)), withoutParameterSets(got.get(j).payload()))) {
                    identical++;
                }
            }
            System.out.printf("WHIP e2e: video %d/%d access units identical (%d reassembled), audio %d/%d Opus frames, "
                            + "SRs %d, RTX %d, stats %s, keyframe requests %s, estimates %d%n",
                    identical, sent, got.size(), server.audio.size(), rec.audioFrames, server.srReceived.get(),
                    server.rtxReceived.get(), whipStats, keyframeReasons, estimates.size());
            assertTrue(identical >= 0.95 * sent, identical + "/" + sent + " access units identical");
            assertTrue(server.audio.size() >= 0.9 * rec.audioFrames, server.audio.size() + "/" + rec.audioFrames + " Opus frames");
            assertTrue(keyframeReasons.stream().anyMatch(r -> r.startsWith("PLI from")), "no PLI keyframe request: " + keyframeReasons);
            assertTrue(whipStats.retransmissions() >= 1 && whipStats.nacksReceived() >= 1, whipStats.toString());
            assertTrue(server.srReceived.get() >= 3, "sender reports: " + server.srReceived.get());
            assertNotNull(whipStats.selectedPair());
            return new Published(List.copyOf(estimates), whipStats, post.body(), server.twccFeedbacksSent.get(),
                    server.packetsWithoutTwcc.get(), server.paddingOnlyReceived.get());
        }
    }

    @Test
    void unauthorizedPostFailsOpenWithTheServersMessage() throws Exception {
        try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.UNAUTHORIZED, null);
             WhipTransport whip = WhipTransport.builder(server.endpoint()).bearerToken("wrong").hostAddress(LOOPBACK).build()) {
            TransportException e = assertThrows(TransportException.class, () -> whip.open(List.of(opusTrack()), new Feedback()));
            assertTrue(e.getMessage().contains("POST offer: HTTP 401: invalid bearer token for stream 'live'"), e.getMessage());
            assertFalse(e.getMessage().contains("second line"), e.getMessage());
            assertTrue(e.getMessage().contains(server.endpoint().toString()), e.getMessage());
        }
    }

    @Test
    void garbageAnswerFailsOpenAndDeletesTheResource() throws Exception {
        try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.GARBAGE_SDP, null);
             WhipTransport whip = WhipTransport.builder(server.endpoint()).hostAddress(LOOPBACK).build()) {
            TransportException e = assertThrows(TransportException.class, () -> whip.open(List.of(opusTrack()), new Feedback()));
            assertTrue(e.getMessage().contains("SDP answer"), e.getMessage());
            assertTrue(server.requests.stream().anyMatch(r -> r.method().equals("DELETE")), server.requests.toString());
        }
    }

    @Test
    void unreachableCandidateFailsWithinTheIceTimeout() throws Exception {
        try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.DEAD_CANDIDATE, null);
             WhipTransport whip = WhipTransport.builder(server.endpoint()).hostAddress(LOOPBACK)
                     .iceTimeout(Duration.ofMillis(1500)).build()) {
            Feedback fb = new Feedback();
            long start = System.nanoTime();
            whip.open(List.of(opusTrack()), fb);
            Throwable cause = fb.failed.get(5, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 3000, "failed after " + ms + " ms");
            assertTrue(cause.getMessage().contains("ICE: no candidate pair connected within 1500 ms"), cause.getMessage());
            assertEquals(TransportState.FAILED, whip.stats().state());
            EncodedFrame f = new EncodedFrame(opusTrack(), io.netty.buffer.Unpooled.buffer(4).writeInt(1), 0, true);
            assertThrows(TransportException.class, () -> whip.send(f));
            assertEquals(0, f.refCnt());
        }
    }

    /**
     * Frames queued while ICE and DTLS run (here 1.5 s of them, queued at once after the POST) are dropped for a fresh
     * keyframe when the pipeline encodes the track, and sent when it copies it (a copy would wait a GOP for the
     * source's next keyframe).
     */
    @Test
    @DisplayName("A connect backlog is dropped for a fresh keyframe when the video is encoded, and kept when copied")
    void connectBacklogIsDroppedOnlyForAnEncodedTrack() throws Exception {
        TrackInfo video = TrackInfo.builder(0, Codec.H264).resolution(640, 480).build();
        for (boolean encoded : new boolean[] {true, false}) {
            List<String> keyframeReasons = Collections.synchronizedList(new ArrayList<>());
            Feedback fb = new Feedback() {
                @Override
                public void onKeyframeRequest(int trackId, String reason) {
                    keyframeReasons.add(reason);
                }

                @Override
                public boolean keyframesOnRequest(int trackId) {
                    return encoded;
                }
            };
            try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.NORMAL, null);
                 WhipTransport whip = WhipTransport.builder(server.endpoint()).hostAddress(LOOPBACK).build()) {
                whip.open(List.of(video), fb);
                queueBacklog(whip, video, 45, 600);
                awaitBacklog(server, 45);
                if (encoded) {
                    assertEquals(0, server.video.size(), "the backlog was dropped");
                    assertEquals(45, whip.stats().framesDropped());
                    assertTrue(keyframeReasons.contains("WHIP session connected"), keyframeReasons.toString());
                } else {
                    assertEquals(45, server.video.size(), "the copied backlog was sent");
                    assertEquals(0, whip.stats().framesDropped());
                    assertFalse(keyframeReasons.contains("WHIP session connected"), keyframeReasons.toString());
                }
            }
        }
    }

    /**
     * A connect backlog shorter than the span rule (5 frames, 133 ms) is still dropped for a fresh keyframe when it
     * would take over 500 ms to send at the start rate (a 40 kB keyframe at 300 kbit/s: ~1.1 s), and sent when it
     * would not (3 kB).
     */
    @Test
    @DisplayName("A short connect backlog too large to send quickly at the start rate is dropped; a small one is sent")
    void shortButLargeConnectBacklogIsDropped() throws Exception {
        TrackInfo video = TrackInfo.builder(0, Codec.H264).resolution(640, 480).build();
        for (int keyframeBytes : new int[] {40_000, 600}) {
            Feedback fb = new Feedback() {
                @Override
                public boolean keyframesOnRequest(int trackId) {
                    return true;
                }
            };
            try (TestWhipServer server = new TestWhipServer(TestWhipServer.Mode.NORMAL, null);
                 WhipTransport whip = WhipTransport.builder(server.endpoint()).hostAddress(LOOPBACK).build()) {
                whip.open(List.of(video), fb);
                queueBacklog(whip, video, 5, keyframeBytes);
                awaitBacklog(server, 5);
                if (keyframeBytes > 600) {
                    assertEquals(0, server.video.size(), "the 40 kB backlog was dropped");
                    assertEquals(5, whip.stats().framesDropped());
                } else {
                    assertEquals(5, server.video.size(), "the 3 kB backlog was sent");
                    assertEquals(0, whip.stats().framesDropped());
                }
            }
        }
    }

    /** Queues {@code n} video frames 33 ms apart before the session connects: a keyframe of the given size, then 600 octets each. */
    private static void queueBacklog(WhipTransport whip, TrackInfo video, int n, int keyframeBytes) {
        for (int i = 0; i < n; i++) {
            io.netty.buffer.ByteBuf avcc = io.netty.buffer.Unpooled.buffer();
            byte[] slice = new byte[i == 0 ? keyframeBytes : 600];
            slice[0] = (byte) (i == 0 ? 0x65 : 0x41);
            avcc.writeInt(slice.length).writeBytes(slice);
            whip.send(new EncodedFrame(video, avcc, i * 33_333L, i == 0));
        }
    }

    /** Waits for DTLS, then up to 3 s for {@code n} video frames at the server, then 200 ms more. */
    private static void awaitBacklog(TestWhipServer server, int n) throws InterruptedException {
        assertTrue(server.awaitConnected(10, TimeUnit.SECONDS), "DTLS did not complete");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline && server.video.size() < n) {
            Thread.sleep(50);
        }
        Thread.sleep(200);
    }

    @Test
    void providerServesWhipSchemesAndRefusesPlainHttpToPublicHosts() {
        Transport t = Transports.create(URI.create("whip+http://127.0.0.1:9/whip/x?token=abc"));
        assertTrue(t instanceof WhipTransport, t.toString());
        assertEquals(List.of(Codec.H264), t.acceptedCodecs(MediaType.VIDEO));
        assertEquals(List.of(Codec.OPUS), t.acceptedCodecs(MediaType.AUDIO));
        t.close();
        TransportException e = assertThrows(TransportException.class,
                () -> Transports.create(URI.create("whip+http://192.0.2.1/whip/x")));
        assertTrue(e.getMessage().contains("whip+https"), e.getMessage());
        WhipTransport.builder(URI.create("http://192.0.2.1/whip")).allowInsecureHttp(true).hostAddress(LOOPBACK).build().close();
        assertThrows(IllegalArgumentException.class, () -> WhipTransport.builder(URI.create("ftp://h/x")));
        assertThrows(IllegalArgumentException.class, () -> WhipTransport.builder(URI.create("whip+https://h/x")).stunServer("turn:h"));
    }

    @Test
    void linkHeadersYieldIceServers() {
        List<URI> servers = WhipSignaling.iceServers(List.of(
                "<stun:stun.example.net>; rel=\"ice-server\", <turn:turn.example.net?transport=udp>; rel=\"ice-server\"; "
                        + "username=\"u\"; credential=\"p\"",
                "<https://example.net/doc>; rel=\"help\""));
        assertEquals(List.of(URI.create("stun:stun.example.net"), URI.create("turn:turn.example.net?transport=udp")), servers);
        assertEquals("stun.example.net", WhipConnection.stunHostPort(URI.create("stun:stun.example.net"))[0]);
        assertEquals(3478, WhipConnection.stunHostPort(URI.create("stun:stun.example.net"))[1]);
        assertEquals(19302, WhipConnection.stunHostPort(URI.create("stun:[2001:db8::1]:19302"))[1]);
    }

    static TrackInfo opusTrack() {
        return TrackInfo.builder(1, Codec.OPUS).audio(48000, 2).build();
    }

    /** Collects state changes (also used by the server tests). */
    public static class Feedback implements TransportFeedback {
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();

        @Override
        public void onStateChanged(TransportState state, Throwable cause) {
            if (state == TransportState.FAILED) {
                failed.complete(cause);
            }
        }

        @Override
        public void onKeyframeRequest(int trackId, String reason) {
        }

        @Override
        public void onBandwidthEstimate(BandwidthEstimate estimate) {
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }
    }
}
