package io.sluice.core.h264;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AvccTest {
    private static ByteBuf avcc(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex.replace(" ", "")));
    }

    @Test
    void findsTheFirstUnitOfATypeAndLeavesTheBufferAlone() {
        ByteBuf au = avcc("00000002 0901" + "00000003 67 4200" + "00000002 68ce" + "00000003 67 4d00" + "00000002 6588");
        assertArrayEquals(HexFormat.of().parseHex("674200"), Avcc.firstNalUnit(au, NalUnitType.SPS));
        assertArrayEquals(HexFormat.of().parseHex("68ce"), Avcc.firstNalUnit(au, NalUnitType.PPS));
        assertArrayEquals(HexFormat.of().parseHex("6588"), Avcc.firstNalUnit(au, NalUnitType.IDR_SLICE));
        assertNull(Avcc.firstNalUnit(au, NalUnitType.SEI));
        assertEquals(0, au.readerIndex());
        au.release();
    }

    @Test
    void malformedLengthsEndTheSearch() {
        ByteBuf zero = avcc("00000000 67" + "00000002 68ce");
        assertNull(Avcc.firstNalUnit(zero, NalUnitType.PPS));
        zero.release();
        ByteBuf tooLong = avcc("00000002 0901" + "00000009 6742");
        assertNull(Avcc.firstNalUnit(tooLong, NalUnitType.SPS));
        tooLong.release();
        ByteBuf empty = avcc("");
        assertNull(Avcc.firstNalUnit(empty, NalUnitType.SPS));
        empty.release();
    }
}
