package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.RenditionLadder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WindowType;

/**
 * Chromium publishes its fake 1280x720 camera through WHIP as RFC 8853 simulcast, three RID layers
 * (q = 1/4, h = 1/2, f = full size, H.264); Sluice publishes each layer as its own hub stream without
 * transcoding: the largest as {@code cam}, the others as {@code cam~q} and {@code cam~h}. Each hub stream is
 * recorded and decoded by ffprobe at the size its SPS gives, and a WHEP viewer of {@code cam} (a second tab)
 * decodes the full-size layer.
 */
@Tag("chromium")
class SimulcastWhipChromiumTest {
    @TempDir
    Path dir;

    @Test
    void chromiumSimulcastLayersBecomeThreeHubStreams() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        List<String> names = List.of("cam", "cam~h", "cam~q");
        Map<String, String> ridOf = Map.of("cam", "f", "cam~h", "h", "cam~q", "q");
        Map<String, Long> sentWhileRecording = new LinkedHashMap<>();
        Map<String, TrackInfo> video = new LinkedHashMap<>();
        Map<String, Path> files = new LinkedHashMap<>();
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build();
             Chromium c = new Chromium()) {
            server.start();
            c.driver.get(server.httpUrl() + "publish/cam?simulcast&fps=30");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !names.stream().allMatch(n -> hub.tracks(n).isPresent())) {
                assertNull(c.js("return window.sluice.error;"), "page error");
                Thread.sleep(50);
            }
            System.out.println("Chromium's offer:\n" + c.js("return window.sluice.offer || '';"));
            System.out.println("Sluice's answer:\n" + c.js("return window.sluice.answer || '';"));
            System.out.println("Chromium's layers: " + c.js("return window.sluice.layers;"));
            for (String n : names) {
                assertTrue(hub.tracks(n).isPresent(), "stream " + n + " never went live; Chromium's layers "
                        + c.js("return window.sluice.layers;") + ", its bandwidth estimate "
                        + c.js("return window.sluice.availableOutgoingBitrate;") + " bit/s; server " + server.stats());
                video.put(n, hub.tracks(n).orElseThrow().stream().filter(TrackInfo::isVideo).findFirst().orElseThrow());
            }
            System.out.println("hub video tracks: " + video);
            // Chromium gives the full-size layer its bit rate only once its bandwidth estimate allows (the first run
            // on a cold JVM saw f at a few fps, "bandwidth"-limited, for ~10 s): wait for that before recording.
            long rampStart = System.nanoTime();
            long rampEnd = rampStart + Duration.ofSeconds(25).toNanos();
            while (System.nanoTime() < rampEnd && !fullRate(c.map("window.sluice.layers"))) {
                Thread.sleep(250);
            }
            System.out.printf("Chromium's layers after %d ms of ramp-up: %s; its bandwidth estimate %s bit/s%n",
                    (System.nanoTime() - rampStart) / 1_000_000, c.js("return window.sluice.layers;"),
                    c.js("return window.sluice.availableOutgoingBitrate;"));
            Map<String, Object> before = c.map("window.sluice.layers");
            List<StreamPipeline> recordings = new ArrayList<>();
            try {
                for (String n : names) {
                    Path out = dir.resolve(n.replace('~', '_') + ".mkv");
                    files.put(n, out);
                    StreamPipeline p = StreamPipeline.builder().source(hub.source(n, Duration.ofSeconds(5), 512))
                            .copy(true).transport(out.toString()).build();
                    recordings.add(p);
                    p.start();
                }
                Thread.sleep(5000);
            } finally {
                for (StreamPipeline p : recordings) {
                    p.close();
                }
            }
            List<RenditionLadder.Rung> rungs = server.simulcastRungs("cam");
            Map<String, Object> layers = c.map("window.sluice.layers");
            for (String n : names) {
                sentWhileRecording.put(n, Chromium.num(layer(layers, ridOf.get(n)), "framesSent")
                        - Chromium.num(layer(before, ridOf.get(n)), "framesSent"));
            }
            System.out.println("rungs: " + rungs + "\nChromium's layers: " + layers + "\nserver " + server.stats());
            assertEquals(names, rungs.stream().map(RenditionLadder.Rung::streamName).toList());
            for (RenditionLadder.Rung r : rungs) {
                TrackInfo t = video.get(r.streamName());
                assertEquals(t.width(), r.width(), r.toString());
                assertEquals(t.height(), r.height(), r.toString());
                assertTrue(r.bitrateBps() > 10_000, "bit rate of " + r);
                assertTrue(r.passthrough());
            }
            // The hub streams carry Chromium's layers as encoded: q at a quarter, h at half, f at full size (as Chromium
            // reported them when all ran at full rate: later it may pause f for a while, reporting no size).
            for (String n : names) {
                Map<String, Object> layer = layer(before, ridOf.get(n));
                assertEquals(Chromium.num(layer, "width"), video.get(n).width(), n + " vs Chromium's " + layer);
                assertEquals(Chromium.num(layer, "height"), video.get(n).height(), n + " vs Chromium's " + layer);
            }
            assertEquals(1280, video.get("cam").width());
            assertEquals(720, video.get("cam").height());
            assertEquals(640, video.get("cam~h").width());
            assertEquals(320, video.get("cam~q").width());

            // A WHEP viewer of the base stream, in a second tab, plays the full-size layer.
            String publisher = c.driver.getWindowHandle();
            Map<String, Object> first;
            Map<String, Object> watched;
            Map<String, Long> hubFrames = new LinkedHashMap<>();
            List<WhepChromiumTest.SenderMonitor> counters = new ArrayList<>();
            try {
                for (String n : names) {
                    counters.add(new WhepChromiumTest.SenderMonitor(hub, n));
                }
                c.driver.switchTo().newWindow(WindowType.TAB);
                c.driver.get(server.httpUrl() + "watch/cam");
                first = WhepChromiumTest.awaitFirstFrame(c);
                long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                do {
                    Thread.sleep(250);
                    watched = c.map("window.sluice.stats");
                } while (System.nanoTime() < until && Chromium.num(watched, "framesDecoded") < 30);
            } finally {
                for (int i = 0; i < counters.size(); i++) {
                    hubFrames.put(names.get(i), counters.get(i).videoFrames.get());
                    counters.get(i).close();
                }
            }
            String viewer = c.driver.getWindowHandle();
            c.driver.switchTo().window(publisher);
            System.out.println("WHEP viewer of cam: first " + first + ", then " + watched + "; hub video frames"
                    + " meanwhile " + hubFrames + "; Chromium's layers " + c.js("return window.sluice.layers;"));
            c.driver.switchTo().window(viewer);
            assertEquals(1280, Chromium.num(watched, "frameWidth"));
            assertEquals(720, Chromium.num(watched, "frameHeight"));
            // At least 30 frames of the full-size layer (the GOP cache and live ones). Not more: on this 2-core
            // machine Chromium sometimes sends its full-size layer at a few fps for a while (OpenH264 dropping frames
            // with no limitation reason reported, or "bandwidth"-limited right after the viewer's burst), and that is
            // all the hub stream cam gets.
            assertTrue(Chromium.num(watched, "framesDecoded") >= 30, "viewer decoding: " + first + " then " + watched);
        }
        Set<String> sizes = new HashSet<>();
        for (String n : names) {
            Path out = files.get(n);
            Process probe = new ProcessBuilder("/usr/bin/ffprobe", "-v", "error", "-count_frames", "-select_streams",
                    "v:0", "-show_entries", "stream=codec_name,nb_read_frames,width,height", "-of", "default=nw=1",
                    out.toString()).redirectErrorStream(true).start();
            String text = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(probe.waitFor(60, TimeUnit.SECONDS));
            System.out.println("ffprobe " + n + " (" + Files.size(out) + " bytes): " + text.replace('\n', ' '));
            long frames = Long.parseLong(text.replaceAll("(?s).*nb_read_frames=(\\d+).*", "$1"));
            String size = text.replaceAll("(?s).*width=(\\d+).*height=(\\d+).*", "$1x$2");
            assertTrue(text.contains("codec_name=h264"), text);
            assertEquals(video.get(n).width() + "x" + video.get(n).height(), size, n);
            // The recording starts at the hub's GOP cache, so it may hold more than was sent meanwhile, not less.
            System.out.printf("%s: decoded %d frames of a 5 s recording; Chromium sent %d of layer %s meanwhile%n", n,
                    frames, sentWhileRecording.get(n), ridOf.get(n));
            assertTrue(frames >= 10, n + ": decoded " + frames);
            assertTrue(frames >= 0.9 * sentWhileRecording.get(n), n + ": decoded " + frames + " frames, Chromium sent "
                    + sentWhileRecording.get(n));
            sizes.add(size);
        }
        assertEquals(3, sizes.size(), "three different resolutions: " + sizes);
    }

    /**
     * The full-size layer starts inactive ({@code ?simulcast=late}), as when Chromium's bandwidth estimate ramps up
     * slowly: after {@value WhipSession#LAYER_WAIT_MS} ms the half-size layer is published as {@code cam}; once the
     * page activates the full-size layer, it takes {@code cam} and the half-size one moves to {@code cam~h}.
     */
    @Test
    void lateTopLayerTakesTheStreamName() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build();
             Chromium c = new Chromium()) {
            server.start();
            c.driver.get(server.httpUrl() + "publish/cam?simulcast=late&fps=30");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && (hub.tracks("cam").isEmpty() || hub.tracks("cam~q").isEmpty())) {
                assertNull(c.js("return window.sluice.error;"), "page error");
                Thread.sleep(50);
            }
            String offer = (String) c.js("return window.sluice.offer || '';");
            System.out.println("Chromium's simulcast line with f inactive: "
                    + offer.lines().filter(l -> l.startsWith("a=simulcast")).toList() + "; layers "
                    + c.js("return window.sluice.layers;"));
            assertEquals(640, width(hub, "cam"), "before f: cam is the half-size layer");
            assertEquals(320, width(hub, "cam~q"));
            assertTrue(hub.tracks("cam~h").isEmpty());
            assertEquals(List.of("cam", "cam~q"), server.simulcastRungs("cam").stream()
                    .map(RenditionLadder.Rung::streamName).toList());

            c.js("window.sluice.activateAll();");
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && (width(hub, "cam") != 1280 || width(hub, "cam~h") != 640)) {
                Thread.sleep(50);
            }
            List<RenditionLadder.Rung> rungs = server.simulcastRungs("cam");
            System.out.println("after activating f: rungs " + rungs + "; Chromium's layers "
                    + c.js("return window.sluice.layers;"));
            assertEquals(1280, width(hub, "cam"));
            assertEquals(640, width(hub, "cam~h"));
            assertEquals(320, width(hub, "cam~q"));
            assertEquals(List.of("cam", "cam~h", "cam~q"), rungs.stream().map(RenditionLadder.Rung::streamName).toList());
            assertEquals(List.of(1280, 640, 320), rungs.stream().map(RenditionLadder.Rung::width).toList());
        }
    }

    /** The width of a live hub stream's video, or -1. */
    private static int width(StreamHub hub, String stream) {
        return hub.tracks(stream).flatMap(t -> t.stream().filter(TrackInfo::isVideo).findFirst())
                .map(TrackInfo::width).orElse(-1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> layer(Map<String, Object> layers, String rid) {
        return layers == null ? null : (Map<String, Object>) layers.get(rid);
    }

    /** Whether Chromium reports its full-size layer at 10 fps or more, not limited by bandwidth. */
    private static boolean fullRate(Map<String, Object> layers) {
        Map<String, Object> f = layer(layers, "f");
        return f != null && Chromium.num(f, "fps") >= 10 && "none".equals(f.get("qualityLimitationReason"));
    }
}
