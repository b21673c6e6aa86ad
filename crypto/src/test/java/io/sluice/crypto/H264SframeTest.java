package io.sluice.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class H264SframeTest {
    @Test
    void escapeRoundTripsAndLeavesNoStartCodePrefix() {
        Random rnd = new Random(264);
        for (int i = 0; i < 20_000; i++) {
            byte[] src = i % 3 == 0 ? SyntheticH264.body(rnd, rnd.nextInt(64)) : new byte[rnd.nextInt(16)];
            if (i % 3 == 1) {
                for (int j = 0; j < src.length; j++) {
                    src[j] = (byte) rnd.nextInt(4);
                }
            }
            byte[] esc = new byte[H264Sframe.escapedBound(src.length)];
            int n = H264Sframe.escape(src, 0, src.length, esc, 0);
            assertTrue(n <= esc.length);
            assertEquals(H264Sframe.TRAILER, esc[n - 1]);
            assertFalse(hasStartCodePrefix(esc, 0, n), () -> Arrays.toString(src));
            byte[] back = new byte[n];
            int m = H264Sframe.unescape(esc, 0, n, back, 0);
            assertArrayEquals(src, Arrays.copyOf(back, m));
            // in place
            assertEquals(m, H264Sframe.unescape(esc, 0, n, esc, 0));
            assertArrayEquals(src, Arrays.copyOf(esc, m));
        }
    }

    @Test
    void unescapeRejectsMissingTrailerAndStartCodes() {
        byte[] d = new byte[8];
        assertEquals(-1, H264Sframe.unescape(new byte[] {1, 2}, 0, 2, d, 0));
        assertEquals(-1, H264Sframe.unescape(new byte[0], 0, 0, d, 0));
        assertEquals(-1, H264Sframe.unescape(new byte[] {0, 0, 1, (byte) 0x80}, 0, 4, d, 0));
        assertEquals(-1, H264Sframe.unescape(new byte[] {0, 0, 0, (byte) 0x80}, 0, 4, d, 0));
        assertEquals(3, H264Sframe.unescape(new byte[] {0, 0, 3, 1, (byte) 0x80}, 0, 5, d, 0));
    }

    @Test
    void clearNalTypes() {
        for (int type = 0; type < 32; type++) {
            assertEquals(type >= 7 && type <= 12, H264Sframe.isClear(0x60 | type), "type " + type);
        }
    }

    /**
     * Whether {@code a[off, off+len)} breaks H.264 §7.4.1 inside a NAL unit: {@code 00 00 00}, {@code 00 00 01}
     * or {@code 00 00 02} occurs, or a {@code 00 00 03} is not an emulation-prevention byte (not followed by
     * 00..03), or the unit ends in 0x00. Every {@code 00 00 x} with x &le; 3 is therefore an escape.
     */
    static boolean hasStartCodePrefix(byte[] a, int off, int len) {
        int end = off + len;
        if (len > 0 && a[end - 1] == 0) {
            return true;
        }
        for (int i = off; i + 2 < end; i++) {
            if (a[i] == 0 && a[i + 1] == 0) {
                int x = a[i + 2] & 0xff;
                if (x <= 2 || (x == 3 && i + 3 < end && (a[i + 3] & 0xff) > 3)) {
                    return true;
                }
            }
        }
        return false;
    }
}
