package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
