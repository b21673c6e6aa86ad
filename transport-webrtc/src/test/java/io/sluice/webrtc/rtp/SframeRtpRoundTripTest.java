package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Per-frame SFrame RTP (draft-ietf-avtcore-rtp-sframe-02 §5.1.1, §5.2): {@link SframePacketizer} →
 * {@link JitterBuffer} with {@link SframeDepacketizer} and Video Frame Marking (RFC 9626), byte exact, with
 * random sizes, reordering, loss, and malformed descriptors.
 */
class SframeRtpRoundTripTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).opaque(true).build();
    static final int FRAME_MARKING_ID = 4;
    static final int MAX_PAYLOAD = 1200;

    private final List<ByteBuf> leftovers = new ArrayList<>();

    private static SframePacketizer packetizer() {
        RtpHeaderWriter header = new RtpHeaderWriter(0x1234, 96).mid(1, "0");
        return SframePacketizer.builder(header, 90_000).maxPayloadSize(MAX_PAYLOAD).frameMarking(FRAME_MARKING_ID)
                .initialSequenceNumber(65_500).initialTimestamp(0xFFFF_0000L).build();
    }

    private static JitterBuffer jitterBuffer(SframeDepacketizer d, boolean waitForKeyframe) {
        return JitterBuffer.builder(VIDEO, d).frameMarkingExtension(FRAME_MARKING_ID)
                .waitForKeyframeAfterLoss(waitForKeyframe).build();
    }

    /** Frame {@code i}: a keyframe every 10th, random bytes of a random size (1 to 3 packets' worth and more). */
    private static List<byte[]> frames(Random r, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int size = switch (i % 4) {
                case 0 -> 1 + r.nextInt(MAX_PAYLOAD - 1); // one packet
                case 1 -> MAX_PAYLOAD - 1; // exactly one full packet
                case 2 -> MAX_PAYLOAD; // one octet too many: two packets
                default -> 1 + r.nextInt(40_000);
            };
            byte[] b = new byte[size];
            r.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    private static List<List<ByteBuf>> packetize(SframePacketizer p, List<byte[]> frames) {
        List<List<ByteBuf>> out = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            EncodedFrame f = new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(frames.get(i)), i * 33_333L, i % 10 == 0);
            List<ByteBuf> packets = new ArrayList<>();
            p.packetize(f, packets);
            f.release();
            out.add(packets);
        }
        return out;
    }

    private static List<EncodedFrame> drain(JitterBuffer jb, long nowUs) {
        List<EncodedFrame> got = new ArrayList<>();
        EncodedFrame f;
        while ((f = jb.poll(nowUs)) != null) {
            got.add(f);
        }
        return got;
    }

    @Test
    void packetsFollowThePayloadFormat() {
        List<byte[]> frames = frames(new Random(1), 40);
        List<List<ByteBuf>> packets = packetize(packetizer(), frames);
        RtpPacket v = new RtpPacket();
        for (int i = 0; i < frames.size(); i++) {
            List<ByteBuf> ps = packets.get(i);
            int expected = (frames.get(i).length + MAX_PAYLOAD - 2) / (MAX_PAYLOAD - 1);
            assertEquals(expected, ps.size(), "packets of frame " + i + " (" + frames.get(i).length + " octets)");
            long ts = -1;
            for (int k = 0; k < ps.size(); k++) {
                assertTrue(v.wrap(ps.get(k)));
                assertTrue(v.payloadLength() <= MAX_PAYLOAD, "payload of " + v.payloadLength());
                int d = v.payload().getUnsignedByte(v.payload().readerIndex());
                assertEquals(k == 0, SframePayloadDescriptor.isStart(d), "S");
                assertEquals(k == ps.size() - 1, SframePayloadDescriptor.isEnd(d), "E");
                assertFalse(SframePayloadDescriptor.isPacketized(d), "T = 0");
                assertEquals(0, d & SframePayloadDescriptor.RESERVED);
                assertEquals(k == ps.size() - 1, v.marker(), "marker = E");
                int fm = FrameMarking.read(v, FRAME_MARKING_ID);
                assertEquals(FrameMarking.nonScalable(k == 0, k == ps.size() - 1, i % 10 == 0, false), fm, "frame marking");
                assertEquals(96, v.payloadType());
                ts = ts < 0 ? v.timestamp() : ts;
                assertEquals(ts, v.timestamp(), "one timestamp per frame");
                assertEquals((0xFFFF_0000L + i * 33_333L * 9 / 100) & 0xFFFFFFFFL, v.timestamp(), "90 kHz");
            }
            ps.forEach(ByteBuf::release);
        }
    }

    @Test
    void roundTripWithReorderingIsByteExact() {
        Random r = new Random(2);
        List<byte[]> frames = frames(r, 120);
        List<ByteBuf> all = new ArrayList<>();
        packetize(packetizer(), frames).forEach(all::addAll);
        // Reorder within windows of 8 packets (sequence numbers also wrap past 65535 on the way). The very
        // first packet stays first: the jitter buffer starts the stream at the first packet it sees.
        for (int i = 1; i < all.size(); i += 8) {
            Collections.shuffle(all.subList(i, Math.min(all.size(), i + 8)), r);
        }
        SframeDepacketizer d = new SframeDepacketizer(90_000);
        JitterBuffer jb = jitterBuffer(d, true);
        List<EncodedFrame> got = new ArrayList<>();
        long now = 0;
        for (ByteBuf p : all) {
            jb.insert(p, now += 100);
            got.addAll(drain(jb, now));
        }
        got.addAll(drain(jb, now + 1_000_000));
        assertEquals(frames.size(), got.size());
        for (int i = 0; i < frames.size(); i++) {
            EncodedFrame f = got.get(i);
            assertArrayEquals(frames.get(i), ByteBufUtil.getBytes(f.content()), "frame " + i);
            assertEquals(i % 10 == 0, f.isKeyframe(), "keyframe from the frame marking I bit, frame " + i);
            assertEquals(i * 33_333L * 9 / 100 * 1_000_000 / 90_000, f.ptsUs(), "pts of " + i);
            f.release();
        }
        assertEquals(0, d.dropsTotal());
        assertEquals(0, jb.packetsLost());
        jb.close();
    }

    @Test
    void lossDropsTheFrameAndWaitsForTheNextIndependentOne() {
        List<byte[]> frames = frames(new Random(3), 30);
        List<List<ByteBuf>> packets = packetize(packetizer(), frames);
        // Lose the middle packet of frame 3 (a multi-packet frame: i % 4 == 3).
        List<ByteBuf> f3 = packets.get(3);
        assertTrue(f3.size() >= 2, "frame 3 spans packets");
        f3.remove(f3.size() / 2).release();
        SframeDepacketizer d = new SframeDepacketizer(90_000);
        JitterBuffer jb = jitterBuffer(d, true);
        List<EncodedFrame> got = new ArrayList<>();
        long now = 0;
        boolean requested = false;
        for (List<ByteBuf> ps : packets) {
            for (ByteBuf p : ps) {
                jb.insert(p, now += 1000);
            }
            now += 300_000; // past the 200 ms gap deadline
            got.addAll(drain(jb, now));
            requested |= jb.pollKeyframeRequest();
        }
        assertTrue(requested, "a keyframe request after the loss");
        List<Integer> indices = new ArrayList<>();
        for (EncodedFrame f : got) {
            int i = (int) Math.round(f.ptsUs() / 33_333.0);
            indices.add(i);
            assertArrayEquals(frames.get(i), ByteBufUtil.getBytes(f.content()), "frame " + i);
            f.release();
        }
        List<Integer> expected = new ArrayList<>(List.of(0, 1, 2));
        for (int i = 10; i < 30; i++) {
            expected.add(i);
        }
        assertEquals(expected, indices, "frames 3..9 are lost or undecodable; 10 is the next independent frame");
        jb.close();
    }

    /** One raw packet: header from {@code w} then {@code descriptor ‖ data}. */
    private static ByteBuf packet(RtpHeaderWriter w, int seq, long ts, boolean marker, int descriptor, int dataLength) {
        ByteBuf b = Unpooled.buffer();
        w.write(b, seq, ts, marker);
        if (descriptor >= 0) {
            b.writeByte(descriptor);
        }
        b.writeZero(dataLength);
        return b;
    }

    @Test
    void malformedRunsAreCountedAndOnlyTheirFramesDropped() {
        RtpHeaderWriter w = new RtpHeaderWriter(0x1234, 96);
        SframeDepacketizer d = new SframeDepacketizer(90_000, 5000);
        JitterBuffer jb = JitterBuffer.builder(VIDEO, d).waitForKeyframeAfterLoss(false).build();
        int s = SframePayloadDescriptor.START;
        int e = SframePayloadDescriptor.END;
        int seq = 100;
        long now = 0;
        List<EncodedFrame> got = new ArrayList<>();
        // frame 0: good, one packet
        jb.insert(packet(w, seq++, 0, true, s | e, 10), now += 10);
        // frame 1: S inside (second packet has S too)
        jb.insert(packet(w, seq++, 3000, false, s, 10), now += 10);
        jb.insert(packet(w, seq++, 3000, true, s | e, 10), now += 10);
        // frame 2: T = 1 (per-packet SFrame, not received here)
        jb.insert(packet(w, seq++, 6000, false, s | e | SframePayloadDescriptor.PACKETIZED, 10), now += 10);
        // frame 3: larger than the bound (5000 octets) in 5 packets
        for (int k = 0; k < 5; k++) {
            jb.insert(packet(w, seq++, 9000, k == 4, (k == 0 ? s : 0) | (k == 4 ? e : 0), 1100), now += 10);
        }
        // frame 4: its last packet lacks E (the next packet already has another timestamp)
        jb.insert(packet(w, seq++, 12000, false, s, 10), now += 10);
        jb.insert(packet(w, seq++, 12000, true, 0, 10), now += 10);
        // frame 5: good, two packets, reserved bits set (ignored)
        jb.insert(packet(w, seq++, 15000, false, s | 0x1F, 10), now += 10);
        jb.insert(packet(w, seq++, 15000, true, e | 0x1F, 10), now += 10);
        // then a packet with no descriptor at all: invalid before reassembly
        jb.insert(packet(w, seq++, 18000, true, -1, 0), now += 10);
        got.addAll(drain(jb, now + 1_000_000));
        assertEquals(List.of(0L, 166_666L), got.stream().map(EncodedFrame::ptsUs).toList(), "frames 0 and 5 survive");
        assertEquals(10, got.get(0).size());
        assertEquals(20, got.get(1).size());
        got.forEach(EncodedFrame::release);
        assertEquals(1, d.drops(SframeDepacketizer.Drop.START_INSIDE), "frame 1");
        assertEquals(1, d.drops(SframeDepacketizer.Drop.PACKETIZED), "frame 2");
        assertEquals(1, d.drops(SframeDepacketizer.Drop.TOO_LARGE), "frame 3");
        assertEquals(1, d.drops(SframeDepacketizer.Drop.MISSING_END), "frame 4");
        assertEquals(1, jb.packetsInvalid(), "the empty payload");
        assertEquals(4, d.dropsTotal());
        jb.close();
    }
}
