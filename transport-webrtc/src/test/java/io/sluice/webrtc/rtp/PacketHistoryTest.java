package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PacketHistory: age- and ring-bounded NACK history (RFC 4585 §6.2.1) with O(1) eviction")
class PacketHistoryTest {

    private static void assertHeld(PacketHistory h, int seq, long nowUs) {
        ByteBuf b = h.get(seq, nowUs);
        assertNotNull(b, "seq " + seq);
        b.release();
    }

    private static void put(PacketHistory h, int seq, long nowUs) {
        ByteBuf b = Unpooled.buffer();
        new RtpHeaderWriter(1, 96).write(b, seq, 0, false);
        b.writeByte(seq);
        h.put(b, nowUs);
        b.release();
    }

    @Test
    void evictsByAgeFromTheOldestAcrossTheSequenceWrap() {
        try (PacketHistory h = new PacketHistory(2048, 1_000_000, ByteBufAllocator.DEFAULT)) {
            // 300 packets a second, starting just before the 16-bit wrap.
            for (int i = 0; i < 900; i++) {
                put(h, (65_000 + i) & 0xFFFF, i * 3_333L);
                assertEquals(Math.min(i + 1, 301), h.size(), "held after packet " + i);
            }
            long now = 899 * 3_333L;
            assertNull(h.get((65_000 + 598) & 0xFFFF, now), "older than 1 s");
            assertHeld(h, (65_000 + 600) & 0xFFFF, now);
            assertHeld(h, (65_000 + 899) & 0xFFFF, now);
        }
    }

    @Test
    void aFullRingOverwritesTheOldestAndKeepsCounting() {
        try (PacketHistory h = new PacketHistory(16, 10_000_000, ByteBufAllocator.DEFAULT)) {
            for (int seq = 0; seq < 40; seq++) {
                put(h, seq, seq);
            }
            assertEquals(16, h.size());
            assertNull(h.get(23, 40), "overwritten");
            assertHeld(h, 24, 40);
            // A jump far ahead (a new sequence start) leaves nothing stale behind.
            put(h, 30_000, 41);
            assertEquals(1, h.size(), "the old packets are more than a ring behind");
            assertNull(h.get(39, 41));
            put(h, 30_001, 20_000_000);
            assertEquals(1, h.size(), "30000 aged out");
            assertHeld(h, 30_001, 20_000_000);
        }
    }
}
