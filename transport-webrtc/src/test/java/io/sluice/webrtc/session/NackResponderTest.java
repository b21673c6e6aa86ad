package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NackResponder: packet history → RTX (RFC 4585 §6.2.1, RFC 4588 §4), in simulated time")
class NackResponderTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static ByteBuf packet(int seq) {
        ByteBuf b = Unpooled.buffer();
        new RtpHeaderWriter(0xAAAA, 96).write(b, seq, 9000, false);
        b.writeBytes(new byte[] {(byte) seq, 1, 2, 3});
        return b;
    }

    @Test
    void answersWithRtxWhileThePacketIsYoungEnough() {
        ManualTicker t = new ManualTicker();
        try (NackResponder r = new NackResponder(new PacketHistory(64, 1_000_000, ALLOC),
                new RtxPacketizer(0xBBBB, 97, 7, ALLOC, 16), ALLOC, 16)) {
            for (int seq = 0; seq < 40; seq++) {
                ByteBuf p = packet(seq);
                r.onPacketSent(p, t.advanceMillis(50) / 1000);
                p.release();
            }
            ByteBuf rtx = r.retransmission(39, t.nanoTime() / 1000);
            RtpPacket v = new RtpPacket();
            assertTrue(v.wrap(rtx));
            assertEquals(0xBBBB, v.ssrc());
            assertEquals(97, v.payloadType());
            assertEquals(7, v.sequenceNumber(), "the RTX stream's own sequence number");
            assertEquals(39, rtx.getUnsignedShort(v.payloadOffset()), "OSN");
            assertTrue(rtx.writableBytes() >= 16 || rtx.maxCapacity() - rtx.writerIndex() >= 16, "SRTP tail room");
            rtx.release();
            assertNull(r.retransmission(10, t.nanoTime() / 1000), "sent 1.45 s ago: older than the 1 s history");
            assertNull(r.retransmission(500, t.nanoTime() / 1000), "never sent");
        }
    }

    @Test
    void withoutRtxResendsTheOriginal() {
        ManualTicker t = new ManualTicker();
        try (NackResponder r = new NackResponder(new PacketHistory(16, 1_000_000, ALLOC), null, ALLOC, 16)) {
            ByteBuf p = packet(5);
            r.onPacketSent(p, t.nanoTime() / 1000);
            ByteBuf again = r.retransmission(5, t.advanceMillis(100) / 1000);
            assertEquals(ByteBufUtil.hexDump(p), ByteBufUtil.hexDump(again));
            p.release();
            again.release();
        }
    }
}
