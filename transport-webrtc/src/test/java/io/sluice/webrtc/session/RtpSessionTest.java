package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.Remb;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtcp.Sdes;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two {@link RtpSession}s, a sender and a receiver, over a simulated link in simulated time: no browser, no socket. */
@DisplayName("RtpSession: NACK/RTX, SR/RR, keyframe requests and estimates between two engines in simulated time")
class RtpSessionTest {
    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    static final int VIDEO_SSRC = 0x1111;
    static final int RTX_SSRC = 0x2222;
    static final int RECEIVER_SSRC = 0x3333;
    static final int PT = 96;
    static final int RTX_PT = 97;
    static final int TWCC_ID = 3;
    static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, (byte) 0xD9, 0x00, (byte) 0xA0, 0x47, (byte) 0xFE, (byte) 0xC8};
    static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};
    static final TrackInfo TRACK = TrackInfo.builder(0, Codec.H264).resolution(640, 480).build();

    final ManualTicker ticker = new ManualTicker();

    static RtpSession sender(ManualTicker t) {
        RtpHeaderWriter hdr = new RtpHeaderWriter(VIDEO_SSRC, PT).transportSequenceNumber(TWCC_ID);
        H264Packetizer h264 = H264Packetizer.builder(hdr).allocator(ALLOC).tailRoom(16).build();
        NackResponder nack = new NackResponder(new PacketHistory(1024, 1_000_000, ALLOC),
                new RtxPacketizer(RTX_SSRC, RTX_PT, 100, ALLOC, 16), ALLOC, 16);
        return RtpSession.builder().start(t.nanoTime(), t.wallClockMicros()).cname("sender")
                .send(SendStream.builder(MediaKind.VIDEO, VIDEO_SSRC, 90_000,
                        FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp))
                        .transportWideCcId(TWCC_ID).nackResponder(nack).build())
                .build();
    }

    static RtpSession receiver(ManualTicker t) {
        JitterBuffer buffer = JitterBuffer.builder(TRACK, new H264Depacketizer()).allocator(ALLOC).build();
        return RtpSession.builder().start(t.nanoTime(), t.wallClockMicros()).rtcpSsrc(RECEIVER_SSRC)
                .receive(ReceiveStream.builder(MediaKind.VIDEO, PT, 90_000, buffer).rtxPayloadType(RTX_PT).nack(true).build())
                .build();
    }

    /** An AVCC access unit: SPS, PPS and a 3000-octet IDR slice, or a 1500-octet non-IDR slice. */
    static EncodedFrame frame(int i, Random r) {
        boolean key = i % 30 == 0;
        ByteBuf avcc = Unpooled.buffer();
        if (key) {
            avcc.writeInt(SPS.length).writeBytes(SPS).writeInt(PPS.length).writeBytes(PPS);
        }
        byte[] slice = new byte[key ? 3000 : 1500];
        r.nextBytes(slice);
        slice[0] = (byte) (key ? 0x65 : 0x41);
        avcc.writeInt(slice.length).writeBytes(slice);
        return new EncodedFrame(TRACK, avcc, i * 33_333L, key);
    }

    /** One direction of the link: a fixed delay, FIFO. */
    static final class Link {
        final long delayNanos;
        final ArrayDeque<Object[]> inFlight = new ArrayDeque<>();

        Link(long delayNanos) {
            this.delayNanos = delayNanos;
        }

        void take(RtpSession from, long now) {
            ByteBuf b;
            while ((b = from.pollTransmit()) != null) {
                inFlight.addLast(new Object[] {now + delayNanos, b});
            }
        }

        /** Delivers what is due; returns the RTCP packets delivered (parsed, for assertions). */
        List<RtcpPacket> deliver(RtpSession to, long now, java.util.function.Predicate<ByteBuf> drop) {
            List<RtcpPacket> rtcp = new ArrayList<>();
            while (!inFlight.isEmpty() && (long) inFlight.peekFirst()[0] <= now) {
                ByteBuf b = (ByteBuf) inFlight.pollFirst()[1];
                if (PacketDemux.classify(b) == PacketKind.RTCP) {
                    rtcp.addAll(RtcpParser.parse(b.duplicate()));
                    assertTrue(to.handleRtcp(now, b));
                    b.release();
                } else if (drop.test(b)) {
                    b.release();
                } else {
                    to.handleRtp(now, b);
                }
            }
            return rtcp;
        }

        void close() {
            inFlight.forEach(o -> ((ByteBuf) o[1]).release());
        }
    }

    @Test
    @DisplayName("5 % loss: the receiver NACKs each gap once, the sender answers with RTX, every frame arrives; "
            + "SR/RR give the RTT of the 2 × 20 ms link")
    void nackRtxAndReportsOverALossyLink() {
        RtpSession tx = sender(ticker);
        RtpSession rx = receiver(ticker);
        Link forward = new Link(20_000_000);
        Link back = new Link(20_000_000);
        Random random = new Random(7);
        int[] mediaPackets = {0};
        int[] dropped = {0};
        List<EncodedFrame> received = new ArrayList<>();
        List<RtcpPacket> fromReceiver = new ArrayList<>();
        List<RtcpPacket> fromSender = new ArrayList<>();
        int frames = 90;
        try {
            long start = ticker.nanoTime();
            for (int ms = 0; ms <= 3500; ms++) {
                long now = ticker.nanoTime();
                if (ms % 33 == 0 && ms / 33 < frames) {
                    EncodedFrame f = frame(ms / 33, random);
                    assertTrue(tx.sendFrame(now, f));
                    f.release();
                }
                if (now - tx.pollTimeout() >= 0) {
                    tx.handleTimeout(now);
                }
                if (now - rx.pollTimeout() >= 0) {
                    rx.handleTimeout(now);
                }
                forward.take(tx, now);
                back.take(rx, now);
                fromSender.addAll(forward.deliver(rx, now, b -> {
                    RtpPacket v = new RtpPacket();
                    v.wrap(b);
                    // Drop every 20th first transmission (5 %); RTX goes through.
                    boolean drop = v.ssrc() == VIDEO_SSRC && mediaPackets[0]++ % 20 == 7;
                    dropped[0] += drop ? 1 : 0;
                    return drop;
                }));
                fromReceiver.addAll(back.deliver(tx, now, b -> false));
                SessionEvent e;
                while ((e = rx.pollEvent()) != null) {
                    received.add(assertInstanceOf(SessionEvent.FrameReceived.class, e).frame());
                }
                while (tx.pollEvent() != null) {
                    // estimates are not under test here
                }
                ticker.setNanoTime(start + (ms + 1) * 1_000_000L);
            }
            assertTrue(dropped[0] >= 10, "dropped " + dropped[0]);
            assertEquals(frames, received.size(), "every frame arrives, lost packets recovered by RTX");
            for (int i = 0; i < frames; i++) {
                assertEquals(i % 30 == 0, received.get(i).isKeyframe(), "frame " + i);
            }
            RtpSessionStats txStats = tx.stats();
            RtpSessionStats rxStats = rx.stats();
            assertEquals(dropped[0], txStats.retransmissions(), "one RTX per lost packet");
            assertEquals(dropped[0], txStats.nacksReceived());
            assertEquals(dropped[0], rxStats.nacksSent(), "each gap NACKed once");
            assertEquals(mediaPackets[0] + dropped[0], txStats.rtpPacketsSent(), "packets sent include retransmissions");
            assertTrue(fromReceiver.stream().anyMatch(p -> p instanceof GenericNack n && n.mediaSsrc() == VIDEO_SSRC));
            // Reports: SR + SDES from the sender, RR about the sender's SSRC from the receiver.
            assertTrue(fromSender.stream().anyMatch(p -> p instanceof SenderReport sr && sr.ssrc() == VIDEO_SSRC));
            assertTrue(fromSender.stream().anyMatch(p -> p instanceof Sdes s && s.chunks().get(0).cname().equals("sender")));
            ReceiverReport rr = (ReceiverReport) fromReceiver.stream().filter(p -> p instanceof ReceiverReport)
                    .reduce((a, b) -> b).orElseThrow();
            assertEquals(RECEIVER_SSRC, rr.ssrc());
            assertEquals(VIDEO_SSRC, rr.reports().get(0).ssrc());
            assertTrue(rr.reports().get(0).lastSr() != 0, "LSR from the sender's SR");
            assertEquals(40_000, txStats.rttUs(), 100, "RTT of a 20 ms + 20 ms link, from LSR/DLSR");
            assertEquals(0, txStats.twccFeedbacks(), "no transport-wide feedback on this link");
        } finally {
            received.forEach(EncodedFrame::release);
            forward.close();
            back.close();
            tx.close();
            rx.close();
        }
    }

    @Test
    @DisplayName("PLI/FIR bursts become one keyframe request per interval, the coalesced one at the interval's end")
    void keyframeRequestsAreThrottled() {
        RtpSession tx = RtpSession.builder().start(ticker.nanoTime(), ticker.wallClockMicros())
                .keyframeRequestInterval(Duration.ofMillis(250))
                .send(SendStream.builder(MediaKind.VIDEO, VIDEO_SSRC, 90_000, FramePacketizer.of((f, o) -> { }, pts -> 0))
                        .build())
                .build();
        try {
            ByteBuf pli = Unpooled.buffer();
            new Pli(RECEIVER_SSRC, VIDEO_SSRC).writeTo(pli);
            long t0 = ticker.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertTrue(tx.handleRtcp(ticker.nanoTime(), pli.duplicate()));
                ticker.advanceMillis(20);
            }
            assertEquals(new SessionEvent.KeyframeRequest("PLI"), tx.pollEvent(), "the first at once");
            assertNull(tx.pollEvent(), "the other four coalesced");
            assertEquals(t0 + 250_000_000L, tx.pollTimeout(), "wake up when the interval ends");
            tx.handleTimeout(tx.pollTimeout());
            assertEquals(new SessionEvent.KeyframeRequest("PLI"), tx.pollEvent());
            assertNull(tx.pollEvent());
            assertEquals(5, tx.stats().keyframeRequests(), "every PLI counted");
            ByteBuf otherSsrc = Unpooled.buffer();
            new Pli(RECEIVER_SSRC, 0x9999).writeTo(otherSsrc);
            tx.handleRtcp(ticker.advanceMillis(1000), otherSsrc);
            assertNull(tx.pollEvent(), "a PLI about another SSRC is not ours");
            pli.release();
            otherSsrc.release();
        } finally {
            tx.close();
        }
    }

    @Test
    @DisplayName("A receiving session holds its PLI until the publisher's video SSRC is known, then sends it")
    void pliWaitsForTheVideoSsrc() {
        RtpSession rx = receiver(ticker);
        try {
            rx.requestKeyframe(ticker.nanoTime(), "connected");
            assertNull(rx.pollTransmit(), "no SSRC to address yet");
            ByteBuf p = Unpooled.buffer(64);
            new RtpHeaderWriter(VIDEO_SSRC, PT).write(p, 1, 0, false);
            p.writeBytes(new byte[] {0x41, 1, 2, 3});
            rx.handleRtp(ticker.advanceMillis(5), p);
            ByteBuf out = rx.pollTransmit();
            List<RtcpPacket> rtcp = RtcpParser.parse(out);
            out.release();
            assertEquals(List.of(new Pli(RECEIVER_SSRC, VIDEO_SSRC)), rtcp);
            assertEquals(1, rx.stats().keyframeRequests(), "PLIs sent");
        } finally {
            rx.close();
        }
    }

    @Test
    @DisplayName("A REMB does not reset the delivery-rate throttle (the next TWCC figure still comes), "
            + "and the TWCC figure is labelled DELIVERY_RATE")
    void rembDoesNotSuppressTheNextDeliveryRate() {
        RtpSession tx = sender(ticker);
        try {
            // Send 20 packets so that feedback can be matched to sizes.
            Random random = new Random(1);
            EncodedFrame key = frame(0, random);
            tx.sendFrame(ticker.nanoTime(), key);
            key.release();
            for (int i = 1; i < 12; i++) {
                EncodedFrame f = frame(i, random);
                tx.sendFrame(ticker.advanceMillis(10), f);
                f.release();
            }
            ByteBuf b;
            while ((b = tx.pollTransmit()) != null) {
                b.release();
            }
            long[] arrivals = new long[6];
            for (int i = 0; i < arrivals.length; i++) {
                arrivals[i] = 1_000_000 + 10_000L * i;
            }
            assertEquals(BandwidthEstimate.Kind.DELIVERY_RATE, feed(tx, TransportWideCc.of(RECEIVER_SSRC, VIDEO_SSRC, 0, 0, arrivals)).kind());
            ticker.advanceMillis(150);
            SessionEvent.Estimate remb = feed(tx, new Remb(RECEIVER_SSRC, 3_000_000, List.of(VIDEO_SSRC)));
            assertEquals(new SessionEvent.Estimate(BandwidthEstimate.Kind.REMB, 3_000_000, 0, 0), remb);
            ticker.advanceMillis(100); // 250 ms after the first figure, 100 ms after the REMB
            SessionEvent.Estimate second = feed(tx, TransportWideCc.of(RECEIVER_SSRC, VIDEO_SSRC, 6, 1, arrivals));
            assertEquals(BandwidthEstimate.Kind.DELIVERY_RATE, second.kind(), "not suppressed by the REMB");
            assertTrue(second.bitrateBps() > 0);
            assertEquals(3_000_000, tx.stats().rembBps());
            assertEquals(2, tx.stats().twccFeedbacks());
        } finally {
            tx.close();
        }
    }

    private SessionEvent.Estimate feed(RtpSession s, RtcpPacket p) {
        ByteBuf b = Unpooled.buffer();
        p.writeTo(b);
        assertTrue(s.handleRtcp(ticker.nanoTime(), b));
        b.release();
        SessionEvent e = s.pollEvent();
        assertFalse(e == null, "an estimate for " + p);
        return assertInstanceOf(SessionEvent.Estimate.class, e);
    }

    @Test
    @DisplayName("Malformed RTCP is refused whole; a session with nothing due sleeps until its next report")
    void malformedRtcpAndTimeouts() {
        RtpSession tx = sender(ticker);
        try {
            ByteBuf junk = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0xC9, 0, 7, 1, 2, 3, 4});
            assertFalse(tx.handleRtcp(ticker.nanoTime(), junk));
            junk.release();
            assertEquals(ticker.nanoTime() + 500_000_000L, tx.pollTimeout(), "first report after half an interval");
            tx.handleTimeout(tx.pollTimeout());
            assertNull(tx.pollTransmit(), "nothing sent yet: no SR");
        } finally {
            tx.close();
        }
    }
}
