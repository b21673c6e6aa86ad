package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.MediaSourceException;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.UnsupportedSchemeException;
import io.sluice.core.VideoEncoderConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input fails that one pipeline with a typed exception naming the input and the cause, within 5 s,
 * and leaves no thread behind.
 */
class PipelineBadInputTest {
    @TempDir
    Path dir;

    private Set<String> threadsBefore;

    @BeforeEach
    void rememberThreads() {
        threadsBefore = sluiceThreads();
    }

    @AfterEach
    void noThreadLeft() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        Set<String> now = sluiceThreads();
        while (!now.equals(threadsBefore) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = sluiceThreads();
        }
        assertEquals(threadsBefore, now, "pipeline threads left behind");
    }

    private static Set<String> sluiceThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("sluice-")).collect(Collectors.toSet());
    }

    /** Runs a pipeline from {@code input} to an MP4 and returns the failure it ends with. */
    private SluiceException failureOf(String input) {
        long t0 = System.nanoTime();
        SluiceException e = assertThrows(SluiceException.class, () -> {
            try (StreamPipeline p = StreamPipeline.builder().source(MediaSources.open(input))
                    .transport(dir.resolve("out.mp4").toString()).build()) {
                p.start();
                try {
                    p.completion().get(5, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    throw ex.getCause();
                }
            }
        });
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 5000, "failure took " + ms + " ms");
        return e;
    }

    @Test
    void missingFile() {
        String input = dir.resolve("no-such-clip.mp4").toString();
        SluiceException e = failureOf(input);
        assertTrue(e instanceof MediaSourceException, e.toString());
        assertTrue(e.getMessage().contains(input), e.getMessage());
        assertTrue(e.getMessage().contains("avformat_open_input"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("no such file"), e.getMessage());
    }

    @Test
    void truncatedMp4() throws Exception {
        byte[] clip = Files.readAllBytes(MediaTools.media("flower_960x540_5s_h264_aac.mp4"));
        Path cut = dir.resolve("flower-cut.mp4");
        Files.write(cut, java.util.Arrays.copyOf(clip, clip.length / 3));
        SluiceException e = failureOf(cut.toString());
        assertTrue(e instanceof MediaSourceException, e.toString());
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void fileWithoutVideo() throws Exception {
        Path audioOnly = dir.resolve("audio-only.m4a");
        MediaTools.run(60, MediaTools.systemFfmpeg(), "-v", "error", "-i", MediaTools.media("friday_640x480_6s_h264_aac.mp4").toString(),
                "-vn", "-c:a", "copy", audioOnly.toString());
        SluiceException e = failureOf(audioOnly.toString());
        assertTrue(e instanceof MediaSourceException, e.toString());
        assertTrue(e.getMessage().contains(audioOnly.toString()) && e.getMessage().contains("no video stream"), e.getMessage());
    }

    @Test
    void unknownScheme() {
        UnsupportedSchemeException e = assertThrows(UnsupportedSchemeException.class, () ->
                StreamPipeline.builder().source(MediaSources.open("pattern")).transport("foo://example/live").build());
        assertTrue(e.getMessage().contains("foo://example/live") && e.getMessage().contains("scheme 'foo'"), e.getMessage());
    }

    @Test
    void invalidBitrate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VideoEncoderConfig.builder().bitrateBps(0));
        assertTrue(e.getMessage().startsWith("bitrate: 0 bit/s (expected: "), e.getMessage());
    }

    @Test
    void aBadPipelineDoesNotDisturbAGoodOneRunningBesideIt() throws Exception {
        Path good = dir.resolve("good.mp4");
        try (StreamPipeline ok = StreamPipeline.builder().source(MediaSources.open(MediaTools.media("bbb_rabbit_320x240_8s_h264_aac.mp4").toString()))
                .transport(good.toString()).build()) {
            ok.start();
            failureOf(dir.resolve("missing.mp4").toString());
            ok.completion().get(60, TimeUnit.SECONDS);
        }
        assertEquals(234, MediaTools.stream(MediaTools.probe(good), "video").frames());
    }
}
