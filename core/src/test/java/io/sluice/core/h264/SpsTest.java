package io.sluice.core.h264;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.core.MediaProtocolException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpsTest {
    /** The SPS of ../shared/media/flower_960x540_5s_h264_aac.mp4: High, level 3.1, 960x544 cropped to 960x540. */
    static final byte[] SPS_540P_HIGH = HexFormat.of().parseHex("6764001fac56240f0117ef016a0c0c0c800001f480007530078c18c4c0");
    /** The SPS of ../shared/media/bbb_rabbit_320x240_8s_h264_aac.mp4: Constrained Baseline, level 1.3. */
    static final byte[] SPS_240P_BASELINE = HexFormat.of().parseHex("2742e00da918283f600d418041adb0ad7bdf01");

    @Test
    void readsProfileLevelAndPictureSize() {
        Sps high = Sps.parse(SPS_540P_HIGH);
        assertEquals(100, high.profileIdc());
        assertEquals(31, high.levelIdc());
        assertEquals(1, high.chromaFormatIdc());
        assertEquals(960, high.width());
        assertEquals(540, high.height());
        Sps base = Sps.parse(SPS_240P_BASELINE);
        assertEquals(66, base.profileIdc());
        assertEquals(320, base.width());
        assertEquals(240, base.height());
    }

    /** x264 Main, {@code -bf 0}, {@code nal-hrd=vbr}: a VUI with NAL HRD parameters before the bitstream restriction. */
    static final byte[] SPS_MAIN_HRD_NO_BFRAMES = HexFormat.of().parseHex(
            "674d400dd90141fb01100000030010000003032602001e840007a12930c01e285490");
    /** x264 Main, {@code -bf 3 -b-pyramid normal}: max_num_reorder_frames 2. */
    static final byte[] SPS_MAIN_BFRAMES = HexFormat.of().parseHex("674d400deca0a0fd80880000030008000003019078a14cb0");

    @Test
    void readsMaxNumReorderFramesFromTheVui() {
        // Values checked against FFmpeg's trace_headers bitstream filter.
        Sps flower = Sps.parse(SPS_540P_HIGH);
        assertEquals(2, flower.maxNumReorderFrames());
        assertTrue(flower.hasReordering());
        Sps bframes = Sps.parse(SPS_MAIN_BFRAMES);
        assertEquals(2, bframes.maxNumReorderFrames());
        assertEquals(320, bframes.width());
        Sps hrd = Sps.parse(SPS_MAIN_HRD_NO_BFRAMES);
        assertEquals(0, hrd.maxNumReorderFrames(), "read after the NAL HRD parameters");
        assertFalse(hrd.mayReorder());
        assertEquals(320, hrd.width());
        assertEquals(240, hrd.height());
    }

    @Test
    void withoutBitstreamRestrictionTheProfileDecides() {
        // The rabbit clip's VUI has bitstream_restriction_flag 0; Constrained Baseline has no B slices.
        Sps base = Sps.parse(SPS_240P_BASELINE);
        assertEquals(0, base.maxNumReorderFrames());
        assertFalse(base.mayReorder());
        // The same Main SPS cut after its picture size (vui_parameters_present_flag 0): reordering possible.
        byte[] noVui = SPS_MAIN_BFRAMES.clone();
        Sps main = Sps.parse(withoutVui(noVui));
        assertEquals(Sps.REORDER_UNKNOWN, main.maxNumReorderFrames());
        assertTrue(main.mayReorder());
        assertFalse(main.hasReordering());
        assertEquals(320, main.width());
    }

    /**
     * Rewrites x264's Main SPS {@code 4d400d ec a0a0fd80 88 …} so that {@code vui_parameters_present_flag} is 0
     * and the RBSP ends there: the bit after {@code frame_cropping_flag} is cleared and a stop bit follows.
     */
    private static byte[] withoutVui(byte[] sps) {
        // Find the VUI flag by parsing up to it with the reader the parser uses, then cut the bytes.
        io.sluice.core.internal.BitReader r = new io.sluice.core.internal.BitReader(java.util.Arrays.copyOfRange(sps, 1, sps.length));
        r.bits(24);
        r.ue(); // sps id
        r.ue(); // log2_max_frame_num_minus4
        int pocType = r.ue();
        if (pocType == 0) {
            r.ue();
        }
        r.ue(); // max_num_ref_frames
        r.bit();
        r.ue();
        r.ue();
        boolean frameMbsOnly = r.bit();
        if (!frameMbsOnly) {
            r.bit();
        }
        r.bit();
        if (r.bit()) {
            r.ue();
            r.ue();
            r.ue();
            r.ue();
        }
        int vuiBit = r.position() + 8; // in the NAL unit, after its 1-byte header
        byte[] out = java.util.Arrays.copyOf(sps, vuiBit / 8 + 2);
        java.util.Arrays.fill(out, vuiBit / 8 + 1, out.length, (byte) 0);
        out[vuiBit / 8] &= (byte) (0xFF00 >>> (vuiBit % 8)); // keep the bits before the flag; the flag becomes 0
        int stop = vuiBit + 1;
        out[stop / 8] |= (byte) (0x80 >>> (stop % 8));
        return out;
    }

    @Test
    void aConfigurationRecordRoundTripsWithHighProfileTrailer() {
        byte[] pps = HexFormat.of().parseHex("68e88ecb22c0");
        AvcDecoderConfigurationRecord rec = new AvcDecoderConfigurationRecord(List.of(SPS_540P_HIGH), List.of(pps), 4);
        byte[] bytes = rec.toBytes();
        AvcDecoderConfigurationRecord back = AvcDecoderConfigurationRecord.parse(bytes);
        assertArrayEquals(SPS_540P_HIGH, back.sps().get(0));
        assertArrayEquals(pps, back.pps().get(0));
        assertEquals(100, back.profileIdc());
        assertEquals(0xFC | 1, bytes[bytes.length - 4] & 0xFF, "chroma_format_idc 1 in the High-profile trailer");
    }

    @Test
    void malformedInputIsATypedError() {
        assertThrows(MediaProtocolException.class, () -> Sps.parse(new byte[] {0x68, 1, 2, 3}));
        assertThrows(MediaProtocolException.class, () -> Sps.parse(new byte[] {0x67, 0x64, 0, 0x1f}));
        assertThrows(MediaProtocolException.class, () -> AvcDecoderConfigurationRecord.parse(new byte[] {1, 2, 3}));
        assertThrows(MediaProtocolException.class, () -> AvcDecoderConfigurationRecord.parse(new byte[] {1, 0x64, 0, 0x1f, (byte) 0xff, (byte) 0xe1, 0, 40}));
    }
}
