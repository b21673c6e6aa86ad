package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TwccFeedbackGenerator: the receive side of transport-wide CC "
        + "(draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1), in simulated time")
class TwccFeedbackGeneratorTest {
    static final int SENDER = 0x11223344;
    static final int MEDIA = 0x55667788;

    final ManualTicker t = new ManualTicker();

    static byte[] bytes(TransportWideCc f) {
        ByteBuf b = Unpooled.buffer();
        try {
            f.writeTo(b);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    static TransportWideCc parse(byte[] wire) {
        ByteBuf b = Unpooled.wrappedBuffer(wire);
        try {
            List<RtcpPacket> p = RtcpParser.parse(b);
            assertEquals(1, p.size());
            return assertInstanceOf(TransportWideCc.class, p.get(0));
        } finally {
            b.release();
        }
    }

    @Test
    @DisplayName("byte vectors built by hand from §3.1 with the draft's chunk examples: the 1-bit status vector of "
            + "§3.1.4 (one not received, five received, three not received, three received, two not received) and "
            + "the run-length chunk of §3.1.3 (a run of 24 not received); 1-octet deltas from a 64 ms reference time")
    void byteVectorsFromTheDraft() {
        TwccFeedbackGenerator g = new TwccFeedbackGenerator(SENDER);
        long t0 = t.nanoTime();
        g.onPacket(0, MEDIA, t0); // arrival 0: feedback 0 covers seq 0
        assertEquals(t0 + 50_000_000L, g.pollTimeout(), "first feedback one interval after the first packet");
        assertEquals(List.of(), g.handleTimeout(t0 + 49_999_999L), "not due yet");
        List<TransportWideCc> first = g.handleTimeout(t0 + 50_000_000L);
        assertEquals(1, first.size());
        assertEquals(0, first.get(0).feedbackPacketCount());
        assertEquals(Long.MAX_VALUE, g.pollTimeout(), "idle: nothing pending");
        // seq 1 lost; 2..6 at 130..134 ms; 7..9 lost; 10, 11 at 140, 141 ms; 12 at 200 ms.
        int[][] arrivals = {{2, 130_000}, {3, 131_000}, {4, 132_000}, {5, 133_000}, {6, 134_000},
                {10, 140_000}, {11, 141_000}, {12, 200_000}};
        for (int[] a : arrivals) {
            g.onPacket(a[0], MEDIA, t0 + a[1] * 1000L);
        }
        List<TransportWideCc> out = g.handleTimeout(t0 + 250_000_000L);
        assertEquals(1, out.size());
        String expected = ""
                + "8fcd0007" // V=2 P=0 FMT=15 | PT=205 | length 7 (32 octets)
                + "11223344" // SSRC of packet sender
                + "55667788" // SSRC of media source
                + "0001" + "000c" // base sequence number 1 | packet status count 12 (seq 1..12)
                + "000002" + "01" // reference time 2 x 64 ms = 128 ms | feedback packet count 1
                + "9f1c" // 1 | 0 (1-bit symbols) | 0 1 1 1 1 1 0 0 0 1 1 1 | 0 0 (past the count)
                + "08040404" // deltas in 250 µs: 130 ms - 128 ms = 8; 131..133 ms: 4 each
                + "041804ec" // 134 ms: 4; 140 ms: 24; 141 ms: 4; 200 ms: 236
                + "0000"; // zero padding to 32 bits
        assertEquals(expected, ByteBufUtil.hexDump(bytes(out.get(0))));
        TransportWideCc parsed = parse(ByteBufUtil.decodeHexDump(expected));
        assertEquals(out.get(0), parsed, "the existing parser reads the same packet back");
        long[] times = parsed.arrivalTimesUs();
        assertEquals(12, times.length);
        for (int i = 0; i < 12; i++) {
            int seq = i + 1;
            long want = -1;
            for (int[] a : arrivals) {
                if (a[0] == seq) {
                    want = a[1];
                }
            }
            assertEquals(want, times[i], "arrival of seq " + seq);
        }
        // seq 13..36 lost, 37 at 1000.25 ms (reference 15 x 64 = 960 ms, delta 161 ticks).
        g.onPacket(37, MEDIA, t0 + 1_000_250_000L);
        out = g.handleTimeout(t0 + 1_050_250_000L);
        String run = ""
                + "8fcd0006" + "11223344" + "55667788"
                + "000d" + "0019" // base 13 | count 25
                + "00000f" + "02" // reference time 15 | feedback packet count 2
                + "0018" // 0 | 00 (not received) | run length 24
                + "a000" // 1 | 0 | 1 (seq 37) then 13 padding symbols
                + "a1" + "000000"; // delta 161 ticks (40.25 ms); zero padding
        assertEquals(run, ByteBufUtil.hexDump(bytes(out.get(0))));
        assertEquals(out.get(0), parse(ByteBufUtil.decodeHexDump(run)));
    }

    @Test
    @DisplayName("a lossy, reordering, duplicating link across the 16-bit wrap: every received packet is reported "
            + "with its arrival time (to 250 µs), every lost one reported lost and never received")
    void roundTripWithLossReorderingDuplicatesAndWrap() {
        TwccFeedbackGenerator g = new TwccFeedbackGenerator(SENDER);
        Random r = new Random(7);
        long t0 = t.nanoTime();
        Map<Integer, Long> arrivedUs = new HashMap<>(); // seq -> arrival, µs since the first arrival
        Set<Integer> lost = new HashSet<>();
        List<int[]> pending = new ArrayList<>(); // reordered packets: {seq, deliver-at index}
        Map<Integer, Long> reported = new HashMap<>();
        Set<Integer> reportedLost = new HashSet<>();
        int duplicatesSent = 0;
        int feedbacks = 0;
        int expectedCount = 0;
        int seq = 65_000; // wraps after 536 packets
        long now = t0;
        for (int i = 0; i < 3000; i++) {
            now += 1_000_000L + r.nextInt(2_000_000); // 1..3 ms apart
            int s = seq & 0xFFFF;
            seq++;
            double x = r.nextDouble();
            if (x < 0.05) {
                lost.add(s);
            } else if (x < 0.10) {
                pending.add(new int[] {s, i + 1 + r.nextInt(40)}); // up to 40 packets late (past a feedback)
            } else {
                deliver(g, s, now, arrivedUs, t0);
                if (x > 0.98) {
                    g.onPacket(s, MEDIA, now + 500_000L); // duplicate
                    duplicatesSent++;
                }
            }
            for (int k = pending.size() - 1; k >= 0; k--) {
                if (pending.get(k)[1] == i) {
                    deliver(g, pending.remove(k)[0], now, arrivedUs, t0);
                }
            }
            if (now - g.pollTimeout() >= 0) {
                for (TransportWideCc f : g.handleTimeout(now)) {
                    assertEquals(expectedCount++ & 0xFF, f.feedbackPacketCount(), "feedback packet count");
                    TransportWideCc back = parse(bytes(f));
                    assertEquals(f, back);
                    long[] at = back.arrivalTimesUs();
                    for (int k = 0; k < at.length; k++) {
                        int sk = (back.baseSequenceNumber() + k) & 0xFFFF;
                        if (at[k] >= 0) {
                            reported.put(sk, at[k]);
                        } else {
                            reportedLost.add(sk);
                        }
                    }
                    feedbacks++;
                }
            }
        }
        for (TransportWideCc f : g.handleTimeout(now + 1_000_000_000L)) { // the rest
            for (int k = 0; k < f.packetStatusCount(); k++) {
                long at = f.arrivalTimesUs()[k];
                if (at >= 0) {
                    reported.put((f.baseSequenceNumber() + k) & 0xFFFF, at);
                } else {
                    reportedLost.add((f.baseSequenceNumber() + k) & 0xFFFF);
                }
            }
        }
        assertTrue(feedbacks > 100, "about one feedback per 50 ms of 6 s: " + feedbacks);
        assertEquals(arrivedUs.size(), g.packetsRecorded());
        assertEquals(duplicatesSent, g.duplicates());
        assertEquals(0, g.late());
        for (Map.Entry<Integer, Long> e : arrivedUs.entrySet()) {
            Long at = reported.get(e.getKey());
            assertTrue(at != null, "seq " + e.getKey() + " never reported received");
            assertEquals(e.getValue() / 250 * 250, at, "arrival of seq " + e.getKey() + " (250 µs ticks)");
        }
        for (int s : lost) {
            assertFalse(reported.containsKey(s), "lost seq " + s + " reported received");
            assertTrue(reportedLost.contains(s), "lost seq " + s + " never reported lost");
        }
        long reorderedReportedLostFirst = pendingReportedLostThenReceived(reportedLost, reported);
        assertTrue(reorderedReportedLostFirst > 10, "late packets were first reported lost, then received: "
                + reorderedReportedLostFirst);
    }

    private static long pendingReportedLostThenReceived(Set<Integer> reportedLost, Map<Integer, Long> reported) {
        return reportedLost.stream().filter(reported::containsKey).count();
    }

    private long firstArrival = Long.MIN_VALUE;

    /** The generator's clock starts at the first packet it records. */
    private void deliver(TwccFeedbackGenerator g, int s, long now, Map<Integer, Long> arrivedUs, long t0) {
        g.onPacket(s, MEDIA, now);
        if (firstArrival == Long.MIN_VALUE) {
            firstArrival = now;
        }
        arrivedUs.putIfAbsent(s, (now - firstArrival) / 1000);
    }

    @Test
    @DisplayName("3000 packets in one interval with scattered loss and jittered arrivals: split into feedback "
            + "packets of at most 1200 octets that together cover every sequence number once")
    void splitsToFitTheMtu() {
        TwccFeedbackGenerator g = new TwccFeedbackGenerator(SENDER, Duration.ofMillis(100), 1200);
        Random r = new Random(3);
        long t0 = t.nanoTime();
        long now = t0;
        for (int s = 0; s < 3000; s++) {
            now += r.nextInt(90_000); // < 0.1 ms apart on average: small deltas, some 0
            if (s % 3 != 0 || r.nextBoolean()) {
                g.onPacket(s, MEDIA, s % 50 == 0 ? now - 2_000_000L : now); // some arrive 2 ms "early": negative deltas
            }
        }
        List<TransportWideCc> out = g.handleTimeout(t0 + 100_000_000L);
        assertTrue(out.size() >= 3, "split into " + out.size());
        int next = 0;
        for (TransportWideCc f : out) {
            byte[] wire = bytes(f);
            assertTrue(wire.length <= 1200, "feedback of " + wire.length + " octets");
            assertEquals(next, f.baseSequenceNumber(), "contiguous");
            assertEquals(f, parse(wire));
            next += f.packetStatusCount();
        }
        assertEquals(3000, next, "every sequence number up to the highest received (2999)");
        assertTrue(bytes(out.get(0)).length > 1100, "the first one is filled: " + bytes(out.get(0)).length);
    }

    @Test
    @DisplayName("a reordered packet re-reported with one received 8.2 s earlier: the 16-bit delta cannot say it, "
            + "so the feedback is split")
    void splitsWhenADeltaDoesNotFit16Bits() {
        TwccFeedbackGenerator g = new TwccFeedbackGenerator(SENDER);
        long t0 = t.nanoTime();
        g.onPacket(10, MEDIA, t0);
        assertEquals(1, g.handleTimeout(t0 + 50_000_000L).size());
        g.onPacket(11, MEDIA, t0 + 8_100_000_000L); // 32400 ticks after 10: fits
        g.onPacket(9, MEDIA, t0 + 8_200_000_000L); // arrives after 10 and 11
        List<TransportWideCc> out = g.handleTimeout(t0 + 8_300_000_000L);
        assertEquals(2, out.size(), "8.2 s back in one delta (-32800 ticks) does not fit: " + out);
        assertEquals(9, out.get(0).baseSequenceNumber());
        assertEquals(1, out.get(0).packetStatusCount(), "seq 9 alone");
        assertEquals(10, out.get(1).baseSequenceNumber());
        assertArrayEquals(new long[] {0, 8_100_000_000L / 1000}, out.get(1).arrivalTimesUs(), "10 and 11");
        for (TransportWideCc f : out) {
            assertEquals(f, parse(bytes(f)));
        }
    }

    @Test
    @DisplayName("a packet older than the window is counted late; bad arguments are rejected")
    void boundsAndArguments() {
        TwccFeedbackGenerator g = new TwccFeedbackGenerator(SENDER);
        long t0 = t.nanoTime();
        g.onPacket(20_000, MEDIA, t0);
        g.onPacket(20_000 + TwccFeedbackGenerator.WINDOW, MEDIA, t0 + 1_000_000);
        g.onPacket(20_000 - 1, MEDIA, t0 + 2_000_000);
        assertEquals(1, g.late());
        List<TransportWideCc> out = g.handleTimeout(t0 + 1_000_000_000L);
        int covered = out.stream().mapToInt(TransportWideCc::packetStatusCount).sum();
        assertEquals(TwccFeedbackGenerator.WINDOW, covered, "at most the window is reported");
        assertThrows(IllegalArgumentException.class, () -> g.onPacket(65_536, MEDIA, t0));
        assertThrows(IllegalArgumentException.class, () -> new TwccFeedbackGenerator(1, Duration.ofMillis(5), 1200));
        assertThrows(IllegalArgumentException.class, () -> new TwccFeedbackGenerator(1, Duration.ofMillis(50), 20));
        assertThrows(IllegalArgumentException.class, () -> RtpSession.builder().transportWideCcFeedback(15, Duration.ofMillis(50)));
    }

    @Test
    @DisplayName("two RtpSessions: the receiver's feedback reaches the sender's TwccSendRegister, which counts the "
            + "packets as acknowledged and the dropped ones as lost")
    void sessionsRoundTrip() {
        RtpSession sender = RtpSessionTest.sender(t);
        JitterBuffer buffer = JitterBuffer.builder(RtpSessionTest.TRACK, new H264Depacketizer())
                .allocator(RtpSessionTest.ALLOC).build();
        RtpSession receiver = RtpSession.builder().start(t.nanoTime(), t.wallClockMicros())
                .rtcpSsrc(RtpSessionTest.RECEIVER_SSRC)
                .receive(ReceiveStream.builder(MediaKind.VIDEO, RtpSessionTest.PT, 90_000, buffer)
                        .rtxPayloadType(RtpSessionTest.RTX_PT).build())
                .transportWideCcFeedback(RtpSessionTest.TWCC_ID, TwccFeedbackGenerator.DEFAULT_INTERVAL)
                .build();
        RtpSessionTest.Link forward = new RtpSessionTest.Link(20_000_000L);
        RtpSessionTest.Link back = new RtpSessionTest.Link(20_000_000L);
        Random r = new Random(5);
        int[] dropped = {0};
        int[] rtpIndex = {0};
        List<RtcpPacket> feedbackSeen = new ArrayList<>();
        try {
            for (int i = 0; i < 90; i++) { // 3 s at 30 fps
                long now = t.nanoTime();
                var f = RtpSessionTest.frame(i, r);
                sender.sendFrame(now, f);
                f.release();
                for (long end = now + 33_333_333L; t.nanoTime() < end; t.advanceMillis(1)) {
                    long n = t.nanoTime();
                    if (n - receiver.pollTimeout() >= 0) {
                        receiver.handleTimeout(n);
                    }
                    if (n - sender.pollTimeout() >= 0) {
                        sender.handleTimeout(n);
                    }
                    forward.take(sender, n);
                    back.take(receiver, n);
                    forward.deliver(receiver, n, b -> rtpIndex[0]++ % 20 == 7 && ++dropped[0] > 0);
                    feedbackSeen.addAll(back.deliver(sender, n, b -> false));
                    io.sluice.webrtc.session.SessionEvent e;
                    while ((e = receiver.pollEvent()) != null) {
                        if (e instanceof SessionEvent.FrameReceived fr) {
                            fr.frame().release();
                        }
                    }
                    while (sender.pollEvent() != null) {
                        // estimates: not asserted here
                    }
                }
            }
            RtpSessionStats rs = receiver.stats();
            RtpSessionStats ss = sender.stats();
            long fbPackets = feedbackSeen.stream().filter(p -> p instanceof TransportWideCc).count();
            System.out.println("TWCC round trip: sender " + ss + "; receiver sent " + rs.twccFeedbacksSent()
                    + " feedbacks; " + dropped[0] + " RTP packets dropped");
            assertTrue(rs.twccFeedbacksSent() >= 50, "3 s at one feedback per 50 ms: " + rs.twccFeedbacksSent());
            assertTrue(fbPackets >= rs.twccFeedbacksSent() - 1 && fbPackets <= rs.twccFeedbacksSent(),
                    "delivered " + fbPackets + " of " + rs.twccFeedbacksSent() + " (one may be on the 20 ms link)");
            assertEquals(fbPackets, ss.twccFeedbacks(), "the sender parsed every feedback");
            assertTrue(ss.twccPacketsAcked() >= ss.rtpPacketsSent() - dropped[0] - 40,
                    "acked " + ss.twccPacketsAcked() + " of " + ss.rtpPacketsSent() + " sent, " + dropped[0] + " dropped");
            assertTrue(ss.twccPacketsLost() >= dropped[0] - 5 && ss.twccPacketsLost() <= dropped[0],
                    "lost " + ss.twccPacketsLost() + ", dropped " + dropped[0]);
        } finally {
            forward.close();
            back.close();
            sender.close();
            receiver.close();
        }
    }
}
