package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * The few H.264 constants and the parameter-set extraction the RTP code needs, re-implemented here so
 * that transport-webrtc does not depend on the codec module (candidates to move into core).
 */
final class H264 {
    /** ITU-T H.264 Table 7-1. */
    static final int NAL_IDR_SLICE = 5;
    static final int NAL_SEI = 6;
    static final int NAL_SPS = 7;
    /** H.264 Annex D payloadType of the recovery point SEI message. */
    static final int SEI_RECOVERY_POINT = 6;
    static final int NAL_PPS = 8;
    /** RFC 6184 §5.7.1. */
    static final int STAP_A = 24;
    /** RFC 6184 §5.8. */
    static final int FU_A = 28;

    private H264() {
    }

    /**
     * Whether an SEI NAL unit's RBSP holds a well-formed recovery point SEI message (payloadType
     * {@value #SEI_RECOVERY_POINT}, ITU-T H.264 §D.1.8/§D.2.8). Parses every sei_message (§7.3.2.3.1):
     * payloadType and payloadSize as runs of {@code 0xFF} octets (255 each) plus a last octet, then
     * payloadSize payload octets; the RBSP must end with rbsp_trailing_bits (§7.3.2.11: an octet
     * {@code 0x80}, trailing zero octets allowed). Emulation prevention octets ({@code 00 00 03},
     * §7.4.1) are skipped, as payload sizes count RBSP octets. The recovery point payload must hold
     * recovery_frame_cnt (ue(v), at most 65535) and its four flag bits.
     *
     * <p>Anything malformed (a size past the end, missing trailing bits, a bad recovery point
     * payload) gives {@code false}: an encrypted SEI (SFrame) whose ciphertext happens to begin
     * with {@code 0x06} is not a recovery point.
     *
     * @param b   borrowed, not modified
     * @param at  index of the first octet after the NAL unit header
     * @param len octets from {@code at} (the NAL unit's remaining bytes, or as many as are present)
     */
    static boolean hasRecoveryPointSei(ByteBuf b, int at, int len) {
        Rbsp r = new Rbsp(b, at, len);
        boolean found = false;
        while (true) {
            if (r.atTrailingBits()) {
                return found;
            }
            int type = r.ffCoded();
            int size = r.ffCoded();
            if (type < 0 || size < 0 || size > r.remainingUpperBound()) {
                return false;
            }
            if (type == SEI_RECOVERY_POINT) {
                byte[] payload = new byte[size];
                for (int i = 0; i < size; i++) {
                    int v = r.next();
                    if (v < 0) {
                        return false;
                    }
                    payload[i] = (byte) v;
                }
                if (!validRecoveryPoint(payload)) {
                    return false;
                }
                found = true;
            } else {
                for (int i = 0; i < size; i++) {
                    if (r.next() < 0) {
                        return false;
                    }
                }
            }
        }
    }

    /** recovery_frame_cnt ue(v) (≤ 65535, MaxFrameNum − 1 at most), then exact_match, broken_link, changing_slice_group_idc (4 bits). */
    private static boolean validRecoveryPoint(byte[] p) {
        int bits = p.length * 8;
        int pos = 0;
        int zeros = 0;
        while (pos < bits && bit(p, pos) == 0) {
            zeros++;
            pos++;
        }
        if (pos >= bits || zeros > 16) {
            return false;
        }
        pos += 1 + zeros; // the 1 and the info bits
        return pos + 4 <= bits;
    }

    private static int bit(byte[] p, int pos) {
        return (p[pos >> 3] >> (7 - (pos & 7))) & 1;
    }

    /** Reads RBSP octets from a NAL unit's bytes, skipping emulation prevention octets. */
    private static final class Rbsp {
        private final ByteBuf b;
        private final int end;
        private int pos;
        private int zeros;

        Rbsp(ByteBuf b, int at, int len) {
            this.b = b;
            this.pos = at;
            this.end = at + Math.max(0, len);
        }

        /** The next RBSP octet, or -1 at the end. */
        int next() {
            if (pos >= end) {
                return -1;
            }
            int v = b.getUnsignedByte(pos++);
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                if (pos >= end) {
                    return -1;
                }
                v = b.getUnsignedByte(pos++);
            }
            zeros = v == 0 ? zeros + 1 : 0;
            return v;
        }

        /** A payloadType or payloadSize (§7.3.2.3.1), or -1 if truncated or absurdly large. */
        int ffCoded() {
            int value = 0;
            int v;
            while ((v = next()) == 0xFF) {
                value += 255;
                if (value > 1 << 20) {
                    return -1;
                }
            }
            return v < 0 ? -1 : value + v;
        }

        /** Raw octets left (RBSP octets left is at most this). */
        int remainingUpperBound() {
            return end - pos;
        }

        /** Whether only rbsp_trailing_bits are left: 0x80 then zero octets (does not consume). */
        boolean atTrailingBits() {
            if (pos >= end || b.getUnsignedByte(pos) != 0x80) {
                return false;
            }
            for (int i = pos + 1; i < end; i++) {
                if (b.getByte(i) != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * SPS and PPS NAL units from an {@code AVCDecoderConfigurationRecord} (ISO/IEC 14496-15 §5.3.3.1):
     * version, profile, compatibility, level, lengthSizeMinusOne, numSPS (low 5 bits) × (u16 length,
     * bytes), numPPS × (u16 length, bytes).
     *
     * @return the parameter sets in order (SPS first), empty if the record is empty
     * @throws RtpProtocolException if the record is truncated
     */
    static List<byte[]> parameterSets(byte[] avcc) {
        List<byte[]> out = new ArrayList<>();
        if (avcc.length == 0) {
            return out;
        }
        if (avcc.length < 7 || avcc[0] != 1) {
            throw new RtpProtocolException("AVCDecoderConfigurationRecord: " + avcc.length
                    + " octets, version " + (avcc.length > 0 ? avcc[0] : -1) + " (expected: >= 7 octets, version 1)");
        }
        int i = 5;
        int sps = avcc[i++] & 0x1F;
        i = take(avcc, i, sps, out);
        if (i >= avcc.length) {
            throw new RtpProtocolException("AVCDecoderConfigurationRecord truncated before numOfPictureParameterSets");
        }
        int pps = avcc[i++] & 0xFF;
        take(avcc, i, pps, out);
        return out;
    }

    private static int take(byte[] b, int i, int n, List<byte[]> out) {
        for (int k = 0; k < n; k++) {
            if (i + 2 > b.length) {
                throw new RtpProtocolException("AVCDecoderConfigurationRecord truncated at octet " + i);
            }
            int len = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
            i += 2;
            if (len == 0 || i + len > b.length) {
                throw new RtpProtocolException("AVCDecoderConfigurationRecord: parameter set of " + len
                        + " octets at " + i + " (record has " + b.length + ")");
            }
            byte[] ps = new byte[len];
            System.arraycopy(b, i, ps, 0, len);
            out.add(ps);
            i += len;
        }
        return i;
    }
}
