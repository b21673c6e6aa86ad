package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.Chromium;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Shaka Player (the {@code shaka-player} npm package, fetched with npm at test time) in headless Chromium
 * plays LL-HLS and LL-DASH of a real clip published into the hub, from a page on a {@code file:} URL (so
 * every request is cross-origin and CORS is exercised): no stall after the start, frames decoded, latency
 * (wall clock minus the playhead's program date) measured.
 */
@Tag("chromium")
class ShakaChromiumTest {
    static final String SHAKA = "shaka-player@4.16.3";
    static final int PLAY_SECONDS = 25;

    @TempDir
    Path dir;

    Path page() throws Exception {
        NpmPackage.fetch(SHAKA, "dist/shaka-player.compiled.js", dir);
        try (InputStream in = ShakaChromiumTest.class.getResourceAsStream("/shaka.html")) {
            Files.write(dir.resolve("shaka.html"), in.readAllBytes());
        }
        return dir.resolve("shaka.html");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hls/live/cam/index.m3u8", "dash/live/cam/manifest.mpd"})
    void shakaPlaysLowLatency(String manifest) throws Exception {
        Path page = page();
        StreamHub hub = StreamHub.create();
        try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub).build()) {
            server.start();
            try (HubClip clip = new HubClip(hub, "live/cam", 6); Chromium c = new Chromium("--allow-file-access-from-files")) {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (hub.tracks("live/cam").isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "never published");
                    Thread.sleep(20);
                }
                // a viewer joining a stream in progress: start the stream's segmenter and let a window build up
                java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(server.httpUrl() + "hls/live/cam/index.m3u8")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                Thread.sleep(6000);
                PlayerRun run = PlayerRun.play(c, page.toUri() + "?src=" + server.httpUrl() + manifest, PLAY_SECONDS);
                System.out.println(run.summary("Shaka " + manifest, PLAY_SECONDS));
                @SuppressWarnings("unchecked")
                List<Object> errors = (List<Object>) run.stats().get("errors");
                assertNull(clip.failure);
                assertTrue(errors.isEmpty(), "errors: " + errors);
                assertEquals(0, run.stalls(), "stalls after the start: " + run.stats().get("stallsAt"));
                assertTrue(run.decoded() >= PLAY_SECONDS * 30 * 8 / 10, "decoded " + run.decoded() + " frames");
                assertTrue(run.p50Ms() > 0 && run.p95Ms() < 6_000, "latency p50 " + run.p50Ms() + " p95 " + run.p95Ms());
            }
        } finally {
            hub.close();
        }
    }
}
