package io.sluice.webrtc.session;

import static io.sluice.webrtc.session.RtpSessionTest.ALLOC;
import static io.sluice.webrtc.session.RtpSessionTest.PT;
import static io.sluice.webrtc.session.RtpSessionTest.RECEIVER_SSRC;
import static io.sluice.webrtc.session.RtpSessionTest.RTX_PT;
import static io.sluice.webrtc.session.RtpSessionTest.RTX_SSRC;
import static io.sluice.webrtc.session.RtpSessionTest.TWCC_ID;
import static io.sluice.webrtc.session.RtpSessionTest.VIDEO_SSRC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.Remb;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The send side of {@link RtpSession} with a {@link io.sluice.abr.cc.NetworkController} and the
 * {@link RatePacer}, in simulated time: pacing rate and bursts, priorities, the queue time limit, probes
 * and padding, and what the controller is told.
 */
@DisplayName("RtpSession pacing and congestion-controller seam, in simulated time")
class RtpSessionPacingTest {
    static final int AUDIO_SSRC = 0x4444;
    static final int AUDIO_PT = 111;
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).build();

    final ManualTicker ticker = new ManualTicker();
    final Random random = new Random(11);

    /** A sent RTP packet: when, and its header fields. */
    record Out(long nanos, int size, int ssrc, int pt, int seq, int twcc, boolean padding, int payloadLength) {
    }

    RtpSession sender(ScriptedController c, boolean rtx, boolean audio) {
        return sender(c, rtx, audio, 0);
    }

    RtpSession sender(ScriptedController c, boolean rtx, boolean audio, int transportOverhead) {
        return senderBuilder(c, rtx, audio).transportOverhead(transportOverhead).build();
    }

    RtpSession.Builder senderBuilder(ScriptedController c, boolean rtx) {
        return senderBuilder(c, rtx, false);
    }

    RtpSession.Builder senderBuilder(ScriptedController c, boolean rtx, boolean audio) {
        RtpHeaderWriter hdr = new RtpHeaderWriter(VIDEO_SSRC, PT).transportSequenceNumber(TWCC_ID);
        H264Packetizer h264 = H264Packetizer.builder(hdr).allocator(ALLOC).tailRoom(16).build();
        NackResponder nack = new NackResponder(new PacketHistory(1024, 1_000_000, ALLOC),
                rtx ? new RtxPacketizer(RTX_SSRC, RTX_PT, 100, ALLOC, 16) : null, ALLOC, 16);
        RtpSession.Builder b = RtpSession.builder().start(ticker.nanoTime(), ticker.wallClockMicros()).cname("sender")
                .send(SendStream.builder(MediaKind.VIDEO, VIDEO_SSRC, 90_000,
                        FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp))
                        .transportWideCcId(TWCC_ID).nackResponder(nack).build());
        if (audio) {
            OpusPacketizer opus = new OpusPacketizer(new RtpHeaderWriter(AUDIO_SSRC, AUDIO_PT)
                    .transportSequenceNumber(TWCC_ID), ALLOC, 16, -1, -1);
            b.send(SendStream.builder(MediaKind.AUDIO, AUDIO_SSRC, 48_000,
                    FramePacketizer.of((f, out) -> out.add(opus.packetize(f)), opus::rtpTimestamp))
                    .transportWideCcId(TWCC_ID).build());
        }
        if (c != null) {
            b.networkController(c);
        }
        return b;
    }

    EncodedFrame video(int i, int size) {
        return video(i, size, i == 0);
    }

    /** Frame {@code i} (PTS i × 33.333 ms) of {@code size} random slice octets; a keyframe carries SPS and PPS. */
    EncodedFrame video(int i, int size, boolean key) {
        ByteBuf avcc = Unpooled.buffer();
        if (key) {
            avcc.writeInt(RtpSessionTest.SPS.length).writeBytes(RtpSessionTest.SPS)
                    .writeInt(RtpSessionTest.PPS.length).writeBytes(RtpSessionTest.PPS);
        }
        byte[] slice = new byte[size];
        random.nextBytes(slice);
        slice[0] = (byte) (key ? 0x65 : 0x41);
        avcc.writeInt(slice.length).writeBytes(slice);
        return new EncodedFrame(RtpSessionTest.TRACK, avcc, i * 33_333L, key);
    }

    static EncodedFrame audio(int i) {
        return new EncodedFrame(AUDIO, Unpooled.wrappedBuffer(new byte[120]), i * 20_000L, true);
    }

    /** Takes what the session transmits now: RTP packets are described and released, RTCP released. */
    List<Out> drain(RtpSession s, List<Out> into) {
        ByteBuf b;
        RtpPacket v = new RtpPacket();
        while ((b = s.pollTransmit()) != null) {
            if (PacketDemux.classify(b) == PacketKind.RTP && v.wrap(b)) {
                into.add(new Out(ticker.nanoTime(), b.readableBytes(), v.ssrc(), v.payloadType(), v.sequenceNumber(),
                        v.transportSequenceNumber(TWCC_ID), v.hasPadding(), v.payloadLength()));
            }
            b.release();
        }
        return into;
    }

    void send(RtpSession s, EncodedFrame f, List<Out> into) {
        s.sendFrame(ticker.nanoTime(), f);
        f.release();
        drain(s, into);
    }

    /** Runs the session's timers until {@code untilNanos}, feeding a video frame of {@code frameBytes} every 33 ms. */
    void run(RtpSession s, long untilNanos, int frameBytes, List<Out> into) {
        long nextFrame = frameBytes > 0 ? ticker.nanoTime() : Long.MAX_VALUE;
        int i = 1;
        while (true) {
            long t = Math.min(s.pollTimeout(), nextFrame);
            if (t > untilNanos) {
                break;
            }
            ticker.setNanoTime(Math.max(t, ticker.nanoTime()));
            if (t == nextFrame) {
                EncodedFrame f = video(i++, frameBytes);
                s.sendFrame(ticker.nanoTime(), f);
                f.release();
                nextFrame += 33_333_333L;
            }
            s.handleTimeout(ticker.nanoTime());
            drain(s, into);
        }
        ticker.setNanoTime(untilNanos);
    }

    /** Sends a 3 kB keyframe and lets it drain; @return the packets sent */
    int keyframeSent(RtpSession s, List<Out> out) {
        send(s, video(0, 3_000), out);
        run(s, ticker.nanoTime() + 100_000_000L, 0, out);
        return out.size();
    }

    static long bytesBetween(List<Out> out, long fromNanos, long toNanos) {
        return out.stream().filter(o -> o.nanos >= fromNanos && o.nanos < toNanos).mapToLong(Out::size).sum();
    }

    @Test
    @DisplayName("Media leaves at the pacing rate (±5 %) in bursts of at most 5 ms of the rate plus one packet; "
            + "the queue delay is reported")
    void pacesAtTheRateInSmallBursts() {
        ScriptedController c = new ScriptedController(1_000_000, 0);
        RtpSession s = sender(c, true, false);
        try {
            List<Out> out = new ArrayList<>();
            long t0 = ticker.nanoTime();
            run(s, t0 + 2_000_000_000L, 8_000, out); // ~1.9 Mbit/s offered, 1 Mbit/s paced
            long bytes = bytesBetween(out, t0 + 500_000_000L, t0 + 1_500_000_000L);
            assertEquals(125_000, bytes, 6_250, "1 Mbit/s over 1 s");
            int maxPacket = out.stream().mapToInt(Out::size).max().orElseThrow();
            for (Out o : out) {
                long instant = bytesBetween(out, o.nanos, o.nanos + 1);
                assertTrue(instant <= 625 + maxPacket + 1, "burst at " + o.nanos + ": " + instant + " bytes");
            }
            assertTrue(s.stats().pacerQueuedBytes() > 50_000, "the queue grows: " + s.stats());
            assertTrue(s.stats().pacerQueueDelayUs() > 400_000, "and the oldest packet waits: " + s.stats());
            assertTrue(s.pacerQueueDelayUs() <= 2_000_000, "never above the 2 s limit");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("Hold-back: at 4 Mbit/s with a backlog the session wakes half as often as when it wakes for every "
            + "packet, at the same rate (±5 %) and in bursts of at most 5 ms of the rate plus one packet")
    void pacerWakeUpsAreHeldBack() {
        long[] held = backloggedAt4Mbps(new RatePacer());
        long[] every = backloggedAt4Mbps(new RatePacer(RatePacer.DEFAULT_BURST_INTERVAL, RatePacer.DEFAULT_MAX_QUEUE_TIME,
                Duration.ZERO));
        for (long[] r : List.of(held, every)) {
            assertEquals(500_000, r[0], 25_000, "4 Mbit/s over 1 s");
            assertTrue(r[2] <= 2_500 + r[3] + 1, "largest burst " + r[2] + " octets");
        }
        assertTrue(held[1] * 2 <= every[1] + 20, "wake-ups that sent: " + held[1] + " held back, " + every[1] + " not");
    }

    /**
     * Runs a session paced at 4 Mbit/s offered 6 Mbit/s (a backlog throughout) for 2 s.
     *
     * @return octets sent in [0.5 s, 1.5 s), the distinct send times in it (wake-ups that sent), the largest octets
     *         sent at one time, the largest packet
     */
    long[] backloggedAt4Mbps(Pacer pacer) {
        ScriptedController c = new ScriptedController(4_000_000, 0);
        RtpSession s = senderBuilder(c, false).pacer(pacer).build();
        try {
            List<Out> out = new ArrayList<>();
            long t0 = ticker.nanoTime();
            run(s, t0 + 2_000_000_000L, 25_000, out);
            long from = t0 + 500_000_000L;
            long to = t0 + 1_500_000_000L;
            long[] times = out.stream().mapToLong(Out::nanos).filter(n -> n >= from && n < to).distinct().toArray();
            long burst = 0;
            for (long n : times) {
                burst = Math.max(burst, bytesBetween(out, n, n + 1));
            }
            return new long[] {bytesBetween(out, from, to), times.length, burst,
                    out.stream().mapToInt(Out::size).max().orElseThrow()};
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("With a transport overhead, the controller sees wire sizes and the pacing rate is a rate on the wire")
    void transportOverheadCountsInSizesAndPacing() {
        int overhead = 200; // large, so that its effect stands out (38 is SRTP HMAC-SHA1-80 + UDP + IPv4)
        long[] wire = new long[2];
        long[] rtp = new long[2];
        for (int run = 0; run < 2; run++) {
            int o = run == 0 ? 0 : overhead;
            ScriptedController c = new ScriptedController(1_000_000, 0);
            RtpSession s = sender(c, true, false, o);
            try {
                List<Out> out = new ArrayList<>();
                long t0 = ticker.nanoTime();
                run(s, t0 + 2_000_000_000L, 5_000, out); // ~1.2 Mbit/s offered, 1 Mbit/s paced, queue far from its limit
                long from = t0 + 500_000_000L;
                long to = t0 + 1_500_000_000L;
                rtp[run] = bytesBetween(out, from, to);
                wire[run] = rtp[run] + out.stream().filter(x -> x.nanos >= from && x.nanos < to).count() * o;
                assertFalse(c.sent.isEmpty());
                for (int i = 0; i < out.size() && i < c.sent.size(); i++) {
                    assertEquals(out.get(i).size() + o, c.sent.get(i).sizeBytes(), "packet " + i);
                }
            } finally {
                s.close();
            }
        }
        assertEquals(wire[0], wire[1], wire[0] * 0.03, "the same rate on the wire with and without the overhead");
        assertTrue(rtp[1] < 0.9 * rtp[0], "fewer RTP bytes with it: " + rtp[1] + " vs " + rtp[0]);
        assertThrows(IllegalArgumentException.class, () -> RtpSession.builder().transportOverhead(-1));
        assertThrows(IllegalArgumentException.class, () -> RtpSession.builder().transportOverhead(257));
    }

    @Test
    @DisplayName("The controller's large-cut flag is remembered from the first config of its window, for the sender's media")
    void largeCutTimeComesFromTheController() {
        ScriptedController c = new ScriptedController(1_000_000, 0);
        c.script.add(ScriptedController.pacer(900_000, 0));
        c.script.add(new io.sluice.abr.cc.NetworkControlUpdate(null,
                new io.sluice.abr.cc.PacerConfig(300_000, 0, true), List.of()));
        c.script.add(new io.sluice.abr.cc.NetworkControlUpdate(null,
                new io.sluice.abr.cc.PacerConfig(280_000, 0, true), List.of()));
        RtpSession s = sender(c, true, false);
        try {
            assertEquals(Long.MIN_VALUE, s.lastLargeCutNanos());
            List<Out> out = new ArrayList<>();
            long t0 = ticker.nanoTime();
            run(s, t0 + 30_000_000L, 0, out);
            assertEquals(Long.MIN_VALUE, s.lastLargeCutNanos(), "a lower rate alone is not a large cut");
            run(s, t0 + 200_000_000L, 0, out);
            assertTrue(c.processTimesUs.size() >= 3, "three process intervals ran: " + c.processTimesUs);
            long cut = c.processTimesUs.get(1) * 1000;
            assertEquals(cut, s.lastLargeCutNanos(), "the window's first config, not its later ones");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("discardQueuedVideo drops the queued frames but the one in flight; the next keyframe follows "
            + "with no sequence gap, audio stays")
    void discardQueuedVideoKeepsTheFrameInFlight() {
        ScriptedController c = new ScriptedController(200_000, 0);
        RtpSession s = sender(c, true, true);
        try {
            long t0 = ticker.nanoTime();
            List<Out> out = new ArrayList<>();
            for (int i = 0; i <= 5; i++) {
                EncodedFrame f = video(i, i == 0 ? 6_000 : 4_000, i == 0);
                s.sendFrame(t0, f);
                f.release();
            }
            for (int i = 0; i < 3; i++) {
                EncodedFrame a = audio(i);
                s.sendFrame(t0, a);
                a.release();
            }
            drain(s, out);
            run(s, t0 + 150_000_000L, 0, out); // 200 kbit/s: ~3.7 kB of the keyframe out, its tail and the deltas wait
            long queuedBefore = s.pacerQueuedBytes();
            assertTrue(queuedBefore > 20_000, "the deltas wait: " + queuedBefore);
            long dropped = s.discardQueuedVideo(ticker.nanoTime());
            assertTrue(dropped >= 5 * 4_000 && dropped < queuedBefore, "the five deltas dropped, the keyframe's tail"
                    + " kept: " + dropped + " of " + queuedBefore);
            assertTrue(s.pacerQueuedBytes() > 0 && s.pacerQueuedBytes() < 6_000, "what is left is the keyframe's"
                    + " tail: " + s.pacerQueuedBytes());
            assertEquals(0, s.discardQueuedVideo(ticker.nanoTime()), "nothing more to drop");
            EncodedFrame key = video(30, 3_000, true);
            s.sendFrame(ticker.nanoTime(), key);
            key.release();
            run(s, ticker.nanoTime() + 1_000_000_000L, 0, out);
            assertEquals(0, s.pacerQueuedBytes(), "all sent");
            List<Out> video = new ArrayList<>(out);
            video.removeIf(o -> o.ssrc() != VIDEO_SSRC || o.padding());
            for (int i = 1; i < video.size(); i++) {
                assertEquals((video.get(i - 1).seq() + 1) & 0xFFFF, video.get(i).seq(), "no sequence gap at " + i);
            }
            long payload = video.stream().mapToLong(Out::payloadLength).sum();
            assertTrue(payload > 6_000 + 3_000 && payload < 6_000 + 3_000 + 4_000 / 2, "the first keyframe and the"
                    + " second, no delta: " + payload + " payload octets");
            assertEquals(3, out.stream().filter(o -> o.ssrc() == AUDIO_SSRC).count(), "audio went out");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("Without a controller nothing is paced: a frame leaves at once, and there is no 25 ms wake-up")
    void unpacedWithoutController() {
        RtpSession s = sender(null, true, false);
        try {
            List<Out> out = new ArrayList<>();
            send(s, video(0, 8_000), out);
            assertTrue(out.size() >= 7, "the whole keyframe at once: " + out.size());
            assertEquals(ticker.nanoTime() + 500_000_000L, s.pollTimeout(), "next wake-up: the first report");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("Queue time limit: at 100 kbit/s with 250 kB offered, the pacer drains faster so no packet waits over 2 s")
    void queueTimeLimit() {
        ScriptedController c = new ScriptedController(100_000, 0);
        RtpSession s = sender(c, true, false);
        try {
            List<Out> out = new ArrayList<>();
            long t0 = ticker.nanoTime();
            long maxDelay = 0;
            for (int i = 0; i < 30; i++) { // 30 frames of 8 kB in 1 s
                run(s, t0 + i * 33_333_333L, 0, out);
                EncodedFrame f = video(i, 8_000);
                s.sendFrame(ticker.nanoTime(), f);
                f.release();
                maxDelay = Math.max(maxDelay, s.pacerQueueDelayUs());
            }
            for (long t = t0 + 1_000_000_000L; t < t0 + 3_200_000_000L; t += 10_000_000L) {
                run(s, t, 0, out);
                maxDelay = Math.max(maxDelay, s.pacerQueueDelayUs());
            }
            assertEquals(0, s.pacerQueuedBytes(), "drained by 3.2 s (20 s at the pacing rate)");
            assertTrue(maxDelay <= 2_050_000 && maxDelay > 1_000_000, "queue delay peaked at " + maxDelay + " µs");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("Priority: audio never waits behind queued video, and an RTX retransmission overtakes queued video")
    void audioThenRetransmissionThenVideo() {
        ScriptedController c = new ScriptedController(300_000, 0);
        RtpSession s = sender(c, true, true);
        try {
            List<Out> out = new ArrayList<>();
            send(s, video(0, 30_000), out); // 25 packets; at 300 kbit/s about 0.8 s of queue
            int first = out.size();
            long burst = out.stream().mapToLong(Out::size).sum();
            assertTrue(first < 25 && burst <= 188 + 1300, "one burst (5 ms at 300 kbit/s + a packet): " + out);
            int firstSeq = out.get(0).seq;
            send(s, audio(0), out);
            assertEquals(first, out.size(), "the audio frame is queued (a burst just left)");
            GenericNack nack = new GenericNack(RECEIVER_SSRC, VIDEO_SSRC, List.of(firstSeq));
            feed(s, nack);
            run(s, ticker.nanoTime() + 100_000_000L, 0, out);
            Out audio = out.get(first);
            assertEquals(AUDIO_SSRC, audio.ssrc, "audio goes first: " + out);
            Out rtx = out.get(first + 1);
            assertEquals(RTX_SSRC, rtx.ssrc, "then the retransmission");
            assertEquals(VIDEO_SSRC, out.get(first + 2).ssrc, "then video");
            assertTrue(audio.nanos - ticker.nanoTime() < 0 && audio.nanos - out.get(0).nanos <= 40_000_000L,
                    "audio waited at most one pacing slot");
            run(s, ticker.nanoTime() + 2_000_000_000L, 0, out);
            List<Integer> videoSeqs = out.stream().filter(o -> o.ssrc == VIDEO_SSRC).map(Out::seq).toList();
            for (int i = 1; i < videoSeqs.size(); i++) {
                assertEquals((videoSeqs.get(i - 1) + 1) & 0xFFFF, videoSeqs.get(i), "video in order");
            }
            List<Integer> twcc = out.stream().map(Out::twcc).toList();
            for (int i = 0; i < twcc.size(); i++) {
                assertEquals(i, twcc.get(i), "one transport-wide counter across audio, RTX and video, in send order");
            }
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("A probe cluster with nothing queued is filled with RTX of recent packets at the cluster's rate, "
            + "each packet marked with its PacedPacketInfo")
    void probeWithRtxPadding() {
        ScriptedController c = new ScriptedController(1_000_000, 0);
        RtpSession s = sender(c, true, false);
        try {
            List<Out> out = new ArrayList<>();
            int media = keyframeSent(s, out);
            c.script.add(ScriptedController.probe(ticker.nanoTime() / 1000, 7, 4_000_000));
            run(s, ticker.nanoTime() + 200_000_000L, 0, out);
            List<SentPacket> probes = c.sent.stream().filter(p -> p.pacing().probeClusterId() == 7).toList();
            long probeBytes = probes.stream().mapToLong(SentPacket::sizeBytes).sum();
            assertTrue(probes.size() >= 5 && probeBytes >= 7_500, probes.size() + " probes, " + probeBytes + " bytes");
            assertEquals(new PacedPacketInfo(7, 5, 7_500), probes.get(0).pacing());
            long spanUs = probes.get(probes.size() - 1).sendTimeUs() - probes.get(0).sendTimeUs();
            long expectedUs = (probeBytes - probes.get(probes.size() - 1).sizeBytes()) * 8_000_000L / 4_000_000;
            assertEquals(expectedUs, spanUs, 1_000, "sent at the cluster's 4 Mbit/s");
            for (Out o : out.subList(media, out.size())) {
                assertEquals(RTX_SSRC, o.ssrc, "padding is RTX (RFC 4588)");
                assertEquals(RTX_PT, o.pt);
            }
            assertEquals(out.size() - media, s.stats().paddingPacketsSent());
            assertEquals(0, s.stats().retransmissions(), "padding is not counted as NACK retransmission");
            assertEquals(out.size(), c.sent.size(), "every packet, padding included, reported with a TWCC number");
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("Without RTX, padding is padding-only packets on the video SSRC (RFC 3550 §5.1), in the stream's "
            + "sequence, at the padding rate (±10 %)")
    void paddingOnlyPackets() {
        ScriptedController c = new ScriptedController(1_000_000, 0);
        RtpSession s = sender(c, false, false);
        try {
            List<Out> out = new ArrayList<>();
            int media = keyframeSent(s, out);
            c.script.add(ScriptedController.pacer(1_000_000, 200_000));
            long t0 = ticker.nanoTime();
            run(s, t0 + 1_100_000_000L, 0, out);
            List<Out> padding = out.subList(media, out.size());
            assertFalse(padding.isEmpty());
            for (Out o : padding) {
                assertEquals(VIDEO_SSRC, o.ssrc);
                assertTrue(o.padding && o.payloadLength == 0, "P bit, no payload: " + o);
            }
            long bytes = bytesBetween(out, t0 + 100_000_000L, t0 + 1_100_000_000L);
            assertEquals(25_000, bytes, 2_500, "200 kbit/s of padding");
            send(s, video(1, 1_000), out);
            for (int i = 1; i < out.size(); i++) {
                assertEquals((out.get(i - 1).seq + 1) & 0xFFFF, out.get(i).seq, "media and padding share one sequence");
            }
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("A padding floor (a rung selector's padding trial) fills the path up to its rate with media counted "
            + "(±10 %), over a controller that pads nothing, and stops when lifted")
    void paddingFloorCountsMediaAndStops() {
        ScriptedController c = new ScriptedController(1_000_000, 0);
        RtpSession s = sender(c, false, false);
        try {
            List<Out> out = new ArrayList<>();
            keyframeSent(s, out);
            c.script.add(ScriptedController.pacer(1_000_000, 0));
            run(s, ticker.nanoTime() + 500_000_000L, 375, out); // ~90 kbit/s of media, the controller pads nothing
            long t0 = ticker.nanoTime();
            s.minPaddingRate(t0, 400_000);
            run(s, t0 + 1_100_000_000L, 375, out);
            long bytes = bytesBetween(out, t0 + 100_000_000L, t0 + 1_100_000_000L);
            assertEquals(50_000, bytes, 5_000, "400 kbit/s, media and padding together");
            long paddingBytes = out.stream().filter(o -> o.nanos >= t0 + 100_000_000L && o.padding
                    && o.payloadLength == 0).mapToLong(Out::size).sum();
            assertTrue(paddingBytes > 30_000 && paddingBytes < bytes - 8_000, "padding fills the rest: " + paddingBytes);
            long t1 = ticker.nanoTime();
            s.minPaddingRate(t1, 0);
            run(s, t1 + 1_000_000_000L, 375, out);
            assertTrue(out.stream().noneMatch(o -> o.nanos > t1 && o.padding && o.payloadLength == 0),
                    "no padding once lifted");
            assertThrows(IllegalArgumentException.class, () -> s.minPaddingRate(t1, -1));
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("The controller gets each sent packet, feedback matched per packet, RTT and loss from RRs, REMB, and a "
            + "process interval every 25 ms; its targets become TRANSPORT_CC estimates")
    void controllerSeam() {
        ScriptedController c = new ScriptedController(10_000_000, 0);
        RtpSession s = sender(c, true, true);
        try {
            SessionEvent.Estimate initial = assertInstanceOf(SessionEvent.Estimate.class, s.pollEvent());
            assertEquals(new SessionEvent.Estimate(BandwidthEstimate.Kind.TRANSPORT_CC, 300_000, 0, 0, 300_000,
                    RateChangeReason.INITIAL), initial);
            List<Out> out = new ArrayList<>();
            send(s, video(0, 3_000), out);
            send(s, audio(0), out);
            run(s, ticker.nanoTime() + 20_000_000L, 0, out);
            assertEquals(out.size(), c.sent.size());
            long inFlight = 0;
            for (int i = 0; i < out.size(); i++) {
                SentPacket p = c.sent.get(i);
                inFlight += p.sizeBytes();
                assertEquals(i, p.sequenceNumber());
                assertEquals(out.get(i).size, p.sizeBytes());
                assertEquals(out.get(i).ssrc == AUDIO_SSRC, p.audio());
                assertEquals(inFlight, p.dataInFlightBytes());
                assertEquals(PacedPacketInfo.NONE, p.pacing());
            }
            // Feedback: all but the second received, 1 ms apart from 5 s on the receiver's clock.
            long[] arrivals = new long[out.size()];
            for (int i = 0; i < arrivals.length; i++) {
                arrivals[i] = i == 1 ? -1 : 5_000_000 + 1_000L * i;
            }
            feed(s, TransportWideCc.of(RECEIVER_SSRC, VIDEO_SSRC, 0, 0, arrivals));
            TransportPacketsFeedback fb = c.feedbacks.get(0);
            assertEquals(ticker.nanoTime() / 1000, fb.feedbackTimeUs());
            assertEquals(0, fb.dataInFlightBytes());
            assertEquals(out.size(), fb.packets().size());
            for (int i = 0; i < arrivals.length; i++) {
                PacketResult r = fb.packets().get(i);
                assertEquals(c.sent.get(i), r.sent());
                assertEquals(i == 1 ? PacketResult.NOT_RECEIVED : arrivals[i], r.receiveTimeUs());
            }
            SessionEvent.Estimate target = assertInstanceOf(SessionEvent.Estimate.class, s.pollEvent());
            assertEquals(new SessionEvent.Estimate(BandwidthEstimate.Kind.TRANSPORT_CC, 400_001, 0.25, 30_000,
                    800_002, RateChangeReason.DELAY), target);
            assertEquals(400_001, s.stats().targetBitrateBps());

            // Two RRs 1 s apart: RTT from LSR/DLSR, then loss since the first (5 of 100).
            long lsr = io.sluice.webrtc.rtcp.NtpTime.middle32(io.sluice.webrtc.rtcp.NtpTime.fromUnixMicros(
                    ticker.wallClockMicros() - 40_000));
            feed(s, new ReceiverReport(RECEIVER_SSRC, List.of(new ReportBlock(VIDEO_SSRC, 0, 10, 1000, 0, lsr, 0))));
            assertEquals(1, c.rtts.size());
            assertEquals(40_000, c.rtts.get(0)[1], 100, "RTT from LSR/DLSR");
            assertTrue(c.lossReports.isEmpty(), "the first block only sets the reference");
            ticker.advanceMillis(1000);
            feed(s, new ReceiverReport(RECEIVER_SSRC, List.of(new ReportBlock(VIDEO_SSRC, 12, 15, 1100, 0, 0, 0))));
            assertEquals(1, c.lossReports.size());
            assertEquals(5, c.lossReports.get(0)[1]);
            assertEquals(100, c.lossReports.get(0)[2]);
            feed(s, new Remb(RECEIVER_SSRC, 2_000_000, List.of(VIDEO_SSRC)));
            assertEquals(2_000_000, c.rembs.get(0)[1]);
            assertEquals(BandwidthEstimate.Kind.REMB, assertInstanceOf(SessionEvent.Estimate.class, s.pollEvent()).kind());

            int before = c.processTimesUs.size();
            long from = ticker.nanoTime();
            run(s, from + 1_000_000_000L, 0, out);
            List<Long> times = c.processTimesUs.subList(before, c.processTimesUs.size());
            assertEquals(40, times.size(), 1, "every 25 ms");
            for (int i = 1; i < times.size(); i++) { // on a 25 ms grid shared by all sessions, up to 5 ms early
                assertEquals(25_000, times.get(i) - times.get(i - 1), 5_000, "process interval");
                assertTrue(Math.floorMod(times.get(i) * 1000 + RtpSession.PROCESS_SLACK_NANOS, 25_000_000L)
                        <= RtpSession.PROCESS_SLACK_NANOS, "at most 5 ms before a point of the grid: " + times.get(i));
            }
        } finally {
            s.close();
        }
    }

    @Test
    @DisplayName("The controller's runs fall on one 25 ms grid whatever the session's start, so a loop wakes once for all")
    void processRunsShareOneGrid() {
        long t = 1_000_000_007L;
        assertEquals(RtpSession.nextProcessNanos(t), RtpSession.nextProcessNanos(t + 3_000_000L), "sessions 3 ms apart");
        long next = RtpSession.nextProcessNanos(t);
        assertEquals(0, next % 25_000_000L);
        assertTrue(next - t >= RtpSession.PROCESS_SLACK_NANOS && next - t <= 25_000_000L + RtpSession.PROCESS_SLACK_NANOS);
        // run early (within the slack, woken by a packet): the next run is the grid point after, not the one at hand
        assertEquals(next + 25_000_000L, RtpSession.nextProcessNanos(next - 4_000_000L));
        // run late: the next point still comes first
        assertEquals(next + 25_000_000L, RtpSession.nextProcessNanos(next + 7_000_000L));
    }

    @ParameterizedTest(name = "RTX negotiated: {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("Two engines back to back over a 20 ms link: transport-wide feedback built from what arrived matches "
            + "every packet (arrival spacing = send spacing), a probe is padded with RTX or padding-only packets that "
            + "the receiver absorbs, every frame arrives, and the RTT from RRs reaches the controller")
    void backToBack(boolean rtx) {
        ScriptedController c = new ScriptedController(2_000_000, 0);
        c.probesOnFeedback.add(new io.sluice.abr.cc.ProbeClusterConfig(0, 5, 3_000_000, 15_000, 5));
        RtpSession tx = sender(c, rtx, false);
        RtpSession rx = RtpSessionTest.receiver(ticker);
        RtpSessionTest.Link forward = new RtpSessionTest.Link(20_000_000);
        RtpSessionTest.Link back = new RtpSessionTest.Link(20_000_000);
        java.util.TreeMap<Integer, Long> arrivals = new java.util.TreeMap<>();
        RtpPacket v = new RtpPacket();
        int framesSent = 0;
        int framesReceived = 0;
        int feedbackCount = 0;
        try {
            long t0 = ticker.nanoTime();
            long nextFrame = t0;
            long nextFeedback = t0 + 50_000_000L;
            long nextMs = t0;
            while (ticker.nanoTime() - (t0 + 3_000_000_000L) < 0) {
                long t = Math.min(tx.pollTimeout(), nextMs);
                ticker.setNanoTime(Math.max(t, ticker.nanoTime()));
                long now = ticker.nanoTime();
                if (now >= nextMs) {
                    nextMs += 1_000_000L;
                    if (now >= nextFrame && now < t0 + 2_900_000_000L) {
                        EncodedFrame f = video(framesSent++, 2_500);
                        tx.sendFrame(now, f);
                        f.release();
                        nextFrame += 33_333_333L;
                    }
                    forward.deliver(rx, now, b -> {
                        if (v.wrap(b)) {
                            arrivals.put(v.transportSequenceNumber(TWCC_ID), now / 1000);
                        }
                        return false;
                    });
                    if (now - rx.pollTimeout() >= 0) {
                        rx.handleTimeout(now);
                    }
                    SessionEvent e;
                    while ((e = rx.pollEvent()) != null) {
                        if (e instanceof SessionEvent.FrameReceived fr) {
                            framesReceived++;
                            fr.frame().release();
                        }
                    }
                    back.take(rx, now);
                    if (now >= nextFeedback && !arrivals.isEmpty()) {
                        nextFeedback += 50_000_000L;
                        int base = arrivals.firstKey();
                        long[] at = new long[arrivals.lastKey() - base + 1];
                        java.util.Arrays.fill(at, -1);
                        arrivals.forEach((k, a) -> at[k - base] = a);
                        arrivals.clear();
                        ByteBuf fb = Unpooled.buffer();
                        TransportWideCc.of(RECEIVER_SSRC, VIDEO_SSRC, base, feedbackCount++, at).writeTo(fb);
                        back.inFlight.addLast(new Object[] {now + back.delayNanos, fb});
                    }
                    back.deliver(tx, now, b -> false);
                }
                if (now - tx.pollTimeout() >= 0) {
                    tx.handleTimeout(now);
                }
                forward.take(tx, now);
            }
            assertTrue(framesReceived >= framesSent - 1 && framesSent >= 85, framesReceived + " of " + framesSent);
            List<PacketResult> results = c.feedbacks.stream().flatMap(f -> f.packets().stream()).toList();
            assertTrue(results.size() >= c.sent.size() - 20, results.size() + " results for " + c.sent.size() + " sent");
            assertTrue(results.stream().allMatch(PacketResult::isReceived), "no loss on the link");
            for (int i = 1; i < results.size(); i++) {
                PacketResult a = results.get(i - 1);
                PacketResult b = results.get(i);
                if (b.sent().sequenceNumber() == a.sent().sequenceNumber() + 1) {
                    long sendGap = b.sent().sendTimeUs() - a.sent().sendTimeUs();
                    long arrivalGap = b.receiveTimeUs() - a.receiveTimeUs();
                    assertEquals(sendGap, arrivalGap, 1_250, "packet " + b.sent().sequenceNumber()
                            + ": a fixed-delay link keeps the spacing (1 ms link steps, 250 µs TWCC ticks)");
                }
            }
            long probesReceived = results.stream().filter(r -> r.sent().pacing().probeClusterId() == 5).count();
            assertTrue(probesReceived >= 5, "probe packets acknowledged: " + probesReceived);
            assertTrue(tx.stats().paddingPacketsSent() > 0, tx.stats().toString());
            assertFalse(c.rtts.isEmpty(), "RTT from the receiver's RR");
            assertEquals(40_000, c.rtts.get(c.rtts.size() - 1)[1], 2_500, "RTT of the 2 × 20 ms link");
        } finally {
            forward.close();
            back.close();
            tx.close();
            rx.close();
        }
    }

    void feed(RtpSession s, RtcpPacket p) {
        ByteBuf b = Unpooled.buffer();
        p.writeTo(b);
        assertTrue(s.handleRtcp(ticker.nanoTime(), b));
        b.release();
    }

    @Test
    @DisplayName("Closing releases what the pacer queue holds")
    void closeReleasesQueue() {
        ScriptedController c = new ScriptedController(100_000, 0);
        RtpSession s = sender(c, true, false);
        List<Out> out = new ArrayList<>();
        send(s, video(0, 30_000), out);
        assertTrue(s.pacerQueuedBytes() > 20_000);
        s.close();
        assertNull(s.pollTransmit());
    }
}
