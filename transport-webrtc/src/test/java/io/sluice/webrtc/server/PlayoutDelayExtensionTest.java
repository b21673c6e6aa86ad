package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The playout-delay header extension's 3 octets: min (12 bits) | max (12 bits), 10 ms units. */
class PlayoutDelayExtensionTest {
    @Test
    @DisplayName("300 ms .. 10 s is 30 | 1000: 01 E3 E8")
    void layout() {
        assertArrayEquals(new byte[] {0x01, (byte) 0xE3, (byte) 0xE8}, WhepSession.playoutDelayValue(300, 10_000));
        assertArrayEquals(new byte[] {0x00, 0x00, 0x00}, WhepSession.playoutDelayValue(0, 0));
    }

    @Test
    @DisplayName("the minimum rounds up to 10 ms; both clamp at 4095 units (40.95 s); max is never under min")
    void roundingAndBounds() {
        assertArrayEquals(new byte[] {0x00, (byte) 0xB3, (byte) 0xE8}, WhepSession.playoutDelayValue(101, 10_000));
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, WhepSession.playoutDelayValue(50_000, 50_000));
        assertArrayEquals(new byte[] {0x00, (byte) 0xB0, 0x0B}, WhepSession.playoutDelayValue(110, 20));
    }
}
