package io.sluice.crypto.sframe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SframeHeaderTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void randomKidCtrRoundTripAtEveryLength() {
        Random rnd = new Random(9605);
        long[] kidCtr = new long[2];
        for (int i = 0; i < 20_000; i++) {
            long kid = rnd.nextLong() >>> rnd.nextInt(64);
            long ctr = rnd.nextLong() >>> rnd.nextInt(64);
            byte[] enc = SframeHeader.of(kid, ctr).encode();
            assertEquals(enc.length, SframeHeader.headerLength(enc[0]));
            assertEquals(enc.length, SframeHeader.parse(enc, 0, enc.length, kidCtr));
            assertEquals(kid, kidCtr[0]);
            assertEquals(ctr, kidCtr[1]);
        }
    }

    @Test
    void everyTruncationIsReportedAsTruncated() {
        byte[] enc = SframeHeader.of(-1L, -1L).encode();
        assertEquals(SframeHeader.MAX_LENGTH, enc.length);
        for (int len = 0; len < enc.length; len++) {
            int l = len;
            SframeProtocolException e = assertThrows(SframeProtocolException.class, () -> SframeHeader.decode(enc, 0, l));
            assertEquals(SframeReceiveStatus.TRUNCATED, e.status());
            assertEquals(SframeHeader.PARSE_TRUNCATED, SframeHeader.parse(enc, 0, len, new long[2]));
        }
    }

    @Test
    void nonMinimalEncodingsAreMalformed() {
        // KID 5 as an extended 1-byte field; CTR 7 extended; KID 0x0100 with a leading zero byte (3 bytes)
        for (String hex : new String[] {"8005", "0807", "a0000100", "09000f"}) {
            byte[] b = HEX.parseHex(hex);
            SframeProtocolException e = assertThrows(SframeProtocolException.class, () -> SframeHeader.decode(b, 0, b.length), hex);
            assertEquals(SframeReceiveStatus.MALFORMED_HEADER, e.status(), hex);
        }
        // the minimal forms of the same values decode
        assertEquals(SframeHeader.of(5, 0), SframeHeader.decode(HEX.parseHex("50"), 0, 1));
        assertEquals(SframeHeader.of(0x100, 0), SframeHeader.decode(HEX.parseHex("900100"), 0, 3));
    }

    @Test
    void encodeChecksRoom() {
        assertThrows(IndexOutOfBoundsException.class, () -> SframeHeader.encode(300, 0, new byte[2], 0));
        byte[] b = new byte[4];
        assertEquals(3, SframeHeader.encode(300, 0, b, 1));
        assertArrayEquals(HEX.parseHex("0090012c"), b);
    }
}
