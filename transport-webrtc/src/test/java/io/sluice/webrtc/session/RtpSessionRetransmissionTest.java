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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.core.EncodedFrame;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Retransmissions against the pacer's budget, in simulated time: the rate limit under a NACK storm, and the
 * retransmissions that are skipped (too old, before a keyframe sent, resent within an RTT, expired in the
 * queue) or still sent (ordinary loss).
 */
@DisplayName("RtpSession retransmissions: rate limit, deadlines, keyframe supersession")
class RtpSessionRetransmissionTest {
    final RtpSessionPacingTest h = new RtpSessionPacingTest();

    /** A sent RTP packet; for RTX, {@code osn} is the original sequence number (RFC 4588 §4), else -1. */
    record Sent(long nanos, int size, int ssrc, int seq, int osn) {
    }

    final List<Sent> out = new ArrayList<>();
    /** When each video sequence number first left, ns. */
    final Map<Integer, Long> videoSentAt = new HashMap<>();
    ScriptedController controller;
    final List<RtpSession> sessions = new ArrayList<>();

    @AfterEach
    void close() {
        sessions.forEach(RtpSession::close);
    }

    RtpSession sender(long targetBps, long pacingBps, double share) {
        RtpHeaderWriter hdr = new RtpHeaderWriter(VIDEO_SSRC, PT).transportSequenceNumber(TWCC_ID);
        H264Packetizer h264 = H264Packetizer.builder(hdr).allocator(ALLOC).tailRoom(16).build();
        NackResponder nack = new NackResponder(new PacketHistory(1024, 1_000_000, ALLOC),
                new RtxPacketizer(RTX_SSRC, RTX_PT, 100, ALLOC, 16), ALLOC, 16);
        RtpSession s = RtpSession.builder().start(h.ticker.nanoTime(), h.ticker.wallClockMicros()).cname("sender")
                .send(SendStream.builder(MediaKind.VIDEO, VIDEO_SSRC, 90_000,
                        FramePacketizer.of((f, o) -> h264.packetize(f, o), h264::rtpTimestamp))
                        .transportWideCcId(TWCC_ID).nackResponder(nack).build())
                .networkController(controller = new ScriptedController(pacingBps, 0))
                .targetRateConstraints(new TargetRateConstraints(30_000, targetBps, 20_000_000))
                .retransmissionLimits(share, RtpSession.DEFAULT_RETRANSMISSION_MAX_AGE_BEYOND_RTT)
                .build();
        sessions.add(s);
        return s;
    }

    void drain(RtpSession s) {
        ByteBuf b;
        RtpPacket v = new RtpPacket();
        while ((b = s.pollTransmit()) != null) {
            if (PacketDemux.classify(b) == PacketKind.RTP && v.wrap(b)) {
                boolean rtx = v.ssrc() == RTX_SSRC;
                int osn = rtx ? b.getUnsignedShort(b.readerIndex() + v.payloadOffset()) : -1;
                Sent sent = new Sent(h.ticker.nanoTime(), b.readableBytes(), v.ssrc(), v.sequenceNumber(), osn);
                out.add(sent);
                if (!rtx) {
                    videoSentAt.putIfAbsent(sent.seq, sent.nanos);
                }
            }
            b.release();
        }
    }

    void sendFrame(RtpSession s, int i, int size, boolean key) {
        EncodedFrame f = h.video(i, size, key);
        s.sendFrame(h.ticker.nanoTime(), f);
        f.release();
        drain(s);
    }

    /** Runs the session's timers up to {@code untilNanos} with no new frames. */
    void idle(RtpSession s, long untilNanos) {
        long t;
        while ((t = s.pollTimeout()) <= untilNanos) {
            h.ticker.setNanoTime(Math.max(t, h.ticker.nanoTime()));
            s.handleTimeout(h.ticker.nanoTime());
            drain(s);
        }
        h.ticker.setNanoTime(untilNanos);
    }

