package io.sluice.core.h264;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Reading AVCC access units: NAL units each preceded by a 4-octet big-endian length (ISO/IEC 14496-15
 * §5.3.2 with {@code lengthSizeMinusOne = 3}), the layout of every H.264 {@link io.sluice.core.EncodedFrame}.
 */
public final class Avcc {
    private Avcc() {
    }

    /**
     * The first NAL unit of type {@code nalUnitType} (H.264 Table 7-1, e.g. {@link NalUnitType#SPS}) in an
     * AVCC access unit, header byte included.
     *
     * @param avcc        the access unit between its reader and writer index; borrowed (not released, indexes unchanged)
     * @param nalUnitType 0..31
     * @return a copy of that NAL unit, or {@code null} if there is none before the end or before a length
     *         that is 0 or runs past the end (malformed units end the search; nothing is thrown)
     */
    public static byte[] firstNalUnit(ByteBuf avcc, int nalUnitType) {
        int i = avcc.readerIndex();
        int end = avcc.writerIndex();
        while (i + 4 < end) {
            int n = avcc.getInt(i);
            if (n < 1 || n > end - i - 4) {
                return null;
            }
            if (NalUnitType.of(avcc.getByte(i + 4)) == nalUnitType) {
                return ByteBufUtil.getBytes(avcc, i + 4, n);
            }
            i += 4 + n;
        }
        return null;
    }
}
