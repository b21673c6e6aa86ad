package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * dash.js (the {@code dashjs} npm package, fetched with npm at test time) in headless Chromium plays the
 * MPD of a real clip published into the hub, low-latency (chunks as produced) and plain (whole segments, the
 * page's {@code ?plain}): it starts, does not stall after the start, decodes frames, and its live latency is
 * measured. Bounds are loose (a loaded CI machine); {@code HttpLatencyBenchmark} measures the figures.
 */
@Tag("chromium")
class DashJsChromiumTest {
    static final String DASHJS = "dashjs@4.7.4";
    static final int PLAY_SECONDS = 25;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void dashJsPlays(boolean lowLatency) throws Exception {
        Path script = NpmPackage.fetch(DASHJS, "dist/dash.all.min.js", dir);
        StreamHub hub = StreamHub.create();
        try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub).delivery(d -> d.dashPlayerScript(script)).build()) {
            server.start();
            try (HubClip clip = new HubClip(hub, "live/cam", 6); Chromium c = new Chromium()) {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (hub.tracks("live/cam").isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "never published");
                    Thread.sleep(20);
                }
                HttpClient http = HttpClient.newHttpClient();
                String mpd = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "dash/live/cam/manifest.mpd")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(mpd.contains("availabilityTimeComplete=\"false\"") && mpd.contains("<ServiceDescription")
                        && mpd.contains("urn:mpeg:dash:utc:http-iso:2014"), mpd);
                Thread.sleep(6000); // a viewer joining a stream in progress
                PlayerRun run = PlayerRun.play(c, server.httpUrl() + "dash/live/cam/player.html" + (lowLatency ? "" : "?plain"),
                        PLAY_SECONDS);
                System.out.println(run.summary(lowLatency ? "dash.js LL-DASH" : "dash.js plain DASH", PLAY_SECONDS));
                Map<String, Object> s = run.stats();
                long decoded = run.decoded();
                long p50 = run.p50Ms();
                long p95 = run.p95Ms();
                assertNull(clip.failure);
                assertEquals(0, Chromium.num(s, "stalls"), "stalls after the start: " + s.get("stallsAt"));
                assertTrue(decoded >= PLAY_SECONDS * 30 * 8 / 10, "decoded " + decoded + " frames in " + PLAY_SECONDS + " s (30 fps)");
                assertTrue(p50 > 0 && p95 < (lowLatency ? 4_000 : 12_000), "latency p50 " + p50 + " p95 " + p95);
            }
        } finally {
            hub.close();
        }
    }
}
