package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.StreamPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineLifecycleTest {
    @TempDir
    Path dir;

    @Test
    void closeWhileStreamingStopsWithinASecondAndLeavesAPlayableFile() throws Exception {
        Path out = dir.resolve("closed-early.mp4");
        StreamPipeline p = StreamPipeline.builder().source(MediaSources.open(MediaTools.media("bbb_480p_30s_h264_aac51.mp4").toString()))
                .realtime(true).transport(out.toString()).build();
        p.start();
        Thread.sleep(1500);
        long t0 = System.nanoTime();
        p.close();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 1000, "close() took " + ms + " ms");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.isAlive() && t.getName().startsWith("sluice-")),
                "pipeline threads still alive after close()");
        List<MediaTools.StreamInfo> streams = MediaTools.probe(out);
        long frames = MediaTools.stream(streams, "video").frames();
        assertTrue(frames > 10 && frames < 24 * 5, "about 1.5 s of frames, got " + frames);
    }

    @Test
    void passthroughPacketsAreBitIdentical() throws Exception {
        Path source = MediaTools.media("friday_640x480_6s_h264_aac.mp4");
        Path out = dir.resolve("copy.mp4");
        try (StreamPipeline p = StreamPipeline.builder().source(MediaSources.open(source.toString())).copy(true)
                .transport(out.toString()).build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
        }
        for (String type : List.of("v", "a")) {
            List<String> expected = MediaTools.packetHashes(source, type);
            List<String> actual = MediaTools.packetHashes(out, type);
            assertEquals(expected.size(), actual.size(), type + " packet count");
            assertEquals(expected, actual, type + " packet payloads");
        }
    }

    @Test
    void durationLimitStopsAtTheRequestedMediaTime() throws Exception {
        Path out = dir.resolve("pattern.mp4");
        try (StreamPipeline p = StreamPipeline.builder().source(MediaSources.open("pattern:320x240@25"))
                .duration(Duration.ofSeconds(2)).transport(out.toString()).build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
        }
        assertEquals(50, MediaTools.stream(MediaTools.probe(out), "video").frames());
    }
}
