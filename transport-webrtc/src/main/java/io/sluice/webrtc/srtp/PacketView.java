package io.sluice.webrtc.srtp;

import io.netty.buffer.ByteBuf;

/**
 * Gives the transforms a {@code byte[]} over a ByteBuf's readable bytes plus tail room: the backing
 * array when there is one, otherwise a reused scratch copy that {@link #writeBack} copies back.
 */
final class PacketView {
    byte[] array;
    int offset;
    private boolean copied;
    private byte[] scratch = new byte[1536];

    /** Maps {@code buf}'s readable bytes; {@code extra} octets after them must exist in the mapping. */
    void map(ByteBuf buf, int extra) {
        int len = buf.readableBytes();
        if (buf.hasArray()) {
            array = buf.array();
            offset = buf.arrayOffset() + buf.readerIndex();
            copied = false;
        } else {
            if (scratch.length < len + extra) {
                scratch = new byte[len + extra + 256];
            }
            buf.getBytes(buf.readerIndex(), scratch, 0, len);
            array = scratch;
            offset = 0;
            copied = true;
        }
    }

    /** Sets {@code buf}'s packet to {@code newLength} octets, copying the scratch back if one was used. */
    void writeBack(ByteBuf buf, int newLength) {
        if (copied) {
            buf.setBytes(buf.readerIndex(), array, 0, newLength);
        }
        buf.writerIndex(buf.readerIndex() + newLength);
        array = null;
    }

    /**
     * RTP header length (RFC 3550 §5.1: 12 + 4·CC, plus the header extension of §5.3.1) of the packet
     * in {@code buf}'s readable bytes, or -1 if it is not a complete version-2 RTP header.
     */
    static int rtpHeaderLength(ByteBuf buf) {
        int len = buf.readableBytes();
        int r = buf.readerIndex();
        if (len < 12) {
            return -1;
        }
        int b0 = buf.getUnsignedByte(r);
        if (b0 >>> 6 != 2) {
            return -1;
        }
        int hl = 12 + 4 * (b0 & 0x0F);
        if ((b0 & 0x10) != 0) {
            if (hl + 4 > len) {
                return -1;
            }
            hl += 4 + 4 * buf.getUnsignedShort(r + hl + 2);
        }
        return hl > len ? -1 : hl;
    }
}
