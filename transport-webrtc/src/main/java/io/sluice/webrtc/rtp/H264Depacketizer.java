package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Rebuilds an AVCC access unit (4-octet NAL unit lengths) from RFC 6184 packetization-mode 1
 * payloads: single NAL unit packets (types 1–23, §5.6), STAP-A (24, §5.7.1) and FU-A (28, §5.8).
 * STAP-B, MTAP and FU-B (interleaved mode) are rejected as malformed. An FU-A run must begin with S
 * and end with E inside the frame.
 *
 * <p>The frame is a keyframe (random access point) if it holds an IDR slice (type 5), a
 * recovery-point SEI (SEI payloadType 6, H.264 §D.2.8, found by parsing every sei_message of a
 * well-formed SEI, see {@link H264#hasRecoveryPointSei}; an SEI cut by FU-A fragmentation is judged
 * on its first fragment only, so it does not count: encoders with intra refresh, such as the
 * webcam in the shared capture, send no IDR after the first), or an SPS and a first slice that is
 * an I/SI slice ({@code slice_type} 2, 4, 7, 9; §7.4.3).
 * Stateless and thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6184#section-5">RFC 6184 §5</a>
 */
public final class H264Depacketizer implements RtpDepacketizer {
    @Override
    public int clockRate() {
        return H264Packetizer.CLOCK_RATE;
    }

    @Override
    public boolean startsFrame(ByteBuf payload) {
        if (payload.readableBytes() < 1) {
            return false;
        }
        int type = payload.getByte(payload.readerIndex()) & 0x1F;
        if (type == H264.FU_A) {
            return payload.readableBytes() >= 2 && (payload.getByte(payload.readerIndex() + 1) & 0x80) != 0;
        }
        return type >= 1 && type <= H264.STAP_A;
    }

    @Override
    public int depacketize(List<ByteBuf> payloads, ByteBuf out) {
        int flags = 0;
        int fuLengthAt = -1;
        for (int k = 0; k < payloads.size(); k++) {
            ByteBuf p = payloads.get(k);
            int r = p.readerIndex();
            int len = p.readableBytes();
            if (len < 1) {
                return -1;
            }
            int b0 = p.getUnsignedByte(r);
            int type = b0 & 0x1F;
            if (type == H264.FU_A) {
                if (len < 2) {
                    return -1;
                }
                int fu = p.getUnsignedByte(r + 1);
                boolean start = (fu & 0x80) != 0;
                boolean end = (fu & 0x40) != 0;
                if (start) {
                    if (fuLengthAt >= 0) {
                        return -1;
                    }
                    fuLengthAt = out.writerIndex();
                    out.writeInt(0);
                    int nal = (b0 & 0xE0) | (fu & 0x1F);
                    out.writeByte(nal);
                    flags |= classify(nal & 0x1F, p, r + 2, len - 2, flags);
                } else if (fuLengthAt < 0) {
                    return -1;
                }
                out.writeBytes(p, r + 2, len - 2);
                if (end) {
                    out.setInt(fuLengthAt, out.writerIndex() - fuLengthAt - 4);
                    fuLengthAt = -1;
                }
                continue;
            }
            if (fuLengthAt >= 0) {
                return -1;
            }
            if (type >= 1 && type <= 23) {
                out.writeInt(len);
                out.writeBytes(p, r, len);
                flags |= classify(type, p, r + 1, len - 1, flags);
            } else if (type == H264.STAP_A) {
                int i = r + 1;
                int end = r + len;
                while (i < end) {
                    if (end - i < 2) {
                        return -1;
                    }
                    int n = p.getUnsignedShort(i);
                    i += 2;
                    if (n == 0 || n > end - i) {
                        return -1;
                    }
                    out.writeInt(n);
                    out.writeBytes(p, i, n);
                    flags |= classify(p.getByte(i) & 0x1F, p, i + 1, n - 1, flags);
                    i += n;
                }
            } else {
                return -1;
            }
        }
        return fuLengthAt >= 0 ? -1 : flags & KEYFRAME;
    }

    private static final int SEEN_SPS = 2;
    private static final int SEEN_VCL = 4;

    /** Flags to add for a NAL unit of {@code type} whose bytes after the header are {@code b[at, at+len)}. */
    private static int classify(int type, ByteBuf b, int at, int len, int flags) {
        if (type == H264.NAL_IDR_SLICE) {
            return KEYFRAME | SEEN_VCL;
        }
        if (type == H264.NAL_SPS) {
            return SEEN_SPS;
        }
        if (type == H264.NAL_SEI && H264.hasRecoveryPointSei(b, at, len)) {
            return KEYFRAME;
        }
        if (type >= 1 && type <= 4 && (flags & SEEN_VCL) == 0) {
            boolean intra = (flags & SEEN_SPS) != 0 && isIntraSlice(b, at, len);
            return SEEN_VCL | (intra ? KEYFRAME : 0);
        }
        return 0;
    }

    /** Reads first_mb_in_slice and slice_type, ue(v) each (H.264 §7.3.3), skipping emulation prevention octets. */
    static boolean isIntraSlice(ByteBuf b, int at, int len) {
        long bits = 0;
        int nbits = 0;
        int zeros = 0;
        for (int i = 0; i < Math.min(len, 8); i++) {
            int v = b.getUnsignedByte(at + i);
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                continue;
            }
            zeros = v == 0 ? zeros + 1 : 0;
            bits = (bits << 8) | v;
            nbits += 8;
        }
        if (nbits == 0) {
            return false;
        }
        bits <<= 64 - nbits;
        int pos = 0;
        int sliceType = -1;
        for (int k = 0; k < 2; k++) {
            int lz = Long.numberOfLeadingZeros(bits << pos);
            if (lz > 31 || pos + 2 * lz + 1 > nbits) {
                return false;
            }
            long value = ((bits << pos) >>> (63 - 2 * lz)) - 1;
            pos += 2 * lz + 1;
            sliceType = (int) value;
        }
        return sliceType == 2 || sliceType == 4 || sliceType == 7 || sliceType == 9;
    }
}
