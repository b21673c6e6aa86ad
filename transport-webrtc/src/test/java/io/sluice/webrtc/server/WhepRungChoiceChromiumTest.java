package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * ffmpeg publishes 960x540 H.264 (no B-frames, 1 s GOP) and AAC over RTMP; Chromium watches over WHEP a server with a
 * three-rung {@link FfmpegRenditionLadder} (540p passthrough, 480p, 360p). The page's quality menu pins rungs
 * ({@code POST <session>/rung}); the session switches at the rungs' keyframes while the browser sees one stream:
 * the decoded size follows, no freeze between transcoded rungs, audio keeps playing through every switch, and the
 * server's {@code <session>/state} counts the switches. A switch between the passthrough top rung and a transcoded
 * one holds or skips the picture for the ladder's latency (it runs that far behind the source): a short freeze there
 * is the known cost (see the issue 13 note).
 */
@Tag("chromium")
class WhepRungChoiceChromiumTest {
    static Process publish(String rtmpUrl) throws Exception {
        return new ProcessBuilder(BFramesWhepTest.FFMPEG.toString(), "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=s=960x540:r=30", "-f", "lavfi", "-i", "sine=f=440:r=48000",
                "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "30", "-b:v", "1800k", "-maxrate", "1800k",
                "-bufsize", "1800k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "90", "-f", "flv", rtmpUrl)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Chooses a rung in the page's quality menu and waits until Chromium decodes that height. */
    static Map<String, Object> choose(Chromium c, int rung, long height) throws InterruptedException {
        c.js("const q = document.getElementById('quality'); q.value = '" + rung + "';"
                + " q.dispatchEvent(new Event('change'));");
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        Map<String, Object> s = c.map("window.sluice.stats");
        while (System.nanoTime() < deadline && Chromium.num(s, "frameHeight") != height) {
            Thread.sleep(100);
            s = c.map("window.sluice.stats");
        }
        assertEquals(204L, ((Number) c.js("return window.sluice.rungChoice || 0;")).longValue(), "POST <session>/rung");
        assertEquals(height, Chromium.num(s, "frameHeight"), "decoded height after choosing rung " + rung + ": " + s);
        return s;
    }

    @Test
    void qualityMenuSwitchesRungsWithoutFreezeOrAudioGap() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        Process ffmpeg = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().port(0).hub(hub).build().start();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).maxRungs(3).build();
             WebRtcServer server = WebRtcServer.builder(hub).renditionLadder(ladder)
                     .transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
             Chromium c = new Chromium()) {
            server.start();
            ffmpeg = publish("rtmp://127.0.0.1:" + rtmp.port() + "/live/r");
            WhepChromiumTest.awaitLive(hub, "live/r");
            Thread.sleep(1500); // the stream's rate is measurable after 1 s: the viewer's controller starts from it
            c.driver.get(server.httpUrl() + "watch/live/r");
            Map<String, Object> first = WhepChromiumTest.awaitFirstFrame(c);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Map<String, Object> state = null;
            while (System.nanoTime() < deadline && (state == null || ((List<?>) state.get("rungs")).size() < 3)) {
                Thread.sleep(200);
                state = c.map("window.sluice.state || null");
            }
            assertEquals(List.of("live/r", "live/r~480p", "live/r~360p"), ((List<?>) state.get("rungs")).stream()
                    .map(r -> ((Map<?, ?>) r).get("stream")).toList(), "rungs: " + state);
            assertEquals(List.of("auto", "540p", "480p", "360p"), c.js("return [...document.getElementById('quality')"
                    + ".options].map(o => o.text);"));
            Thread.sleep(1000);
            Map<String, Object> start = c.map("window.sluice.stats");
            // From the passthrough top rung to a transcoded one: the top rung runs ahead of the ladder's rungs by the
            // ladder's decode and encode, so the switch holds the picture that long (a short freeze is allowed here).
            choose(c, 2, 360);
            Thread.sleep(1500);
            Map<String, Object> before = c.map("window.sluice.stats");
            // Between transcoded rungs (encoded together, aligned IDRs): no freeze.
            choose(c, 1, 480);
            Thread.sleep(1500);
            Map<String, Object> s360 = choose(c, 2, 360);
            Thread.sleep(1500);
            choose(c, 1, 480);
            Thread.sleep(1500);
            Map<String, Object> after = c.map("window.sluice.stats");
            choose(c, 0, 540);
            Thread.sleep(1500);
            c.js("const q = document.getElementById('quality'); q.value = '-1'; q.dispatchEvent(new Event('change'));");
            Thread.sleep(1000);
            Map<String, Object> end = c.map("window.sluice.stats");
            state = c.map("window.sluice.state");
            System.out.printf("rung choice: first %s%n start %s%n before %s%n after %s%n end %s%n state %s; load %s%n", first,
                    start, before, after, end, state, WhepChromiumTest.loadAvg());
            assertTrue(ffmpeg.isAlive(), "ffmpeg ended early");
            assertEquals(5L, Chromium.num(state, "switches"), "switches: " + state);
            assertEquals(-1L, Chromium.num(state, "forced"), "automatic again: " + state);
            assertEquals(Chromium.num(before, "freezeCount"), Chromium.num(after, "freezeCount"),
                    "freezes across three switches between transcoded rungs: before " + before + ", after " + after);
            long samples = Chromium.num(end, "audioSamples") - Chromium.num(start, "audioSamples");
            long concealed = Chromium.num(end, "audioConcealed") - Chromium.num(start, "audioConcealed");
            assertTrue(samples > 48_000 * 8, "audio samples while switching: " + samples);
            assertTrue(concealed < 0.02 * samples, "audio concealed across five switches: " + concealed + " of " + samples);
            assertTrue(Chromium.num(end, "totalFreezesMs") - Chromium.num(start, "totalFreezesMs") < 1500,
                    "frozen across five switches: " + start + " → " + end);
            long decoded = Chromium.num(after, "framesDecoded") - Chromium.num(before, "framesDecoded");
            assertTrue(decoded > 20L * 4, "frames decoded while switching: " + decoded + " (s360 " + s360 + ")");
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
