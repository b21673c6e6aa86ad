package io.sluice.core.h264;

import io.sluice.core.MediaProtocolException;
import io.sluice.core.internal.BitReader;
import java.io.ByteArrayOutputStream;

/**
 * The fields of an H.264 sequence parameter set that streaming needs: profile, level, chroma format,
 * bit depths, the cropped picture size (ITU-T H.264 §7.3.2.1.1, §7.4.2.1.1) and whether pictures may be
 * output in an order other than decode order (B-frames; VUI {@code max_num_reorder_frames}, §E.1.1, §E.2.1).
 *
 * @param profileIdc          {@code profile_idc} (66 Baseline, 77 Main, 100 High, …)
 * @param constraintFlags     the byte after {@code profile_idc} (constraint_set0..5 flags)
 * @param levelIdc            {@code level_idc} (31 = level 3.1)
 * @param chromaFormatIdc     0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
 * @param bitDepthLumaMinus8  luma bit depth − 8
 * @param bitDepthChromaMinus8 chroma bit depth − 8
 * @param width               picture width in pixels after frame cropping
 * @param height              picture height in pixels after frame cropping
 * @param maxNumReorderFrames {@code max_num_reorder_frames} from the VUI's bitstream restriction (§E.2.1); when
 *                            the SPS has none, 0 if the profile cannot reorder (Baseline, a stream flagged
 *                            {@code constraint_set0_flag} as Baseline-conforming, or an Intra profile) and
 *                            {@link #REORDER_UNKNOWN} otherwise (the decoder must assume reordering is possible)
 */
public record Sps(int profileIdc, int constraintFlags, int levelIdc, int chromaFormatIdc, int bitDepthLumaMinus8,
                  int bitDepthChromaMinus8, int width, int height, int maxNumReorderFrames) {
    /** {@link #maxNumReorderFrames()} when the SPS does not say and the profile allows B slices. */
    public static final int REORDER_UNKNOWN = -1;

    /**
     * Whether the SPS states that pictures are reordered: {@code max_num_reorder_frames > 0}, so the stream has
     * B-frames (or other frames output later than decoded) and {@code pts != dts}. {@code false} both when it
     * states 0 and when it does not say (see {@link #mayReorder()}).
     */
    public boolean hasReordering() {
        return maxNumReorderFrames > 0;
    }

    /**
     * Whether reordering cannot be ruled out from the SPS alone: {@link #hasReordering()}, or the SPS has no
     * bitstream restriction and the profile allows B slices. A consumer that must not receive B-frames then
     * has to watch the timestamps ({@code pts != dts}).
     */
    public boolean mayReorder() {
        return maxNumReorderFrames != 0;
    }

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
        int maxNumReorderFrames = REORDER_UNKNOWN;
        if (r.bit()) { // vui_parameters_present_flag
            try {
                maxNumReorderFrames = readVuiReorderFrames(r);
            } catch (IllegalStateException e) {
                // A truncated or odd VUI does not make the picture size wrong: reordering is then unknown.
                maxNumReorderFrames = REORDER_UNKNOWN;
            }
        }
        if (maxNumReorderFrames == REORDER_UNKNOWN && !profileAllowsReordering(profileIdc, constraintFlags)) {
            maxNumReorderFrames = 0;
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
                (int) width, (int) height, maxNumReorderFrames);
    }

    /**
     * Reads {@code vui_parameters()} (§E.1.1) up to {@code max_num_reorder_frames}.
     *
     * @return {@code max_num_reorder_frames}, or {@link #REORDER_UNKNOWN} without {@code bitstream_restriction_flag}
     */
    private static int readVuiReorderFrames(BitReader r) {
        if (r.bit()) { // aspect_ratio_info_present_flag
            if (r.bits(8) == 255) { // aspect_ratio_idc Extended_SAR
                r.bits(16); // sar_width
                r.bits(16); // sar_height
            }
        }
        if (r.bit()) { // overscan_info_present_flag
            r.bit(); // overscan_appropriate_flag
        }
        if (r.bit()) { // video_signal_type_present_flag
            r.bits(3); // video_format
            r.bit(); // video_full_range_flag
            if (r.bit()) { // colour_description_present_flag
                r.bits(24); // colour_primaries, transfer_characteristics, matrix_coefficients
            }
        }
        if (r.bit()) { // chroma_loc_info_present_flag
            r.ue();
            r.ue();
        }
        if (r.bit()) { // timing_info_present_flag
            r.bits(16); // num_units_in_tick (32 bits)
            r.bits(16);
            r.bits(16); // time_scale (32 bits)
            r.bits(16);
            r.bit(); // fixed_frame_rate_flag
        }
        boolean nalHrd = r.bit();
        if (nalHrd) {
            skipHrdParameters(r);
        }
        boolean vclHrd = r.bit();
        if (vclHrd) {
            skipHrdParameters(r);
        }
        if (nalHrd || vclHrd) {
            r.bit(); // low_delay_hrd_flag
        }
        r.bit(); // pic_struct_present_flag
        if (!r.bit()) { // bitstream_restriction_flag
            return REORDER_UNKNOWN;
        }
        r.bit(); // motion_vectors_over_pic_boundaries_flag
        r.ue(); // max_bytes_per_pic_denom
        r.ue(); // max_bits_per_mb_denom
        r.ue(); // log2_max_mv_length_horizontal
        r.ue(); // log2_max_mv_length_vertical
        int reorder = r.ue(); // max_num_reorder_frames
        if (reorder > 16) {
            throw new IllegalStateException("max_num_reorder_frames " + reorder + " (expected: 0..16)");
        }
        return reorder;
    }

    /** {@code hrd_parameters()}, §E.1.2. */
    private static void skipHrdParameters(BitReader r) {
        int cpbCnt = r.ue() + 1;
        if (cpbCnt > 32) {
            throw new IllegalStateException("cpb_cnt_minus1 " + (cpbCnt - 1) + " (expected: 0..31)");
        }
        r.bits(8); // bit_rate_scale, cpb_size_scale
        for (int i = 0; i < cpbCnt; i++) {
            r.ue(); // bit_rate_value_minus1
            r.ue(); // cpb_size_value_minus1
            r.bit(); // cbr_flag
        }
        r.bits(20); // initial_cpb_removal_delay_length_minus1, cpb_removal_delay_length_minus1,
                    // dpb_output_delay_length_minus1, time_offset_length (5 bits each)
    }

    /**
     * Whether a stream of this profile may contain B slices when its SPS does not say (§A.2, §E.2.1): not for
     * Baseline ({@code profile_idc} 66), a stream conforming to Baseline ({@code constraint_set0_flag}, which
     * includes Constrained Baseline), or an Intra profile ({@code constraint_set3_flag} with profile 100, 110,
     * 122, 244 or CAVLC 4:4:4 Intra, 44).
     */
    private static boolean profileAllowsReordering(int profileIdc, int constraintFlags) {
        boolean set0 = (constraintFlags & 0x80) != 0;
        boolean set3 = (constraintFlags & 0x10) != 0;
        if (profileIdc == 66 || set0 || profileIdc == 44) {
            return false;
        }
        return !(set3 && (profileIdc == 100 || profileIdc == 110 || profileIdc == 122 || profileIdc == 244));
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
