package io.sluice.codec.ffmpeg;

import io.netty.buffer.ByteBuf;
import io.sluice.core.h264.AnnexB;
import io.sluice.core.MediaProtocolException;
import java.nio.ByteBuffer;

/**
 * Normalizes H.264/H.265 access units to the layout core fixes for {@link io.sluice.core.Codec#H264} and
 * {@link io.sluice.core.Codec#H265}: every NAL unit prefixed by a 4-byte big-endian length
 * (ISO/IEC 14496-15 §5.3.4), no start codes.
 */
final class H26xPayloads {
    /** Marks an Annex B stream (no {@code avcC}/{@code hvcC} length size known). */
    static final int ANNEX_B = 0;

    private H26xPayloads() {
    }

    /**
     * Appends {@code src} (from its position to its limit, not moved) to {@code dst} as 4-byte-length NAL units.
     *
     * @param lengthSize the source's NAL length prefix in bytes (1..4, from the configuration record), or
     *                   {@link #ANNEX_B} for start-code delimited data (data without a start code is then taken
     *                   to be 4-byte length-prefixed already)
     * @throws MediaProtocolException if a length prefix runs past the end of {@code src}
     */
    static void appendAvcc(ByteBuffer src, int lengthSize, ByteBuf dst) {
        if (lengthSize == ANNEX_B) {
            if (AnnexB.startsWithStartCode(src)) {
                AnnexB.toAvcc(src, dst);
            } else {
                dst.writeBytes(src.duplicate());
            }
            return;
        }
        if (lengthSize == 4) {
            dst.writeBytes(src.duplicate());
            return;
        }
        int end = src.limit();
        int p = src.position();
        while (p < end) {
            if (p + lengthSize > end) {
                throw new MediaProtocolException("NAL unit length prefix truncated at offset " + (p - src.position())
                        + " (" + (end - p) + " of " + lengthSize + " bytes left)");
            }
            int len = 0;
            for (int i = 0; i < lengthSize; i++) {
                len = (len << 8) | (src.get(p + i) & 0xFF);
            }
            p += lengthSize;
            if (len > end - p) {
                throw new MediaProtocolException("NAL unit length: " + len + " (expected: <= " + (end - p) + " bytes left)");
            }
            dst.writeInt(len);
            ByteBuffer nal = src.duplicate();
            nal.limit(p + len).position(p);
            dst.writeBytes(nal);
            p += len;
        }
    }
}
