package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;

class FfmpegLogTest {
    @Test
    void installIsIdempotentAndSetsTheLevel() {
        FfmpegLog.install();
        FfmpegLog.install();
        assertEquals(avutil.AV_LOG_WARNING, FfmpegLog.level());
        try {
            FfmpegLog.install(avutil.AV_LOG_ERROR);
            assertEquals(avutil.AV_LOG_ERROR, avutil.av_log_get_level());
            avutil.av_log(null, avutil.AV_LOG_ERROR, "sluice FfmpegLogTest: routed to SLF4J\n");
        } finally {
            FfmpegLog.install(avutil.AV_LOG_WARNING);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FfmpegLog.install(99));
        assertEquals("avLogLevel: 99 (expected: -8..56)", e.getMessage());
    }

    @Test
    void warningsThatDoNotApplyAreRecognisedAndNothingElse() {
        // libx264 at every bitrate increase (seen 14 times in one 60 s bottleneck run).
        assertTrue(FfmpegLog.isInapplicableWarning("[libx264 @ 0x7f0fa0214c00] max bitrate less than average bitrate, assuming CBR"));
        assertFalse(FfmpegLog.isInapplicableWarning("[libx264 @ 0x7f0fa0214c00] VBV buffer size cannot be smaller than one frame"));
        // The lines as libopenh264 2.x prints them through FFmpeg at every encoder start.
        assertTrue(FfmpegLog.isInapplicableWarning("[libopenh264 @ 0x7f0e] [OpenH264] this = 0x0x7f0e, Warning:layerId(0)"
                + " doesn't support profile(578), change to UNSPECIFIC profile"));
        assertTrue(FfmpegLog.isInapplicableWarning("[libopenh264 @ 0x7f0e] [OpenH264] this = 0x0x7f0e, Warning:bEnableFrameSkip"
                + " = 0,bitrate can't be controlled for RC_QUALITY_MODE,RC_BITRATE_MODE and RC_TIMESTAMP_MODE without"
                + " enabling skip frame."));
        assertFalse(FfmpegLog.isInapplicableWarning("[libopenh264 @ 0x7f0e] [OpenH264] this = 0x0x7f0e, Warning:layerId(0)"
                + " doesn't support profile(100), change to UNSPECIFIC profile"));
        assertFalse(FfmpegLog.isInapplicableWarning("[mp4 @ 0x7f62] Could not find tag for codec vp8 in stream #0"));
    }
}
