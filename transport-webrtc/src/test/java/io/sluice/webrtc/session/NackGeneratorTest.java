package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("NackGenerator: generic NACK for sequence gaps (RFC 4585 §6.2.1)")
class NackGeneratorTest {

    @Test
    void asksOnceForEachGapAndNothingForReordering() {
        NackGenerator g = new NackGenerator();
        assertTrue(g.onPacket(10).isEmpty(), "first packet");
        assertTrue(g.onPacket(11).isEmpty());
        assertEquals(List.of(12, 13), g.onPacket(14));
        assertTrue(g.onPacket(12).isEmpty(), "a late packet fills the gap: nothing more");
        assertTrue(g.onPacket(13).isEmpty());
        assertTrue(g.onPacket(15).isEmpty());
        assertTrue(g.onPacket(14).isEmpty(), "duplicate");
    }

    @Test
    void asksForTheNewestOfALongGapWrappedTo16Bits() {
        NackGenerator g = new NackGenerator(4);
        g.onPacket(65_530);
        List<Integer> lost = g.onPacket(65_536 + 20);
        assertEquals(List.of(16, 17, 18, 19), lost, "the 4 newest, as 16-bit numbers past the wrap");
        assertThrows(IllegalArgumentException.class, () -> new NackGenerator(0));
    }
}
