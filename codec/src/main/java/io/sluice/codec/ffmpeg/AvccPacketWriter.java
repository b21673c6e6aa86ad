package io.sluice.codec.ffmpeg;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.h264.AnnexB;
import io.sluice.core.h264.NalUnitType;
import java.nio.ByteBuffer;

/**
 * Copies an Annex B access unit (as libx264/libopenh264 put in {@code AVPacket.data}) into a new
 * {@link ByteBuf} in AVCC form: every NAL unit prefixed by its 4-byte big-endian length
 * (ISO/IEC 14496-15 §5.3.4). Optionally puts SPS/PPS in front of an access unit that lacks them,
 * so every keyframe is decodable on its own. Reusable and allocation-free apart from the output
 * buffer; not thread-safe (one per encoder).
 */
final class AvccPacketWriter implements AnnexB.NalUnitVisitor {
    private ByteBuf dst;
    private int nalUnits;
    private boolean hasSps;

    /**
     * @param annexB        borrowed; position and limit are unchanged on return
     * @param parameterSets SPS and PPS already in AVCC form, written first when the access unit has no
     *                      SPS of its own; {@code null} to write the access unit as it is
     * @param allocator     where the output comes from
     * @return a new buffer owned by the caller
     */
    ByteBuf toAvcc(ByteBuffer annexB, byte[] parameterSets, ByteBufAllocator allocator) {
        dst = null;
        nalUnits = 0;
        hasSps = false;
        AnnexB.forEachNalUnit(annexB, this);
        byte[] prefix = parameterSets != null && !hasSps ? parameterSets : null;
        // A 3-byte start code grows to a 4-byte length: at most +1 byte per NAL unit.
        ByteBuf out = allocator.directBuffer(annexB.remaining() + nalUnits + (prefix == null ? 0 : prefix.length));
        dst = out;
        try {
            if (prefix != null) {
                out.writeBytes(prefix);
            }
            AnnexB.forEachNalUnit(annexB, this);
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        } finally {
            dst = null;
        }
        return out;
    }

    @Override
    public void visit(ByteBuffer buffer, int offset, int length) {
        if (dst == null) {
            nalUnits++;
            hasSps |= NalUnitType.of(buffer.get(offset)) == NalUnitType.SPS;
            return;
        }
        dst.writeInt(length);
        int position = buffer.position();
        int limit = buffer.limit();
        buffer.limit(offset + length).position(offset);
        dst.writeBytes(buffer);
        buffer.limit(limit).position(position);
    }
}
