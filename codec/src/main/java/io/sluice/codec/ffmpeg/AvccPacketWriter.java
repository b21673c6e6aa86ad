package io.sluice.codec.ffmpeg;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.h264.AnnexB;
import io.sluice.core.h264.NalUnitType;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Copies an Annex B access unit (as libx264/libopenh264 put in {@code AVPacket.data}) into a new
 * {@link ByteBuf} in AVCC form: every NAL unit prefixed by its 4-byte big-endian length
 * (ISO/IEC 14496-15 §5.3.4). Optionally puts SPS/PPS in front of an access unit that lacks them,
 * so every keyframe is decodable on its own. Not thread-safe (one per encoder).
 *
 * <p>Runs on the encoder's thread for every packet, so it is kept cheap: the packet is copied once into a
 * reused heap array, whose start codes are found in one pass (reading a native buffer byte by byte through
 * {@code DirectByteBuffer.get} in two passes cost ~0.1 s of CPU per 8 MB of output, a quarter of what the
 * encoder thread spent outside the encoder); the NAL units are then written from the array.
 */
final class AvccPacketWriter implements AnnexB.NalUnitVisitor {
    /** The packet's bytes; grows to the largest packet seen. */
    private byte[] scratch = new byte[64 * 1024];
    /** Offset and length of each NAL unit of the current packet in {@link #scratch}, in pairs. */
    private int[] nalUnits = new int[32];
    private int nalCount;
    private boolean hasSps;

    /**
     * @param annexB        borrowed; position and limit are unchanged on return
     * @param parameterSets SPS and PPS already in AVCC form, written first when the access unit has no
     *                      SPS of its own; {@code null} to write the access unit as it is
     * @param allocator     where the output comes from
     * @return a new buffer owned by the caller
     */
    ByteBuf toAvcc(ByteBuffer annexB, byte[] parameterSets, ByteBufAllocator allocator) {
        int size = annexB.remaining();
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, scratch.length * 2)];
        }
        annexB.get(annexB.position(), scratch, 0, size);
        nalCount = 0;
        hasSps = false;
        AnnexB.forEachNalUnit(ByteBuffer.wrap(scratch, 0, size), this);
        byte[] prefix = parameterSets != null && !hasSps ? parameterSets : null;
        // A 3-byte start code grows to a 4-byte length: at most +1 byte per NAL unit.
        ByteBuf out = allocator.directBuffer(size + nalCount + (prefix == null ? 0 : prefix.length));
        try {
            if (prefix != null) {
                out.writeBytes(prefix);
            }
            for (int i = 0; i < nalCount; i++) {
                int offset = nalUnits[2 * i];
                int length = nalUnits[2 * i + 1];
                out.writeInt(length);
                out.writeBytes(scratch, offset, length);
            }
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
        return out;
    }

    @Override
    public void visit(ByteBuffer buffer, int offset, int length) {
        if (2 * nalCount + 2 > nalUnits.length) {
            nalUnits = Arrays.copyOf(nalUnits, nalUnits.length * 2);
        }
        nalUnits[2 * nalCount] = offset;
        nalUnits[2 * nalCount + 1] = length;
        nalCount++;
        hasSps |= NalUnitType.of(scratch[offset]) == NalUnitType.SPS;
    }
}
