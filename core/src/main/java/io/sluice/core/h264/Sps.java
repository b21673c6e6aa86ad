package io.sluice.core.h264;

import io.sluice.core.MediaProtocolException;
import io.sluice.core.internal.BitReader;
import java.io.ByteArrayOutputStream;

/**
 * The fields of an H.264 sequence parameter set that streaming needs: profile, level, chroma format,
 * bit depths and the cropped picture size (ITU-T H.264 §7.3.2.1.1, §7.4.2.1.1).
 *
 * @param profileIdc          {@code profile_idc} (66 Baseline, 77 Main, 100 High, …)
 * @param constraintFlags     the byte after {@code profile_idc} (constraint_set0..5 flags)
 * @param levelIdc            {@code level_idc} (31 = level 3.1)
 * @param chromaFormatIdc     0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
 * @param bitDepthLumaMinus8  luma bit depth − 8
 * @param bitDepthChromaMinus8 chroma bit depth − 8
 * @param width               picture width in pixels after frame cropping
 * @param height              picture height in pixels after frame cropping
 */
public record Sps(int profileIdc, int constraintFlags, int levelIdc, int chromaFormatIdc, int bitDepthLumaMinus8,
                  int bitDepthChromaMinus8, int width, int height) {

    /**
     * Parses one SPS NAL unit.
     *
     * @param nal the NAL unit including its 1-byte header ({@code nal_unit_type} 7), with emulation
     *            prevention bytes as on the wire
     * @throws MediaProtocolException if it is not an SPS, is truncated, or describes an impossible size
     */
    public static Sps parse(byte[] nal) {
        if (nal.length < 4 || NalUnitType.of(nal[0]) != NalUnitType.SPS) {
            throw new MediaProtocolException("not an SPS NAL unit (" + nal.length + " bytes"
                    + (nal.length > 0 ? ", nal_unit_type " + NalUnitType.of(nal[0]) : "") + ")");
        }
        try {
            return parseRbsp(unescape(nal, 1, nal.length - 1));
        } catch (IllegalStateException e) {
            throw new MediaProtocolException("SPS truncated or malformed (" + nal.length + " bytes): " + e.getMessage(), e);
        }
    }

    /** Removes emulation prevention bytes (00 00 03 → 00 00; H.264 §7.4.1). */
    static byte[] unescape(byte[] b, int offset, int length) {
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

    private static Sps parseRbsp(byte[] rbsp) {
        BitReader r = new BitReader(rbsp);
        int profileIdc = r.bits(8);
        int constraintFlags = r.bits(8);
        int levelIdc = r.bits(8);
        r.ue(); // seq_parameter_set_id
        int chromaFormatIdc = 1;
        int bitDepthLuma = 0;
        int bitDepthChroma = 0;
        boolean separateColourPlane = false;
        switch (profileIdc) {
            case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135 -> {
                chromaFormatIdc = r.ue();
                if (chromaFormatIdc > 3) {
                    throw new IllegalStateException("chroma_format_idc " + chromaFormatIdc);
                }
                if (chromaFormatIdc == 3) {
                    separateColourPlane = r.bit();
                }
                bitDepthLuma = r.ue();
                bitDepthChroma = r.ue();
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
            r.ue(); // log2_max_pic_order_cnt_lsb_minus4
        } else if (picOrderCntType == 1) {
            r.bit();
            r.se();
            r.se();
            int n = r.ue();
            if (n > 255) {
                throw new IllegalStateException("num_ref_frames_in_pic_order_cnt_cycle " + n);
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
            throw new IllegalStateException("picture size " + width + "x" + height);
        }
        return new Sps(profileIdc, constraintFlags, levelIdc, chromaFormatIdc, bitDepthLuma, bitDepthChroma,
                (int) width, (int) height);
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
}
