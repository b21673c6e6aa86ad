package io.sluice.webrtc.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PacketDemuxTest {

    private static PacketKind classify(int... bytes) {
        ByteBuf buf = Unpooled.buffer();
        for (int b : bytes) {
            buf.writeByte(b);
        }
        try {
            PacketKind kind = PacketDemux.classify(buf);
            assertEquals(0, buf.readerIndex());
            return kind;
        } finally {
            buf.release();
        }
    }

    @Test
    void everyFirstByteRange() {
        for (int b = 0; b < 256; b++) {
            PacketKind expected;
            if (b <= 3) {
                expected = PacketKind.STUN;
            } else if (b >= 16 && b <= 19) {
                expected = PacketKind.ZRTP;
            } else if (b >= 20 && b <= 63) {
                expected = PacketKind.DTLS;
            } else if (b >= 64 && b <= 79) {
                expected = PacketKind.TURN_CHANNEL;
            } else if (b >= 128 && b <= 191) {
                expected = PacketKind.RTP;
            } else {
                expected = PacketKind.UNKNOWN;
            }
            assertEquals(expected, classify(b, 96), "first byte " + b);
        }
    }

    @Test
    void rtcpBySecondByte() {
        assertEquals(PacketKind.RTCP, classify(0x80, 200)); // SR
        assertEquals(PacketKind.RTCP, classify(0x81, 205)); // RTPFB
        assertEquals(PacketKind.RTCP, classify(0x81, 206)); // PSFB
        assertEquals(PacketKind.RTCP, classify(0x80, 192));
        assertEquals(PacketKind.RTCP, classify(0x80, 223));
        assertEquals(PacketKind.RTP, classify(0x80, 224)); // marker + PT 96
        assertEquals(PacketKind.RTP, classify(0x80, 191));
        assertEquals(PacketKind.RTP, classify(0x90, 111));
    }

    @Test
    void shortInput() {
        assertEquals(PacketKind.UNKNOWN, classify());
        assertEquals(PacketKind.UNKNOWN, classify(0x80));
        assertEquals(PacketKind.STUN, classify(0x00));
    }
}
