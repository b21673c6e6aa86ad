package io.sluice.webrtc.rtp;

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
