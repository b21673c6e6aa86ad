package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.hub.StreamHub;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Headless Chromium plays hub streams through the server's WHEP endpoint and player page. */
@Tag("chromium")
class WhepChromiumTest {
    private StreamHub hub;
    private WebRtcServer server;

    @BeforeEach
    void start() {
        assumeTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        hub = StreamHub.builder().replaceExistingPublisher(true).build();
        server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    static void awaitLive(StreamHub hub, String stream) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (hub.tracks(stream).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(hub.tracks(stream).isPresent(), "stream " + stream + " never went live");
    }

    /** Waits for the page's first decoded frame; returns the stats then. */
    static Map<String, Object> awaitFirstFrame(Chromium c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> s = c.map("window.sluice && window.sluice.stats");
            Object error = c.js("return window.sluice && window.sluice.error;");
            assertNull(error, "page error");
            if (s != null && Chromium.num(s, "framesDecoded") > 0) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no decoded frame in 20 s; stats: " + c.map("window.sluice && window.sluice.stats"));
    }

    static long videoFramesSent(WebRtcServer server) {
        return server.stats().sessions().stream().filter(s -> s.endpoint() == WebRtcEndpoint.WHEP)
                .mapToLong(WebRtcSessionStats::framesPublished).sum();
    }

    /** Result of watching for a while. */
    record Watch(long sent, long decoded, Map<String, Object> first, Map<String, Object> last) {
    }

    static Watch watch(WebRtcServer server, Chromium c, String stream, Duration window) throws InterruptedException {
        c.driver.get(server.httpUrl() + "watch/" + stream);
        awaitFirstFrame(c);
        Thread.sleep(1000);
        Map<String, Object> first = c.map("window.sluice.stats");
        long sent0 = videoFramesSent(server);
        Thread.sleep(window.toMillis());
        Map<String, Object> last = c.map("window.sluice.stats");
        long sent1 = videoFramesSent(server);
        long decoded = Chromium.num(last, "framesDecoded") - Chromium.num(first, "framesDecoded");
        return new Watch(sent1 - sent0, decoded, first, last);
    }

    @Test
    void chromiumWatchesClipWithOpusOverWhep() throws Exception {
        try (ClipPublisher pub = new ClipPublisher(hub, "test", ClipPublisher.RABBIT, 3, Duration.ofMillis(7800), true);
             Chromium c = new Chromium()) {
            awaitLive(hub, "test");
            Watch w = watch(server, c, "test", Duration.ofSeconds(9));
            System.out.printf("WHEP: sent %d video frames, Chromium decoded %d (%.1f %%); last stats %s; server %s%n",
                    w.sent(), w.decoded(), 100.0 * w.decoded() / Math.max(1, w.sent()), w.last(), server.stats());
            assertNull(pub.failure, "publisher failed");
            assertTrue(w.sent() > 200, "frames sent in 9 s: " + w.sent());
            assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
            assertEquals(320, Chromium.num(w.last(), "frameWidth"));
            assertEquals(240, Chromium.num(w.last(), "frameHeight"));
            assertTrue(Chromium.num(w.last(), "audioSamples") > 0, "audio samples: " + w.last());
            assertEquals(Chromium.num(w.first(), "freezeCount"), Chromium.num(w.last(), "freezeCount"),
                    "freezes after the first second: " + w.last());
        }
    }
}
