package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.Chromium;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * hls.js (from the webjar the server ships) in headless Chromium plays a real clip published into the hub,
 * low-latency and plain: it starts, never stalls after the start, decodes frames at the clip's rate, and
 * the latency (wall clock minus the playing program-date-time) is measured. Bounds are loose (a loaded CI
 * machine); the figures are printed. Plain HLS sits 3 target durations behind the playlist end (RFC 8216
 * §6.3.3), so 6-8 s with 2 s segments.
 */
@Tag("chromium")
class HlsJsChromiumTest {
    static final int PLAY_SECONDS = 25;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void hlsJsPlaysWithoutStalling(boolean lowLatency) throws Exception {
        StreamHub hub = StreamHub.create();
        try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub).build()) {
            server.start();
            try (HubClip clip = new HubClip(hub, "live/cam", 6); Chromium c = new Chromium()) {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (hub.tracks("live/cam").isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "never published");
                    Thread.sleep(20);
                }
                // a viewer joining a stream in progress: the server has a window of segments (the first request starts it)
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                deadline = System.nanoTime() + 30_000_000_000L;
                while (true) {
                    String plain = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.httpUrl()
                            + "hls/live/cam/plain-media.m3u8")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    if (plain.lines().filter(l -> l.startsWith("seg-")).count() >= 4) {
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "no window of 4 segments: " + plain);
                    Thread.sleep(500);
                }
                String what = lowLatency ? "hls.js LL-HLS" : "hls.js plain HLS";
                PlayerRun run = PlayerRun.play(c, server.httpUrl() + "hls/live/cam/player.html" + (lowLatency ? "?debug" : "?plain&debug"),
                        PLAY_SECONDS);
                System.out.println(run.summary(what, PLAY_SECONDS));
                Map<String, Object> s = run.stats();
                if (s.get("logs") != null) {
                    java.nio.file.Files.write(java.nio.file.Path.of("target/hlsjs-" + lowLatency + ".log"),
                            ((List<?>) s.get("logs")).stream().map(Object::toString).toList());
                }
                @SuppressWarnings("unchecked")
                List<Object> errors = (List<Object>) s.get("errors");
                long decoded = run.decoded();
                long p50 = run.p50Ms();
                long p95 = run.p95Ms();
                assertNull(clip.failure);
                assertEquals(0, Chromium.num(s, "stalls"), "stalls after the start: " + s.get("stallsAt"));
                assertTrue(errors.stream().noneMatch(e -> e.toString().startsWith("FATAL")), "errors: " + errors);
                assertTrue(decoded >= PLAY_SECONDS * 30 * 8 / 10, "decoded " + decoded + " frames in " + PLAY_SECONDS + " s (30 fps)");
                assertTrue(p50 > 0 && p95 < (lowLatency ? 4_000 : 12_000), "latency p50 " + p50 + " p95 " + p95);
            }
        } finally {
            hub.close();
        }
    }
}
