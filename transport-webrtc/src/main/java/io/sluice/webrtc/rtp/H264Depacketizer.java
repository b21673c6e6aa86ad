package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Rebuilds an AVCC access unit (4-octet NAL unit lengths) from RFC 6184 packetization-mode 1
 * payloads: single NAL unit packets (types 1–23, §5.6), STAP-A (24, §5.7.1) and FU-A (28, §5.8).
 * STAP-B, MTAP and FU-B (interleaved mode) are rejected as malformed. An FU-A run must begin with S
 * and end with E inside the frame. The frame is a keyframe if it holds an IDR slice (type 5).
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
                    if ((nal & 0x1F) == H264.NAL_IDR_SLICE) {
                        flags |= KEYFRAME;
                    }
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
                if (type == H264.NAL_IDR_SLICE) {
                    flags |= KEYFRAME;
                }
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
                    if ((p.getByte(i) & 0x1F) == H264.NAL_IDR_SLICE) {
                        flags |= KEYFRAME;
                    }
                    i += n;
                }
            } else {
                return -1;
            }
        }
        return fuLengthAt >= 0 ? -1 : flags;
    }
}
