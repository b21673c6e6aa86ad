package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RtpPacketTest {
    @Test
    void oneByteExtensionsWrittenAndRead() {
        RtpHeaderWriter w = new RtpHeaderWriter(0x01020304, 96).mid(1, "video0").absSendTime(2).transportSequenceNumber(3)
                .csrcs(7, 8);
        ByteBuf b = Unpooled.buffer();
        w.write(b, 65535, 0xFFFFFFFFL, true);
        b.writeBytes(new byte[] {1, 2, 3});
        RtpPacket p = new RtpPacket();
        assertTrue(p.wrap(b));
        assertEquals(RtpPacket.ONE_BYTE_PROFILE, p.extensionProfile());
        assertEquals(w.headerLength(), p.headerLength());
        assertEquals("video0", p.mid(1));
        assertTrue(p.setTransportSequenceNumber(3, 4242));
        assertTrue(p.setAbsSendTime(2, RtpPacket.absSendTimeFromMicros(1_500_000)));
        assertEquals(4242, p.transportSequenceNumber(3));
        assertEquals(3 << 17, p.absSendTime(2)); // 1.5 s in 6.18 fixed point
        assertEquals(-1, p.transportSequenceNumber(4));
        assertEquals(2, p.csrcCount());
        assertEquals(8, p.csrc(1));
        assertTrue(p.marker());
        assertEquals(65535, p.sequenceNumber());
        assertEquals(0xFFFFFFFFL, p.timestamp());
        assertEquals(0x01020304, p.ssrc());
        assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(p.payload()));
        b.release();
    }

    @Test
    void twoByteFormForLongValuesAndHighIds() {
        RtpHeaderWriter w = new RtpHeaderWriter(5, 111).extension(20, new byte[17]).transportSequenceNumber(3);
        ByteBuf b = Unpooled.buffer();
        w.write(b, 1, 2, false);
        RtpPacket p = new RtpPacket();
        assertTrue(p.wrap(b));
        assertEquals(RtpPacket.TWO_BYTE_PROFILE, p.extensionProfile());
        assertTrue(p.findExtension(20) > 0);
        assertEquals(17, p.foundExtensionLength());
        assertEquals(0, p.transportSequenceNumber(3));
        b.release();
    }

    @Test
    void handBuiltPacketWithPaddingAndOneByteExtension() {
        // V=2 P X, PT 96, seq 0x1234, ts 1, SSRC 2; ext BEDE len 1: id 5 len 2 (0xABCD) + pad; payload AA; 3 padding octets.
        byte[] pkt = HexFormat.of().parseHex("b0601234" + "00000001" + "00000002" + "bede0001" + "51abcd00" + "aa" + "000003");
        ByteBuf b = Unpooled.wrappedBuffer(pkt);
        RtpPacket p = new RtpPacket();
        assertTrue(p.wrap(b));
        assertEquals(0xABCD, p.transportSequenceNumber(5));
        assertEquals(1, p.payloadLength());
        assertEquals(3, p.paddingLength());
        b.release();
        for (String bad : new String[] {"", "40601234000000010000000200", "9060123400000001000000020001", "a060123400000001000000020000"}) {
            ByteBuf x = Unpooled.wrappedBuffer(HexFormat.of().parseHex(bad));
            assertFalse(p.wrap(x), bad);
            x.release();
        }
    }

    @Test
    void sequenceUnwrapperCrossesWraps() {
        SequenceUnwrapper u = new SequenceUnwrapper();
        long a = u.unwrap(65534);
        assertEquals(a + 1, u.unwrap(65535));
        assertEquals(a + 2, u.unwrap(0));
        assertEquals(a - 4, u.unwrap(65530), "late packet before the wrap");
        assertEquals(a + 3, u.unwrap(1));
    }

    @Test
    void historyAndRtxRoundTrip() {
        PacketHistory h = new PacketHistory(16, 1_000_000, ByteBufAllocator.DEFAULT);
        RtpHeaderWriter w = new RtpHeaderWriter(0xAAAA, 96).transportSequenceNumber(3);
        for (int s = 0; s < 20; s++) {
            ByteBuf b = Unpooled.buffer();
            w.write(b, 100 + s, 9000, s == 19);
            b.writeBytes(new byte[] {(byte) s, 1, 2});
            h.put(b, s * 100_000L);
            b.release();
        }
        assertNull(h.get(100, 1_900_000), "overwritten by the 16-slot ring");
        assertNull(h.get(105, 1_900_000), "older than 1 s");
        ByteBuf orig = h.get(118, 1_900_000);
        RtxPacketizer rtx = new RtxPacketizer(0xBBBB, 97, 500, ByteBufAllocator.DEFAULT, 16);
        ByteBuf r = rtx.wrap(orig);
        RtpPacket p = new RtpPacket();
        assertTrue(p.wrap(r));
        assertEquals(0xBBBB, p.ssrc());
        assertEquals(97, p.payloadType());
        assertEquals(500, p.sequenceNumber());
        assertEquals(118, r.getUnsignedShort(p.payloadOffset()), "OSN");
        ByteBuf back = RtxPacketizer.unwrap(r, 0xAAAA, 96, ByteBufAllocator.DEFAULT);
        assertArrayEquals(ByteBufUtil.getBytes(orig), ByteBufUtil.getBytes(back));
        orig.release();
        r.release();
        back.release();
        h.close();
    }

    @Test
    void opusOnePacketPerFrameAt48kHz() {
        TrackInfo track = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).build();
        OpusPacketizer pz = new OpusPacketizer(new RtpHeaderWriter(9, 111), ByteBufAllocator.DEFAULT, 16, 1000, 7);
        JitterBuffer jb = JitterBuffer.builder(track, new OpusDepacketizer()).waitForKeyframeAfterLoss(false).build();
        for (int i = 0; i < 3; i++) {
            EncodedFrame f = new EncodedFrame(track, Unpooled.wrappedBuffer(new byte[] {(byte) 0xFC, (byte) i}), i * 20_000L, true);
            ByteBuf pk = pz.packetize(f);
            f.release();
            RtpPacket p = new RtpPacket();
            assertTrue(p.wrap(pk));
            assertFalse(p.marker());
            assertEquals(1000 + i * 960, p.timestamp());
            assertEquals(7 + i, p.sequenceNumber());
            jb.insert(pk, i * 20_000L);
            EncodedFrame out = jb.poll(i * 20_000L);
            assertEquals(i * 20_000L, out.ptsUs());
            assertArrayEquals(new byte[] {(byte) 0xFC, (byte) i}, ByteBufUtil.getBytes(out.content()));
            out.release();
        }
        jb.close();
    }
}
