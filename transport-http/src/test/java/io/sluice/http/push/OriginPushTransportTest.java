package io.sluice.http.push;

import static io.sluice.http.push.PushChecks.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TransportException;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.Transports;
import io.sluice.http.server.HubClip;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline publishes a whole clip to {@code push+file:} (the transport found by URI scheme): the pushed
 * HLS holds every video frame of the clip and ends; a URI naming no origin is a clear error.
 */
class OriginPushTransportTest {
    @TempDir
    Path dir;

    @Test
    void aPipelinePushesAWholeClipByUri() throws Exception {
        Path out = dir.resolve("live/cam");
        try (StreamPipeline p = StreamPipeline.builder().source(MediaSources.open(HubClip.RABBIT.toString()))
                .video(VideoEncoderConfig.builder().bitrateBps(500_000).gop(Duration.ofSeconds(1)).build()).copyAudio(true)
                .transport(URI.create("push+file://" + out + "/")).build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
        }
        String media = Files.readString(out.resolve("media.m3u8"));
        assertTrue(media.endsWith("#EXT-X-ENDLIST\n"), media);
        PushChecks.Proc clip = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                "stream=nb_read_frames", "-of", "csv=p=0", HubClip.RABBIT.toString());
        PushChecks.Proc pushed = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                "stream=nb_read_frames", "-of", "csv=p=0", out.resolve("index.m3u8").toString());
        assertEquals(0, pushed.code(), pushed.err());
        String frames = pushed.out().strip().lines().findFirst().orElse(""); // HLS: the stream is listed under its program too
        assertEquals(clip.out().strip(), frames, "video frames of the clip and of the pushed HLS");
        assertTrue(Integer.parseInt(frames) > 200, pushed.out());
    }

    @Test
    void aUriWithoutAnOriginIsAClearError() {
        TransportException e = assertThrows(TransportException.class, () -> Transports.create(URI.create("push+http:relative")));
        assertTrue(e.getMessage().contains("expected: push+http://host[:port]/path/"), e.getMessage());
    }
}
