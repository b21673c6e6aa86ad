package io.sluice.core.h264;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * Annex B byte streams (ITU-T H.264 Annex B): NAL units separated by start codes {@code 00 00 01} or
 * {@code 00 00 00 01}. Converts to the AVCC layout core uses ({@link io.sluice.core.Codec#H264}).
 */
public final class AnnexB {
    /** Receives one NAL unit: {@code offset}/{@code length} index the buffer passed to {@link #forEachNalUnit}. */
    @FunctionalInterface
    public interface NalUnitVisitor {
        void visit(ByteBuffer buffer, int offset, int length);
    }

    private AnnexB() {
    }

    /** Whether {@code buf} (from its position) starts with a 3- or 4-byte start code. */
    public static boolean startsWithStartCode(ByteBuffer buf) {
        int p = buf.position();
        int n = buf.limit() - p;
        if (n >= 3 && buf.get(p) == 0 && buf.get(p + 1) == 0 && buf.get(p + 2) == 1) {
            return true;
        }
        return n >= 4 && buf.get(p) == 0 && buf.get(p + 1) == 0 && buf.get(p + 2) == 0 && buf.get(p + 3) == 1;
    }

    /**
     * Calls {@code visitor} for each NAL unit between {@code buf.position()} and {@code buf.limit()},
     * without the start codes and without trailing zero bytes ({@code trailing_zero_8bits}). Bytes
     * before the first start code are ignored. Does not move the buffer's position.
     */
    public static void forEachNalUnit(ByteBuffer buf, NalUnitVisitor visitor) {
        int end = buf.limit();
        int start = nextNalStart(buf, buf.position(), end);
        while (start >= 0 && start < end) {
            int next = nextStartCode(buf, start, end);
            int nalEnd = next < 0 ? end : next;
            int trimmed = nalEnd;
            while (trimmed > start && buf.get(trimmed - 1) == 0) {
                trimmed--;
            }
            if (trimmed > start) {
                visitor.visit(buf, start, trimmed - start);
            }
            start = next < 0 ? -1 : next + 3;
        }
    }

    /**
     * Writes each NAL unit of the Annex B stream {@code src} as a 4-byte big-endian length plus the
     * NAL unit (AVCC, ISO/IEC 14496-15 §5.3.4) into {@code dst}.
     *
     * @param src borrowed; its position is not moved
     * @param dst borrowed; written at its writer index
     * @return bytes written
     */
    public static int toAvcc(ByteBuffer src, ByteBuf dst) {
        int before = dst.writerIndex();
        forEachNalUnit(src, (b, off, len) -> {
            dst.writeInt(len);
            ByteBuffer slice = b.duplicate();
            slice.limit(off + len).position(off);
            dst.writeBytes(slice);
        });
        return dst.writerIndex() - before;
    }

    /** Index of the first byte after the first start code at or after {@code from}, or -1. */
    private static int nextNalStart(ByteBuffer buf, int from, int end) {
        int sc = nextStartCode(buf, from, end);
        return sc < 0 ? -1 : sc + 3;
    }

    /** Index of the next {@code 00 00 01} at or after {@code from}, or -1. */
    static int nextStartCode(ByteBuffer buf, int from, int end) {
        for (int i = from; i + 2 < end; i++) {
            byte b = buf.get(i + 2);
            if (b != 0 && b != 1) {
                i += 2; // fast skip: neither byte i, i+1 nor i+2 can begin a start code when byte i+2 is not 0 or 1
                continue;
            }
            if (buf.get(i) == 0 && buf.get(i + 1) == 0 && buf.get(i + 2) == 1) {
                return i;
            }
        }
        return -1;
    }
}
