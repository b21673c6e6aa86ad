package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ffmpeg publishes the rabbit clip (H.264 + AAC) over RTMP into the embedded {@link RtmpServer};
 * the {@link WebRtcServer} on the same {@link StreamHub} plays it to Chromium over WHEP, passing
 * H.264 through and transcoding AAC to Opus.
 *
 * <p>ffmpeg publishes from an FLV copy of the clip (stream copy, made in a temp dir), not from the
 * MP4: the MP4 stores audio and video in alternating chunks of about 0.5 s, and {@code ffmpeg -re}
 * (5.1) then sends each 0.5 s of media in one burst, as its muxer waits for the other track's chunk
 * to interleave (measured on its output: gaps of 470-480 ms; FLV input: at most ~40 ms). A live
 * encoder sends frame by frame; those bursts would reach the browser as 0.5 s freezes whatever the
 * server does, short of a playout buffer of that size.
 */
@Tag("chromium")
class RtmpWhepChromiumTest {
    static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");

    /** Copies {@code clip} into {@code dir} as FLV (stream copy: packets interleaved one by one). */
    static Path flvCopy(Path clip, Path dir) throws Exception {
        Path flv = dir.resolve("clip.flv");
        Process p = new ProcessBuilder(FFMPEG.toString(), "-hide_banner", "-loglevel", "error", "-y", "-i", clip.toString(),
                "-c", "copy", "-f", "flv", flv.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg remux to FLV failed");
        return flv;
    }

    @Test
    void chromiumWatchesRtmpPublishOverWhep(@TempDir Path tmp) throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        assertTrue(Files.isExecutable(FFMPEG), "needs " + FFMPEG);
        Process ffmpeg = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().port(0).hub(hub).build().start();
             WebRtcServer server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
             Chromium c = new Chromium()) {
            server.start();
            Path flv = flvCopy(ClipPublisher.RABBIT, tmp);
            ffmpeg = new ProcessBuilder(FFMPEG.toString(), "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "2",
                    "-i", flv.toString(), "-c", "copy", "-f", "flv",
                    "rtmp://127.0.0.1:" + rtmp.port() + "/live/x").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            WhepChromiumTest.awaitLive(hub, "live/x");
            assertEquals(Codec.AAC, hub.tracks("live/x").orElseThrow().stream().filter(TrackInfo::isAudio).findFirst()
                    .orElseThrow().codec());
            WhepChromiumTest.Watch w = WhepChromiumTest.watch(server, c, "live/x", Duration.ofSeconds(8));
            System.out.printf("RTMP -> WHEP (AAC->Opus): sent %d video frames, Chromium decoded %d (%.1f %%); %s%n",
                    w.sent(), w.decoded(), 100.0 * w.decoded() / Math.max(1, w.sent()), w.context());
            assertTrue(ffmpeg.isAlive(), "ffmpeg ended early: exit " + (ffmpeg.isAlive() ? "" : ffmpeg.exitValue()));
            assertTrue(w.sent() > 150, "frames sent in 8 s: " + w.sent());
            assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
            assertEquals(320, Chromium.num(w.last(), "frameWidth"));
            assertEquals(240, Chromium.num(w.last(), "frameHeight"));
            assertTrue(Chromium.num(w.last(), "audioSamples") > 0, "audio samples: " + w.last());
            // One shared AAC->Opus transcoding for the stream, off the UDP event loop (it used to run per
            // viewer on the loop and stalled it: 7-8 freezes in 8 s).
            assertEquals(1, server.audioTranscodings(), "shared transcodings");
            assertTrue(Chromium.num(w.last(), "audioJitterBufferMs") < 400, "audio jitter buffer: " + w.context());
            assertEquals(Chromium.num(w.first(), "freezeCount"), Chromium.num(w.last(), "freezeCount"),
                    "freezes after the first second: " + w.context());
        } finally {
            if (ffmpeg != null) {
                ffmpeg.destroy();
                if (!ffmpeg.waitFor(5, TimeUnit.SECONDS)) {
                    ffmpeg.destroyForcibly();
                }
            }
        }
    }
}
