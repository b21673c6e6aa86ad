package io.sluice.core.h264;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnexBTest {
    private static final HexFormat HEX = HexFormat.of();

    private static List<String> nalUnits(String hex) {
        List<String> out = new ArrayList<>();
        AnnexB.forEachNalUnit(ByteBuffer.wrap(HEX.parseHex(hex)), (b, off, len) -> {
            byte[] nal = new byte[len];
            b.get(off, nal);
            out.add(HEX.formatHex(nal));
        });
        return out;
    }

    @Test
    void startCodesAfterBytesAbove0x7f() {
        // The skip test reads byte i+2: 0x80..0xff (negative as Java bytes) must be skipped like 0x02..0x7f, and a
        // start code right after them found.
        assertEquals(List.of("65ff80", "41fe", "01ff"), nalUnits("00000001" + "65ff80" + "000001" + "41fe" + "0000" + "00000001" + "01ff"));
        assertEquals(List.of("41ff", "41"), nalUnits("000001" + "41ff" + "000001" + "41"));
    }

    @Test
    void nextStartCodeAtEveryAlignment() {
        for (int lead = 0; lead < 6; lead++) {
            byte[] b = new byte[lead + 3 + 2];
            Arrays.fill(b, (byte) 0xa5);
            b[lead] = 0;
            b[lead + 1] = 0;
            b[lead + 2] = 1;
            assertEquals(lead, AnnexB.nextStartCode(ByteBuffer.wrap(b), 0, b.length), "start code at " + lead);
        }
        ByteBuffer none = ByteBuffer.wrap(HEX.parseHex("ff000002ff0000ff00"));
        assertEquals(-1, AnnexB.nextStartCode(none, 0, none.limit()));
    }
}
