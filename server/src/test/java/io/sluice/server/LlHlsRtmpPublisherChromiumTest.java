package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.http.server.HubClip;
import io.sluice.http.server.PlayerRun;
import io.sluice.webrtc.server.Chromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * hls.js in headless Chromium plays LL-HLS for 60 s of a stream that FFmpeg publishes over RTMP ({@code -re
 * -stream_loop -1}, x264 {@code zerolatency}, AAC copied), the path of OBS and FFmpeg users: no stall after the
 * start, no {@code bufferStalledError}, frames decoded at the source's rate, latency printed (bound loose for a
 * loaded machine).
 *
 * <p>Why this publisher: FFmpeg interleaves audio and video by decode time, so when the video keyframe that ends a
 * segment arrives, the audio frame after the cut has not. A segmenter that closed the part then left the segment's
 * audio up to one AAC frame short of its video; in hls.js 1.4 (audio and video in one {@code SourceBuffer}) the
 * buffered end then fell short of the segment's end, and once that exceeded its 10 ms look-up tolerance hls.js
 * loaded nothing more for 4-5 s (a stall within the first 20 s, the shortfall drifting 3 ms a segment). A clip
 * published straight into the hub ({@link HubClip}) sends its audio ahead of the encoded video and never showed it.
 */
@Tag("chromium")
class LlHlsRtmpPublisherChromiumTest {
    static final int PLAY_SECONDS = 60;

    @Test
    void hlsJsPlaysAnRtmpPublishedStreamForAMinuteWithoutStalling() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).build().start();
             Chromium c = new Chromium()) {
            Path log = Files.createTempFile("sluice-ffmpeg-", ".log");
            Process ffmpeg = new ProcessBuilder("/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
                    "-stream_loop", "-1", "-i", HubClip.RABBIT.toString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune",
                    "zerolatency", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "500k", "-c:a", "copy",
                    "-f", "flv", server.rtmpUrl("live/cam")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                // a viewer joining a stream in progress, as HttpLatencyBenchmark does
                HttpDeliveryOnSharedPortTest.awaitSegments(server, "live/cam", 4, null);
                PlayerRun run = PlayerRun.play(c, server.httpUrl() + "hls/live/cam/player.html?debug", PLAY_SECONDS);
                System.out.println(run.summary("hls.js LL-HLS of an FFmpeg RTMP publisher", PLAY_SECONDS));
                if (run.stats().get("logs") instanceof List<?> l && run.stalls() > 0) {
                    Path out = Path.of("target/hlsjs-rtmp-publisher.log");
                    Files.write(out, l.stream().map(Object::toString).toList());
                    System.out.println("hls.js log: " + out.toAbsolutePath());
                }
                @SuppressWarnings("unchecked")
                List<Object> errors = (List<Object>) run.stats().get("errors");
                assertTrue(ffmpeg.isAlive(), "ffmpeg ended: " + Files.readString(log));
                assertEquals(0, run.stalls(), "stalls after the start: " + run.stats().get("stallsAt") + ", errors " + errors);
                assertTrue(errors.stream().noneMatch(e -> e.toString().startsWith("FATAL") || e.toString().contains("Stalled")),
                        "errors: " + errors);
                assertTrue(run.decoded() >= PLAY_SECONDS * 30 * 8 / 10, "decoded " + run.decoded() + " frames in " + PLAY_SECONDS
                        + " s (30 fps)");
                assertTrue(run.p50Ms() > 0 && run.p95Ms() < 4_000, "latency p50 " + run.p50Ms() + " p95 " + run.p95Ms());
            } finally {
                ffmpeg.destroy();
                ffmpeg.waitFor(5, TimeUnit.SECONDS);
                Files.deleteIfExists(log);
            }
        }
    }
}
