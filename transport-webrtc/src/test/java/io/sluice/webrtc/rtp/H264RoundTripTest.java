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
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class H264RoundTripTest {
    static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, (byte) 0xD9, 0x00, (byte) 0xA0, 0x47, (byte) 0xFE, (byte) 0xC8};
    static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};

    static byte[] avcDecoderConfigurationRecord() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, (byte) SPS.length});
        o.writeBytes(SPS);
        o.writeBytes(new byte[] {1, 0, (byte) PPS.length});
        o.writeBytes(PPS);
        return o.toByteArray();
    }

    static final TrackInfo TRACK = TrackInfo.builder(0, Codec.H264).resolution(640, 480)
            .codecConfig(avcDecoderConfigurationRecord()).build();

    /** An AVCC access unit from NAL units. */
    static byte[] avcc(List<byte[]> nals) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            o.write(n.length >>> 24);
            o.write(n.length >>> 16);
            o.write(n.length >>> 8);
            o.write(n.length);
            o.writeBytes(n);
        }
        return o.toByteArray();
    }

    static byte[] nal(Random r, int type, int size) {
        byte[] n = new byte[size];
        r.nextBytes(n);
        n[0] = (byte) (0x60 | type);
        return n;
    }

    /** Synthetic GOP: IDR (with a > 64 KB slice), then P frames of varying size, some with tiny SEI NALs. */
    static List<List<byte[]>> accessUnits(Random r, int count) {
        List<List<byte[]>> aus = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<byte[]> au = new ArrayList<>();
            if (i % 30 == 0) {
                au.add(nal(r, 6, 1 + r.nextInt(3)));
                au.add(nal(r, 5, i == 0 ? 70_000 : 20_000 + r.nextInt(150_000)));
                au.add(nal(r, 5, 1 + r.nextInt(1500)));
            } else {
                if (i % 7 == 0) {
                    au.add(nal(r, 6, 2));
                }
                int slices = 1 + r.nextInt(3);
                for (int s = 0; s < slices; s++) {
                    au.add(nal(r, 1, 1 + r.nextInt(i % 5 == 0 ? 9000 : 1300)));
                }
            }
            aus.add(au);
        }
        return aus;
    }

    @ParameterizedTest
    @EnumSource(H264Packetizer.Mode.class)
    void packetizeDepacketizeGivesIdenticalAccessUnits(H264Packetizer.Mode mode) {
        Random r = new Random(42);
        List<List<byte[]>> aus = accessUnits(r, 95);
        H264Packetizer pz = H264Packetizer.builder(new RtpHeaderWriter(0x1234, 102).mid(1, "0").transportSequenceNumber(3))
                .mode(mode).initialSequenceNumber(65000).initialTimestamp(0xFFFF0000L).build();
        JitterBuffer jb = JitterBuffer.builder(TRACK, new H264Depacketizer())
                .waitForKeyframeAfterLoss(mode == H264Packetizer.Mode.NAL_AWARE).build();
        List<ByteBuf> packets = new ArrayList<>();
        List<EncodedFrame> got = new ArrayList<>();
        RtpPacket view = new RtpPacket();
        for (int i = 0; i < aus.size(); i++) {
            long pts = i * 33_333L;
            EncodedFrame f = new EncodedFrame(TRACK, Unpooled.wrappedBuffer(avcc(aus.get(i))), pts, i % 30 == 0);
            packets.clear();
            pz.packetize(f, packets);
            f.release();
            for (int k = 0; k < packets.size(); k++) {
                ByteBuf p = packets.get(k);
                assertTrue(view.wrap(p));
                assertTrue(view.payloadLength() <= 1200);
                assertEquals(k == packets.size() - 1, view.marker());
                assertEquals((0xFFFF0000L + pts * 9 / 100) & 0xFFFFFFFFL, view.timestamp());
                assertEquals("0", view.mid(1));
            }
            // Reverse pairs to exercise reordering.
            for (int k = 0; k + 1 < packets.size(); k += 2) {
                jb.insert(packets.get(k + 1), pts);
                jb.insert(packets.get(k), pts);
            }
            if (packets.size() % 2 == 1) {
                jb.insert(packets.get(packets.size() - 1), pts);
            }
            EncodedFrame out;
            while ((out = jb.poll(pts)) != null) {
                got.add(out);
            }
        }
        assertEquals(aus.size(), got.size());
        for (int i = 0; i < aus.size(); i++) {
            List<byte[]> want = new ArrayList<>(aus.get(i));
            if (mode == H264Packetizer.Mode.NAL_AWARE && i % 30 == 0) {
                want.add(0, PPS);
                want.add(0, SPS);
            }
            EncodedFrame f = got.get(i);
            assertArrayEquals(avcc(want), ByteBufUtil.getBytes(f.content()), "access unit " + i);
            assertEquals(i * 33_333L / 1000 * 1000 / 1000, f.ptsUs() / 1000, "pts of " + i);
            if (mode == H264Packetizer.Mode.NAL_AWARE) {
                assertEquals(i % 30 == 0, f.isKeyframe());
            }
            f.release();
        }
        assertEquals(0, jb.packetsLost());
        jb.close();
    }

    @Test
    void opaqueModeCarriesUnitsThatLookLikeAggregationPackets() {
        Random r = new Random(1);
        List<byte[]> units = List.of(new byte[] {0x18, 1, 2}, new byte[] {0x1C}, new byte[] {(byte) 0xFC, 9, 9, 9},
                nal(r, 5, 3000), new byte[] {(byte) 0x99});
        H264Packetizer pz = H264Packetizer.builder(new RtpHeaderWriter(1, 96)).mode(H264Packetizer.Mode.OPAQUE)
                .initialSequenceNumber(0).initialTimestamp(0).build();
        JitterBuffer jb = JitterBuffer.builder(TRACK, new H264Depacketizer()).waitForKeyframeAfterLoss(false).build();
        EncodedFrame f = new EncodedFrame(TRACK, Unpooled.wrappedBuffer(avcc(units)), 0, true);
        List<ByteBuf> packets = new ArrayList<>();
        pz.packetize(f, packets);
        f.release();
        packets.forEach(p -> jb.insert(p, 0));
        EncodedFrame out = jb.poll(0);
        assertArrayEquals(avcc(units), ByteBufUtil.getBytes(out.content()));
        out.release();
        jb.close();
    }

    @Test
    void lossDropsUntilNextKeyframeAndRequestsOne() {
        Random r = new Random(3);
        List<List<byte[]>> aus = accessUnits(r, 60);
        H264Packetizer pz = H264Packetizer.builder(new RtpHeaderWriter(1, 96)).initialSequenceNumber(10).initialTimestamp(0).build();
        JitterBuffer jb = JitterBuffer.builder(TRACK, new H264Depacketizer()).maxDelayMicros(50_000).build();
        List<ByteBuf> packets = new ArrayList<>();
        List<EncodedFrame> got = new ArrayList<>();
        boolean requested = false;
        for (int i = 0; i < aus.size(); i++) {
            long now = i * 33_333L;
            EncodedFrame f = new EncodedFrame(TRACK, Unpooled.wrappedBuffer(avcc(aus.get(i))), now, false);
            packets.clear();
            pz.packetize(f, packets);
            f.release();
            for (int k = 0; k < packets.size(); k++) {
                if (i == 10 && k == 0) {
                    packets.get(k).release(); // lost
                } else {
                    jb.insert(packets.get(k), now);
                }
            }
            EncodedFrame out;
            while ((out = jb.poll(now)) != null) {
                got.add(out);
            }
            requested |= jb.pollKeyframeRequest();
        }
        assertTrue(requested);
        assertFalse(jb.isWaitingForKeyframe());
        // Frames 0..9, then nothing until the IDR at 30, then 30..59.
        assertEquals(10 + 30, got.size());
        assertTrue(got.get(10).isKeyframe());
        got.forEach(EncodedFrame::release);
        jb.close();
    }
}
