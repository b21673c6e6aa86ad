package io.sluice.core.h264;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
