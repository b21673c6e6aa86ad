package io.sluice.webrtc.server;

import java.io.ByteArrayOutputStream;

/**
 * The few H.264 bitstream facts the WHIP ingest needs: the {@code AVCDecoderConfigurationRecord}
 * (ISO/IEC 14496-15 §5.3.3.1) built from in-band SPS/PPS, and the picture size from the SPS
 * (ITU-T H.264 §7.3.2.1.1). A copy of the codec module's logic, kept here because
 * {@code transport-webrtc} does not depend on {@code codec}.
 */
final class AvcConfig {
    private AvcConfig() {
    }

    /**
     * @param sps one SPS NAL unit (header byte included, no start code or length)
     * @param pps one PPS NAL unit
     * @return the record with lengthSizeMinusOne = 3 (4-byte AVCC lengths)
     * @throws IllegalArgumentException if the SPS is shorter than 4 bytes
     */
    static byte[] record(byte[] sps, byte[] pps) {
        if (sps.length < 4) {
            throw new IllegalArgumentException("sps: " + sps.length + " bytes (expected: >= 4)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(11 + sps.length + pps.length);
        out.write(1);
        out.write(sps[1]);
        out.write(sps[2]);
        out.write(sps[3]);
        out.write(0xFF);
        out.write(0xE1);
        out.write(sps.length >> 8);
        out.write(sps.length);
        out.write(sps, 0, sps.length);
        out.write(1);
        out.write(pps.length >> 8);
        out.write(pps.length);
        out.write(pps, 0, pps.length);
        int profile = sps[1] & 0xFF;
        if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
            // chroma_format_idc 4:2:0, 8-bit, no SPS extensions (§5.3.3.1.2)
            out.write(0xFC | 1);
            out.write(0xF8);
            out.write(0xF8);
            out.write(0);
        }
        return out.toByteArray();
    }

    /**
     * The cropped picture size.
     *
     * @param sps one SPS NAL unit, header byte included
     * @return {@code {width, height}} in pixels, or {@code {0, 0}} if the SPS cannot be read
     */
    static int[] resolution(byte[] sps) {
        try {
            Bits b = new Bits(unescape(sps), 1);
            int profile = b.u(8);
            b.u(16); // constraint flags, level_idc
            b.ue(); // seq_parameter_set_id
            int chromaFormat = 1;
            if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44
                    || profile == 83 || profile == 86 || profile == 118 || profile == 128 || profile == 138
                    || profile == 139 || profile == 134 || profile == 135) {
                chromaFormat = b.ue();
                if (chromaFormat == 3) {
                    b.u(1);
                }
                b.ue();
                b.ue();
                b.u(1);
                if (b.u(1) == 1) { // seq_scaling_matrix_present_flag
                    for (int i = 0; i < (chromaFormat != 3 ? 8 : 12); i++) {
                        if (b.u(1) == 1) {
                            skipScalingList(b, i < 6 ? 16 : 64);
                        }
                    }
                }
            }
            b.ue(); // log2_max_frame_num_minus4
            int pocType = b.ue();
            if (pocType == 0) {
                b.ue();
            } else if (pocType == 1) {
                b.u(1);
                b.se();
                b.se();
                int n = b.ue();
                for (int i = 0; i < n; i++) {
                    b.se();
                }
            }
            b.ue(); // max_num_ref_frames
            b.u(1);
            int widthMbs = b.ue() + 1;
            int heightMapUnits = b.ue() + 1;
            int frameMbsOnly = b.u(1);
            if (frameMbsOnly == 0) {
                b.u(1);
            }
            b.u(1); // direct_8x8_inference_flag
            int width = widthMbs * 16;
            int height = (2 - frameMbsOnly) * heightMapUnits * 16;
            if (b.u(1) == 1) { // frame_cropping_flag
                int left = b.ue();
                int right = b.ue();
                int top = b.ue();
                int bottom = b.ue();
                int cropX = chromaFormat == 0 || chromaFormat == 3 ? 1 : 2;
                int cropY = (chromaFormat == 1 ? 2 : 1) * (2 - frameMbsOnly);
                width -= (left + right) * cropX;
                height -= (top + bottom) * cropY;
            }
            return new int[] {width, height};
        } catch (ArrayIndexOutOfBoundsException e) {
            return new int[] {0, 0};
        }
    }

    private static void skipScalingList(Bits b, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + b.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    private static byte[] unescape(byte[] nal) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(nal.length);
        int zeros = 0;
        for (byte v : nal) {
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                continue;
            }
            out.write(v);
            zeros = v == 0 ? zeros + 1 : 0;
        }
        return out.toByteArray();
    }

    /** An Exp-Golomb bit reader (§9.1). */
    private static final class Bits {
        private final byte[] data;
        private int bit;

        Bits(byte[] data, int startByte) {
            this.data = data;
            this.bit = startByte * 8;
        }

        int u(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 1) | ((data[bit >> 3] >> (7 - (bit & 7))) & 1);
                bit++;
            }
            return v;
        }

        int ue() {
            int zeros = 0;
            while (u(1) == 0) {
                zeros++;
                if (zeros > 31) {
                    throw new ArrayIndexOutOfBoundsException("ue(v) too long");
                }
            }
            return zeros == 0 ? 0 : (1 << zeros) - 1 + u(zeros);
        }

        int se() {
            int k = ue();
            return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
