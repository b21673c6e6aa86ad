package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.codec.ffmpeg.PatternSource;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.MediaSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaSourcesTest {
    @Test
    void patternInputs() {
        assertEquals("pattern:1280x720@30", MediaSources.open("pattern").name());
        assertEquals("pattern:1280x720@30", MediaSources.open("pattern:").name());
        assertEquals("pattern:1920x1080@60", MediaSources.open("pattern:1920x1080@60").name());
        assertEquals("pattern:640x360@30", MediaSources.open("PATTERN:640x360").name());
        assertEquals("pattern:1280x720@25", MediaSources.open("pattern:@25").name());
        try (MediaSource s = MediaSources.open("pattern:320x240@30000/1001")) {
            assertInstanceOf(PatternSource.class, s);
            List<TrackInfo> tracks = s.open();
            assertEquals(Rational.of(30000, 1001), tracks.get(0).frameRate().orElseThrow());
            assertEquals(320, MediaSources.requireVideo(s, tracks).width());
            assertFalse(MediaSources.isAudioOnly(tracks));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MediaSources.open("pattern:big"));
        assertEquals("pattern: 'big' (expected: pattern:[WIDTHxHEIGHT][@FPS], e.g. pattern:1920x1080@30)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MediaSources.open("pattern:7x7"));
        assertThrows(IllegalArgumentException.class, () -> MediaSources.open(" "));
    }

    @Test
    void everythingElseIsFfmpeg() {
        MediaSource file = MediaSources.open("/tmp/some.mp4");
        assertInstanceOf(FfmpegSource.class, file);
        assertFalse(file.isLive());
        assertTrue(MediaSources.open("rtmp://example.com/live/key").isLive());
        assertTrue(MediaSources.open("srt://127.0.0.1:9000").isLive());
        assertFalse(MediaSources.open("https://example.com/a.mp4").isLive());
        assertEquals("patterns.mp4", MediaSources.open("patterns.mp4").name());
    }
}