    void nack(RtpSession s, List<Integer> seqs) {
        h.feed(s, new GenericNack(RECEIVER_SSRC, VIDEO_SSRC, seqs));
        drain(s);
    }

    List<Sent> rtx() {
        return out.stream().filter(o -> o.ssrc == RTX_SSRC).toList();
    }

    static long bytes(List<Sent> list, long fromNanos, long toNanos) {
        return list.stream().filter(o -> o.nanos >= fromNanos && o.nanos < toNanos).mapToLong(Sent::size).sum();
    }

    @Test
    @DisplayName("NACK storm (the receiver NACKs every packet, 10 ms after it left): retransmissions stay within "
            + "25 % of the 1 Mbit/s target in every 500 ms window, use most of it, and the media keeps its rate")
    void nackStormIsRateLimited() {
        RtpSession s = sender(1_000_000, 1_100_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        long t0 = h.ticker.nanoTime();
        sendFrame(s, 0, 3_000, true);
        int nextNacked = out.get(0).seq;
        int frame = 1;
        long nextFrame = t0 + 33_333_333L;
        for (long t = t0 + 10_000_000L; t <= t0 + 4_000_000_000L; t += 10_000_000L) {
            while (nextFrame <= t) {
                idle(s, nextFrame);
                sendFrame(s, frame++, 2_500, false); // ~0.6 Mbit/s of video offered
                nextFrame += 33_333_333L;
            }
            idle(s, t);
            List<Integer> lost = new ArrayList<>();
            for (Map.Entry<Integer, Long> e : videoSentAt.entrySet()) {
                if (((e.getKey() - nextNacked) & 0xFFFF) < 0x8000 && e.getValue() <= t - 10_000_000L) {
                    lost.add(e.getKey());
                }
            }
            int from = nextNacked;
            lost.sort((a, b) -> ((a - from) & 0xFFFF) - ((b - from) & 0xFFFF));
            if (!lost.isEmpty()) {
                nextNacked = (lost.get(lost.size() - 1) + 1) & 0xFFFF;
                nack(s, lost);
            }
        }
        List<Sent> rtx = rtx();
        long limitPerWindow = 1_000_000 / 4 / 2 / 8; // 25 % of 1 Mbit/s over 500 ms, octets
        int maxPacket = out.stream().mapToInt(Sent::size).max().orElseThrow();
        for (Sent r : rtx) {
            long window = bytes(rtx, r.nanos - 499_999_999L, r.nanos + 1);
            assertTrue(window <= limitPerWindow + maxPacket, "retransmitted in 500 ms up to "
                    + r.nanos + ": " + window + " octets, limit " + limitPerWindow);
        }
        long rtxBytes = bytes(rtx, t0 + 1_000_000_000L, t0 + 4_000_000_000L);
        assertTrue(rtxBytes >= 0.8 * 3 * limitPerWindow * 2, "most of the share is used: " + rtxBytes);
        long media = bytes(out.stream().filter(o -> o.ssrc == VIDEO_SSRC).toList(), t0 + 1_000_000_000L,
                t0 + 4_000_000_000L);
        assertEquals(3 * 2_500 * 30, media, 0.08 * 3 * 2_500 * 30, "video keeps its rate: " + media);
        assertTrue(s.pacerQueueDelayUs() < 100_000, "no backlog behind the retransmissions: " + s.stats());
        RtpSessionStats st = s.stats();
        assertEquals(rtx.size(), st.retransmissions());
        assertTrue(st.retransmissionsSkipped() > st.retransmissions(),
                "most NACKed packets are skipped at this rate: " + st);
    }

    @Test
    @DisplayName("Ordinary loss (every 20th packet NACKed 30 ms after it left): every NACK is answered at once")
    void neededRetransmissionsGo() {
        RtpSession s = sender(1_000_000, 1_100_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        long t0 = h.ticker.nanoTime();
        sendFrame(s, 0, 3_000, true);
        List<Integer> nacked = new ArrayList<>();
        Map<Integer, Long> nackedAt = new HashMap<>();
        for (int frame = 1; frame < 90; frame++) {
            idle(s, t0 + frame * 33_333_333L);
            for (Map.Entry<Integer, Long> e : videoSentAt.entrySet()) {
                long age = h.ticker.nanoTime() - e.getValue();
                if (e.getKey() % 20 == 0 && age >= 30_000_000L && !nacked.contains(e.getKey())) {
                    nacked.add(e.getKey());
                    nackedAt.put(e.getKey(), h.ticker.nanoTime());
                    nack(s, List.of(e.getKey()));
                }
            }
            sendFrame(s, frame, 4_000, false); // ~1 Mbit/s
        }
        idle(s, h.ticker.nanoTime() + 100_000_000L);
        assertTrue(nacked.size() >= 10, "nacked " + nacked.size());
        List<Integer> resent = rtx().stream().map(Sent::osn).toList();
        assertEquals(nacked, resent, "each NACKed packet once, in order");
        for (Sent r : rtx()) {
            assertTrue(r.nanos - nackedAt.get(r.osn) <= 10_000_000L, "RTX of " + r.osn + " waited "
                    + (r.nanos - nackedAt.get(r.osn)) / 1000 + " µs");
        }
        assertEquals(0, s.stats().retransmissionsSkipped());
    }

    @Test
    @DisplayName("Deadlines: a packet first sent more than RTT (100 ms until measured) + 200 ms ago is not resent; "
            + "one resent less than an RTT ago is not resent again, and is after that")
    void tooOldOrAlreadyResent() {
        RtpSession s = sender(1_000_000, 10_000_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        sendFrame(s, 0, 3_000, true);
        int first = out.get(0).seq;
        int second = out.get(1).seq;
        idle(s, h.ticker.nanoTime() + 280_000_000L);
        nack(s, List.of(first));
        assertEquals(List.of(first), rtx().stream().map(Sent::osn).toList(), "280 ms old: still worth it");
        idle(s, h.ticker.nanoTime() + 50_000_000L);
        nack(s, List.of(first, second)); // 330 ms old
        assertEquals(1, rtx().size(), "330 ms old: skipped");
        assertEquals(2, s.stats().retransmissionsSkipped());

        RtpSession s2 = sender(1_000_000, 10_000_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        out.clear();
        sendFrame(s2, 0, 3_000, true);
        int seq = out.get(0).seq;
        nack(s2, List.of(seq));
        idle(s2, h.ticker.nanoTime() + 50_000_000L);
        nack(s2, List.of(seq));
        assertEquals(1, rtx().size(), "resent 50 ms ago: on its way");
        idle(s2, h.ticker.nanoTime() + 60_000_000L);
        nack(s2, List.of(seq));
        assertEquals(2, rtx().size(), "resent 110 ms ago: again");
    }

    @Test
    @DisplayName("The deadline follows the RTT of transport-wide feedback (a queue that built up since the last "
            + "report): with feedback 300 ms after the packets left, a 400 ms old packet is still resent")
    void deadlineFollowsFeedbackRtt() {
        RtpSession s = sender(1_000_000, 10_000_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        sendFrame(s, 0, 3_000, true);
        int sent = out.size();
        idle(s, h.ticker.nanoTime() + 300_000_000L);
        long[] arrivals = new long[sent];
        for (int i = 0; i < sent; i++) {
            arrivals[i] = 1_000_000 + 1_000L * i;
        }
        h.feed(s, TransportWideCc.of(RECEIVER_SSRC, VIDEO_SSRC, 0, 0, arrivals));
        idle(s, h.ticker.nanoTime() + 100_000_000L);
        nack(s, List.of(out.get(0).seq));
        assertEquals(List.of(out.get(0).seq), rtx().stream().map(Sent::osn).toList());
    }

    @Test
    @DisplayName("A packet before the first packet of a keyframe already sent is not resent; one of the keyframe is")
    void supersededByKeyframe() {
        RtpSession s = sender(1_000_000, 10_000_000, RtpSession.DEFAULT_RETRANSMISSION_SHARE);
        sendFrame(s, 0, 3_000, true);
        idle(s, h.ticker.nanoTime() + 33_000_000L);
        sendFrame(s, 1, 3_000, false);
        int delta = out.get(out.size() - 1).seq;
        idle(s, h.ticker.nanoTime() + 33_000_000L);
        int before = out.size();
        sendFrame(s, 2, 3_000, true);
        int keyframeFirst = out.get(before).seq;
        nack(s, List.of(delta, keyframeFirst));
        assertEquals(List.of(keyframeFirst), rtx().stream().map(Sent::osn).toList());
        assertEquals(1, s.stats().retransmissionsSkipped());
    }

    @Test
    @DisplayName("A retransmission that waits in the pacer queue past its deadline is dropped there, unsent")
    void expiresInTheQueue() {
        RtpSession s = sender(1_000_000, 1_000_000, 1.0);
        for (int i = 0; i < 5; i++) {
            idle(s, h.ticker.nanoTime() + 33_333_333L);
            sendFrame(s, i, 4_000, i == 0);
        }
        idle(s, h.ticker.nanoTime() + 50_000_000L);
        List<Integer> seqs = out.stream().filter(o -> o.ssrc == VIDEO_SSRC).map(Sent::seq).toList();
        List<Integer> lost = seqs.subList(seqs.size() - 10, seqs.size()); // all well under 300 ms old
        // The pacer drops to 50 kbit/s at the next process interval: one 1.2 kB packet per ~190 ms.
        controller.script.add(ScriptedController.pacer(50_000, 0));
        nack(s, lost);
        idle(s, h.ticker.nanoTime() + 3_000_000_000L);
        List<Sent> rtx = rtx();
        assertFalse(rtx.isEmpty());
        for (Sent r : rtx) {
            long age = r.nanos - videoSentAt.get(r.osn);
            assertTrue(age <= 300_000_000L, "RTX of " + r.osn + " left " + age / 1_000_000 + " ms after it");
        }
        assertEquals(lost.size(), rtx.size() + s.stats().retransmissionsSkipped(),
                "each NACKed packet is sent or dropped: " + s.stats());
        assertTrue(s.stats().retransmissionsSkipped() >= 5, "most expired: " + s.stats());
        assertEquals(0, s.pacerQueuedBytes());
    }

    @Test
    @DisplayName("RetransmissionRateLimiter: one packet always passes; then octets in the window stay within rate × window")
    void limiterArithmetic() {
        RetransmissionRateLimiter l = new RetransmissionRateLimiter();
        l.setMaxRate(8_000); // 500 octets per 500 ms
        assertTrue(l.tryUse(0, 1_200), "the first packet passes even over the limit");
        assertFalse(l.tryUse(1_000_000, 100));
        assertTrue(l.tryUse(500_000_000L, 400), "the first has left the window");
        assertTrue(l.tryUse(600_000_000L, 100));
        assertFalse(l.tryUse(700_000_000L, 1));
        assertEquals(500, l.windowBytes());
        assertThrows(IllegalArgumentException.class, () -> l.setMaxRate(-1));
        assertThrows(IllegalArgumentException.class, () -> new RetransmissionRateLimiter(1_000));
        assertThrows(IllegalArgumentException.class,
                () -> RtpSession.builder().retransmissionLimits(0, Duration.ZERO));
    }

    @Test
    @DisplayName("RetransmissionRateLimiter: hundreds of retransmissions in one window are counted and leave it in order")
    void limiterKeepsManyInOrder() {
        RetransmissionRateLimiter l = new RetransmissionRateLimiter();
        for (int i = 0; i < 300; i++) { // unlimited: one every ms, 100 octets
            assertTrue(l.tryUse(i * 1_000_000L, 100));
        }
        assertEquals(30_000, l.windowBytes());
        assertTrue(l.tryUse(750_000_000L, 100), "the first 251 (0..250 ms) have left the window");
        assertEquals(5_000, l.windowBytes());
    }
}
