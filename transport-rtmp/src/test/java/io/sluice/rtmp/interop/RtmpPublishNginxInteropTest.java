package io.sluice.rtmp.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.TransportStats;
import io.sluice.rtmp.client.RtmpTransport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishes real media with {@link RtmpTransport} to nginx-rtmp and reads it back with ffmpeg, a
 * player that shares no code with Sluice.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpPublishNginxInteropTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    NginxRtmp nginx;

    @BeforeEach
    void startNginx() throws Exception {
        assertTrue(NginxRtmp.available() && FfmpegTools.available(), "needs nginx, libnginx-mod-rtmp and ffmpeg (.ci/install-deps.sh)");
        nginx = NginxRtmp.start(dir);
    }

    @AfterEach
    void stopNginx() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
    }

    /** Starts an ffmpeg recorder playing {@code stream} and waits until nginx has it as a player. */
    private Process player(String stream, Path out) throws Exception {
        Process p = FfmpegTools.record(nginx.url(stream), out, dir.resolve(stream + "-player.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!nginx.log().contains("play: name='" + stream + "'") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(nginx.log().contains("play: name='" + stream + "'"), "ffmpeg did not start playing:\n" + nginx.log());
        return p;
    }

    @Test
    void copiedClipWithBFramesDecodesCompletely() throws Exception {
        Path clip = FfmpegTools.media("friday_640x480_6s_h264_aac.mp4");
        long published = FfmpegTools.videoPackets(clip);
        Path out = dir.resolve("copy.flv");
        Process player = player("copy", out);
        RtmpTransport rtmp = RtmpTransport.builder(URI.create(nginx.url("copy"))).build();
        TransportStats stats;
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(clip.toString()))
                .copy(true)
                .transport(rtmp)
                .realtime(true)
                .build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
            stats = rtmp.stats();
        }
        FfmpegTools.stop(player, 1500);
        FfmpegTools.Probe probe = FfmpegTools.probe(out);
        long decoded = probe.count("video");
        System.out.printf("copy: published %d video frames (%d frames, %d bytes, %d dropped), decoded %d video + %d audio frames%n",
                published, stats.framesSent(), stats.bytesSent(), stats.framesDropped(), decoded, probe.count("audio"));
        assertEquals(List.of("audio:aac", "video:h264"), probe.streams().stream().sorted().toList(), "streams: " + probe.streams());
        assertEquals(0, stats.framesDropped(), "frames dropped on loopback");
        assertTrue(decoded >= published * 0.95, "decoded " + decoded + " of " + published + " video frames");
        assertEquals(640, probe.firstVideo().width());
        assertEquals(480, probe.firstVideo().height());
        assertTrue(probe.firstVideo().keyframe(), "first decoded video frame is a keyframe");
        List<String> errors = FfmpegTools.decodeErrors(out);
        assertTrue(errors.isEmpty(), "decode errors: " + errors);
        assertTrue(probe.count("audio") > 200, "audio frames: " + probe.count("audio"));
    }

    @Test
    void encodedPatternDecodesCompletely() throws Exception {
        Path out = dir.resolve("enc.flv");
        Process player = player("enc", out);
        RtmpTransport rtmp = RtmpTransport.builder(URI.create(nginx.url("enc"))).build();
        long videoFrames;
        TransportStats stats;
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open("pattern:640x360@30"))
                .video(VideoEncoderConfig.builder().bitrateBps(1_000_000).gop(Duration.ofSeconds(1)).build())
                .transport(rtmp)
                .realtime(true)
                .duration(Duration.ofSeconds(3))
                .build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
            videoFrames = p.stats().tracks().stream().filter(t -> t.track().isVideo()).mapToLong(t -> t.framesOut()).sum();
            stats = rtmp.stats();
        }
        FfmpegTools.stop(player, 1500);
        FfmpegTools.Probe probe = FfmpegTools.probe(out);
        long decoded = probe.count("video");
        System.out.printf("encoded: published %d video frames (%d frames, %d dropped), decoded %d video + %d audio frames%n",
                videoFrames, stats.framesSent(), stats.framesDropped(), decoded, probe.count("audio"));
        assertEquals(List.of("audio:aac", "video:h264"), probe.streams().stream().sorted().toList(), "streams: " + probe.streams());
        assertTrue(decoded >= videoFrames * 0.95, "decoded " + decoded + " of " + videoFrames + " video frames");
        assertEquals(640, probe.firstVideo().width());
        assertEquals(360, probe.firstVideo().height());
        List<String> errors = FfmpegTools.decodeErrors(out);
        assertTrue(errors.isEmpty(), "decode errors: " + errors);
        assertTrue(Files.size(out) > 50_000);
    }
}
