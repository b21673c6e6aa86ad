package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ffmpeg publishes x264 Main with B-frames (as OBS does by default) over RTMP into the embedded
 * {@link RtmpServer}; Chromium watches it over WHEP and gets the top rung of the stream's shared
 * {@link FfmpegRenditionLadder}, same size and without B-frames. Passed through untouched, the same stream
 * froze in Chromium (10 of 229 frames received, 33 PLIs).
 */
@Tag("chromium")
class BFramesLadderChromiumTest {
    @Test
    void chromiumPlaysAnRtmpStreamWithBFramesThroughTheLadder() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        Process ffmpeg = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().port(0).hub(hub).build().start();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).maxRungs(1).build();
             WebRtcServer server = WebRtcServer.builder(hub).renditionLadder(ladder)
                     .transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
             Chromium c = new Chromium()) {
            server.start();
            ffmpeg = BFramesWhepTest.publishX264("rtmp://127.0.0.1:" + rtmp.port() + "/live/b", 2);
            WhepChromiumTest.awaitLive(hub, "live/b");
            assertTrue(BFramesWhepTest.video(hub, "live/b").hasBFrames());
            WhepChromiumTest.Watch w = WhepChromiumTest.watch(server, c, "live/b", Duration.ofSeconds(8));
            System.out.printf("RTMP x264 -bf 2 -> ladder -> WHEP: sent %d video frames, Chromium decoded %d (%.1f %%); %s%n",
                    w.sent(), w.decoded(), 100.0 * w.decoded() / Math.max(1, w.sent()), w.context());
            assertEquals(List.of("live/b"), ladder.runningLadders(), "one shared ladder");
            assertTrue(ffmpeg.isAlive(), "ffmpeg ended early: exit " + (ffmpeg.isAlive() ? "" : ffmpeg.exitValue()));
            assertTrue(w.sent() > 150, "frames sent in 8 s: " + w.sent());
            assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
            assertEquals(640, Chromium.num(w.last(), "frameWidth"));
            assertEquals(360, Chromium.num(w.last(), "frameHeight"));
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
