package io.sluice.rtmp.server;

import java.io.ByteArrayOutputStream;

/**
 * Reads the few parameters a {@link io.sluice.core.TrackInfo} needs from codec configuration
 * records a publisher sends: the picture size from the SPS of an {@code AVCDecoderConfigurationRecord}
 * (ITU-T H.264 §7.3.2.1.1, ISO/IEC 14496-15 §5.3.3.1), the sample rate and channel count from an
 * {@code AudioSpecificConfig} (ISO/IEC 14496-3 §1.6.2.1). Every method returns {@code null} on
 * malformed input instead of throwing: the caller decides what a bad record means.
 */
final class CodecConfigs {
    private static final int[] AAC_SAMPLE_RATES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000,
            12000, 11025, 8000, 7350};

    private CodecConfigs() {
    }

    /**
     * @param record an AVCDecoderConfigurationRecord
     * @return {width, height} in pixels after cropping, or {@code null} if the first SPS cannot be read
     */
    static int[] avcPictureSize(byte[] record) {
        try {
            if (record.length < 8 || record[0] != 1 || (record[5] & 0x1F) < 1) {
                return null;
            }
            int spsLength = (record[6] & 0xFF) << 8 | record[7] & 0xFF;
            if (spsLength < 4 || 8 + spsLength > record.length) {
                return null;
            }
            return spsPictureSize(unescape(record, 9, spsLength - 1)); // skip the NAL unit header byte
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            return null;
        }
    }

    /** Removes emulation prevention bytes (00 00 03 → 00 00; H.264 §7.4.1). */
    private static byte[] unescape(byte[] b, int offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        int zeros = 0;
        for (int i = offset; i < offset + length; i++) {
            int v = b[i] & 0xFF;
            if (zeros >= 2 && v == 3) {
                zeros = 0;
                continue;
            }
            zeros = v == 0 ? zeros + 1 : 0;
            out.write(v);
        }
        return out.toByteArray();
    }

    /** seq_parameter_set_data() up to the frame cropping fields (H.264 §7.3.2.1.1). */
    private static int[] spsPictureSize(byte[] rbsp) {
        BitReader r = new BitReader(rbsp);
        int profileIdc = r.bits(8);
        r.bits(16); // constraint flags, level_idc
        r.ue(); // seq_parameter_set_id
        int chromaFormatIdc = 1;
        boolean separateColourPlane = false;
        switch (profileIdc) {
            case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> {
                chromaFormatIdc = r.ue();
                if (chromaFormatIdc == 3) {
                    separateColourPlane = r.bit();
                }
                r.ue(); // bit_depth_luma_minus8
                r.ue(); // bit_depth_chroma_minus8
                r.bit(); // qpprime_y_zero_transform_bypass_flag
                if (r.bit()) { // seq_scaling_matrix_present_flag
                    for (int i = 0; i < (chromaFormatIdc != 3 ? 8 : 12); i++) {
                        if (r.bit()) {
                            skipScalingList(r, i < 6 ? 16 : 64);
                        }
                    }
                }
            }
            default -> {
            }
        }
        r.ue(); // log2_max_frame_num_minus4
        int picOrderCntType = r.ue();
        if (picOrderCntType == 0) {
            r.ue();
        } else if (picOrderCntType == 1) {
            r.bit();
            r.se();
            r.se();
            int n = r.ue();
            if (n > 255) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                r.se();
            }
        }
        r.ue(); // max_num_ref_frames
        r.bit(); // gaps_in_frame_num_value_allowed_flag
        int widthMbs = r.ue() + 1;
        int heightMapUnits = r.ue() + 1;
        boolean frameMbsOnly = r.bit();
        if (!frameMbsOnly) {
            r.bit(); // mb_adaptive_frame_field_flag
        }
        r.bit(); // direct_8x8_inference_flag
        int cropLeft = 0;
        int cropRight = 0;
        int cropTop = 0;
        int cropBottom = 0;
        if (r.bit()) {
            cropLeft = r.ue();
            cropRight = r.ue();
            cropTop = r.ue();
            cropBottom = r.ue();
        }
        int chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
        int subWidthC = chromaFormatIdc == 3 ? 1 : 2;
        int subHeightC = chromaFormatIdc == 1 ? 2 : 1;
        int cropUnitX = chromaArrayType == 0 ? 1 : subWidthC;
        int cropUnitY = (chromaArrayType == 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
        long width = widthMbs * 16L - (long) cropUnitX * (cropLeft + cropRight);
        long height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16L - (long) cropUnitY * (cropTop + cropBottom);
        if (width < 1 || width > 16384 || height < 1 || height > 16384) {
            return null;
        }
        return new int[] {(int) width, (int) height};
    }

    private static void skipScalingList(BitReader r, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + r.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }

    /**
     * @param asc an AudioSpecificConfig
     * @return {sampleRate in Hz, channels}, or {@code null} if malformed or the channel configuration is 0
     *         (layout in a program config element, which this reader does not parse)
     */
    static int[] aacAudio(byte[] asc) {
        try {
            BitReader r = new BitReader(asc);
            int objectType = r.bits(5);
            if (objectType == 31) {
                r.bits(6);
            }
            int frequencyIndex = r.bits(4);
            int sampleRate;
            if (frequencyIndex == 15) {
                sampleRate = r.bits(24);
            } else if (frequencyIndex < AAC_SAMPLE_RATES.length) {
                sampleRate = AAC_SAMPLE_RATES[frequencyIndex];
            } else {
                return null;
            }
            int channelConfig = r.bits(4);
            int channels = switch (channelConfig) {
                case 1, 2, 3, 4, 5, 6 -> channelConfig;
                case 7 -> 8;
                default -> 0;
            };
            return sampleRate < 1 || channels == 0 ? null : new int[] {sampleRate, channels};
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** MSB-first bit reader with Exp-Golomb codes (H.264 §9.1); throws IllegalStateException past the end. */
    private static final class BitReader {
        private final byte[] data;
        private int bit;

        BitReader(byte[] data) {
            this.data = data;
        }

        boolean bit() {
            if (bit >= data.length * 8) {
                throw new IllegalStateException("end of data");
            }
            boolean b = (data[bit >>> 3] >> (7 - (bit & 7)) & 1) != 0;
            bit++;
            return b;
        }

        int bits(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                v = v << 1 | (bit() ? 1 : 0);
            }
            return v;
        }

        int ue() {
            int zeros = 0;
            while (!bit()) {
                if (++zeros > 31) {
                    throw new IllegalStateException("Exp-Golomb code too long");
                }
            }
            return (int) ((1L << zeros) - 1 + (zeros == 0 ? 0 : Integer.toUnsignedLong(bits(zeros))));
        }

        int se() {
            int k = ue();
            return (k & 1) != 0 ? (k + 1) / 2 : -(k / 2);
        }
    }
}
