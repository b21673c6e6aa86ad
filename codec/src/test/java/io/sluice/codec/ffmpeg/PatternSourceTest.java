package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;

class PatternSourceTest {
    private static final Map<Integer, Delivery> BOTH =
            Map.of(PatternSource.VIDEO_TRACK, Delivery.DECODED, PatternSource.AUDIO_TRACK, Delivery.DECODED);

    @Test
    void defaultsAre720p30WithStereo48k() {
        try (PatternSource source = PatternSource.builder().build()) {
            List<TrackInfo> tracks = source.open();
            assertEquals(2, tracks.size());
            assertEquals(1280, tracks.get(0).width());
            assertEquals(720, tracks.get(0).height());
            assertEquals(Rational.of(30, 1), tracks.get(0).frameRate().orElseThrow());
            assertEquals(48_000, tracks.get(1).sampleRate());
            assertEquals(2, tracks.get(1).channels());
            assertFalse(source.isLive());
            assertEquals("pattern:1280x720@30", source.name());
            source.select(BOTH);
            MediaFrame f = source.read();
            try {
                AvRawFrame raw = (AvRawFrame) f;
                assertEquals(MediaType.VIDEO, raw.mediaType());
                assertEquals(1280, raw.width());
                assertEquals(720, raw.height());
                assertEquals(avutil.AV_PIX_FMT_YUV420P, raw.avFrame().format());
                assertEquals(0, raw.ptsUs());
            } finally {
                f.release();
            }
        }
    }

    @Test
    void countsAndTimestampsForADuration() {
        try (PatternSource source = PatternSource.builder().size(320, 240).frameRate(Rational.of(30000, 1001))
                .duration(Duration.ofMillis(2500)).build()) {
            source.open();
            source.select(BOTH);
            int videoFrames = 0;
            long samples = 0;
            long lastAudioPts = -1;
            for (MediaFrame f; (f = source.read()) != null; ) {
                try {
                    AvRawFrame raw = (AvRawFrame) f;
                    if (raw.mediaType() == MediaType.VIDEO) {
                        assertEquals(Math.round(videoFrames * 1001e6 / 30000), raw.ptsUs());
                        assertEquals(320, raw.width());
                        assertEquals(240, raw.height());
                        videoFrames++;
                    } else {
                        assertEquals(Math.round(samples * 1e6 / 48000), raw.ptsUs());
                        assertTrue(raw.ptsUs() > lastAudioPts);
                        lastAudioPts = raw.ptsUs();
                        assertEquals(avutil.AV_SAMPLE_FMT_FLTP, raw.avFrame().format());
                        assertEquals(2, raw.channels());
                        assertTrue(raw.sampleCount() <= PatternSource.SAMPLES_PER_FRAME);
                        samples += raw.sampleCount();
                    }
                } finally {
                    f.release();
                }
            }
            assertEquals(75, videoFrames, "frames with pts < 2.5 s at 29.97 fps"); // ceil(2.5 * 29.97) = 75
            assertEquals(120_000, samples, "2.5 s at 48 kHz");
        }
    }

    @Test
    void theClockAreaChangesAndTheToneBeeps() {
        try (PatternSource source = PatternSource.builder().size(640, 360).duration(Duration.ofSeconds(2)).build()) {
            source.open();
            source.select(BOTH);
            byte[] first = null;
            byte[] later = null;
            float beepPeak = 0;
            float quietPeak = 0;
            for (MediaFrame f; (f = source.read()) != null; ) {
                try {
                    AvRawFrame raw = (AvRawFrame) f;
                    if (raw.mediaType() == MediaType.VIDEO) {
                        if (raw.ptsUs() == 0) {
                            first = clockArea(raw);
                        } else if (raw.ptsUs() == 1_000_000) {
                            later = clockArea(raw);
                        }
                    } else {
                        float peak = peak(raw);
                        if (raw.ptsUs() < 80_000) {
                            beepPeak = Math.max(beepPeak, peak);
                        } else if (raw.ptsUs() > 200_000 && raw.ptsUs() < 900_000) {
                            quietPeak = Math.max(quietPeak, peak);
                        }
                    }
                } finally {
                    f.release();
                }
            }
            assertTrue(first != null && later != null);
            assertFalse(java.util.Arrays.equals(first, later), "the clock must change between 0 s and 1 s");
            assertTrue(beepPeak > 0.25f, "beep peak " + beepPeak);
            assertEquals(0f, quietPeak, "silence between beeps");
        }
    }

    @Test
    void rejectsEncodedDeliveryAndBadSizes() {
        try (PatternSource source = PatternSource.builder().audio(false).build()) {
            assertEquals(1, source.open().size());
            assertThrows(MediaSourceException.class, () -> source.select(Map.of(0, Delivery.ENCODED)));
            assertThrows(IllegalArgumentException.class, () -> source.select(Map.of(1, Delivery.DECODED)));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PatternSource.builder().size(0, 720));
        assertEquals("size: 0x720 (expected: even, 16..8192 each)", e.getMessage());
    }

    @Test
    void framesAreStampedOnTheInjectedTicker() throws Exception {
        io.sluice.core.time.ManualTicker ticker = new io.sluice.core.time.ManualTicker();
        try (PatternSource source = PatternSource.builder().size(64, 64).duration(Duration.ofMillis(100)).ticker(ticker).build()) {
            source.open();
            source.select(BOTH);
            ticker.advanceMillis(42);
            long expected = ticker.nanoTime();
            int frames = 0;
            for (MediaFrame f; (f = source.read()) != null; frames++) {
                try {
                    assertEquals(expected, ((AvRawFrame) f).createdNanos(), "stamped by the ticker, not System.nanoTime()");
                } finally {
                    f.release();
                }
            }
            assertTrue(frames > 0);
        }
    }

    @Test
    void abortEndsTheStream() {
        try (PatternSource source = PatternSource.builder().size(160, 120).build()) {
            source.open();
            source.select(BOTH);
            source.read().release();
            source.abort();
            assertNull(source.read());
        }
    }

    /** The luma of the top-left quarter (where the clock is). */
    private static byte[] clockArea(AvRawFrame raw) {
        int w = raw.width() / 2;
        int h = raw.height() / 4;
        int stride = raw.avFrame().linesize(0);
        ByteBuffer y = AvFrames.plane(raw.avFrame(), 0, raw.height());
        byte[] out = new byte[w * h];
        for (int r = 0; r < h; r++) {
            y.get(r * stride, out, r * w, w);
        }
        return out;
    }

    private static float peak(AvRawFrame raw) {
        float[] s = new float[raw.sampleCount()];
        new org.bytedeco.javacpp.FloatPointer(raw.avFrame().data(0)).get(s);
        float peak = 0;
        for (float v : s) {
            peak = Math.max(peak, Math.abs(v));
        }
        return peak;
    }
}
