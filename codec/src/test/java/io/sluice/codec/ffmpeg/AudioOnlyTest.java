package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.Codec;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void aFileWithoutVideoIsUsableAsAudioOnly() throws Exception {
        Path m4a = tmp.resolve("rabbit-audio.m4a");
        TestMedia.remux(TestMedia.path(TestMedia.RABBIT), m4a, AVMEDIA_TYPE_AUDIO);
        try (FfmpegSource source = FfmpegSource.of(m4a.toString())) {
            List<TrackInfo> tracks = source.open();
            assertEquals(1, tracks.size());
            assertEquals(Codec.AAC, tracks.get(0).codec());
            assertTrue(MediaSources.isAudioOnly(tracks));
            MediaSourceException e = assertThrows(MediaSourceException.class, () -> MediaSources.requireVideo(source, tracks));
            assertEquals("input '" + m4a + "': no video track (tracks: #0 AAC 44100Hz 2ch); it is audio-only", e.getMessage());
            assertEquals(0, MediaSources.requireAudio(source, tracks).trackId());

            source.select(Map.of(0, Delivery.DECODED));
            long samples = 0;
            for (MediaFrame f; (f = source.read()) != null; ) {
                samples += ((AvRawFrame) f).sampleCount();
                f.release();
            }
            assertTrue(Math.abs(samples / 44_100.0 - 7.8) < 0.2, samples + " samples");
        }
    }
}
