package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP server on loopback, fed by a real clip published into a hub, read by a plain HTTP client and FFmpeg. */
class HttpDeliveryServerTest {
    StreamHub hub;
    HttpDeliveryServer server;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base;

    @BeforeEach
    void setUp() {
        hub = StreamHub.create();
        server = HttpDeliveryServer.builder(hub).build();
        server.start();
        base = server.httpUrl();
    }

    @AfterEach
    void tearDown() {
        server.close();
        hub.close();
    }

    HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void unknownPathsAndStreamsAre404() throws Exception {
        assertEquals(404, get("nothing").statusCode());
        assertEquals(404, get("hls/").statusCode());
        assertEquals(404, get("hls/nostream/index.m3u8").statusCode());
        HttpResponse<byte[]> js = get("hls/hls.min.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.body().length > 100_000, "hls.js from the webjar");
    }

    @Test
    void servesLlHlsAndPlainHlsFromARealClip() throws Exception {
        try (HubClip clip = new HubClip(hub, "live/cam", 3)) {
            waitPublished("live/cam");
            long t0 = System.nanoTime();
            HttpResponse<byte[]> mv = get("hls/live/cam/index.m3u8");
            assertEquals(200, mv.statusCode(), text(mv));
            String multivariant = text(mv);
            assertTrue(multivariant.matches("(?s).*#EXT-X-STREAM-INF:BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,CODECS=\"avc1\\.[0-9A-F]{6},mp4a\\.40\\.2\",RESOLUTION=320x240.*media\\.m3u8\n"),
                    multivariant);
            assertEquals("*", mv.headers().firstValue("access-control-allow-origin").orElse(null));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(8), "first playlist within a segment or so");

            HttpResponse<byte[]> mp = get("hls/live/cam/media.m3u8");
            String media = text(mp);
            assertTrue(media.contains("#EXT-X-PART-INF:PART-TARGET=0.25000"), media);
            assertEquals("application/vnd.apple.mpegurl", mp.headers().firstValue("content-type").orElse(null));
            Matcher hint = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"").matcher(media);
            assertTrue(hint.find(), media);

            // the preload-hinted part and a blocking reload for it, requested at once, both answered as it closes
            long msn = Long.parseLong(hint.group(1));
            int part = Integer.parseInt(hint.group(2));
            long t1 = System.nanoTime();
            CompletableFuture<HttpResponse<byte[]>> partF = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/part-" + msn + "." + part + ".m4s")).build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> blocked = get("hls/live/cam/media.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + part);
            long waitedMs = (System.nanoTime() - t1) / 1_000_000;
            assertEquals(200, blocked.statusCode(), text(blocked));
            assertTrue(text(blocked).contains("part-" + msn + "." + part + ".m4s"), text(blocked));
            assertTrue(waitedMs < 1000, "blocked for " + waitedMs + " ms (one part is 250 ms)");
            HttpResponse<byte[]> partR = partF.get(5, TimeUnit.SECONDS);
            assertEquals(200, partR.statusCode());
            assertEquals("public, max-age=31536000, immutable", partR.headers().firstValue("cache-control").orElse(null));
            assertEquals("moof", new String(partR.body(), 4, 4, StandardCharsets.US_ASCII));

            // 400 for an _HLS_msn far in the future, no waiting
            HttpResponse<byte[]> far = get("hls/live/cam/media.m3u8?_HLS_msn=" + (msn + 100));
            assertEquals(400, far.statusCode());
            assertEquals("no-store", far.headers().firstValue("cache-control").orElse(null));
            assertEquals(404, get("hls/live/cam/seg-999999.m4s").statusCode());
            assertEquals(404, get("hls/live/cam/bogus.txt").statusCode());

            // plain HLS from the same segments, decoded by FFmpeg
            String plain = text(get("hls/live/cam/plain-media.m3u8"));
            assertFalse(plain.contains("EXT-X-PART"), plain);
            assertTrue(plain.contains("#EXT-X-TARGETDURATION:2"), plain);
            Process ff = new ProcessBuilder("ffmpeg", "-v", "error", "-i", base + "hls/live/cam/plain.m3u8", "-t", "3", "-f", "null", "-")
                    .redirectErrorStream(true).start();
            String ffOut = new String(ff.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(ff.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, ff.exitValue(), ffOut);
            assertEquals("", ffOut.strip());

            // a blocking request held until the publisher leaves is released with 503
            CompletableFuture<HttpResponse<byte[]>> held = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/media.m3u8?_HLS_msn=" + (lastMsn(text(get("hls/live/cam/media.m3u8"))) + 2))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            Thread.sleep(100);
            assertEquals(1, server.delivery().blockedRequests());
            long t2 = System.nanoTime();
            clip.close();
            HttpResponse<byte[]> released = held.get(10, TimeUnit.SECONDS);
            assertEquals(503, released.statusCode(), text(released));
            assertTrue(System.nanoTime() - t2 < TimeUnit.SECONDS.toNanos(5));
            assertEquals(0, server.delivery().blockedRequests());
            assertNull(clip.failure);
        }
    }

    static long lastMsn(String playlist) {
        Matcher m = Pattern.compile("seg-(\\d+)\\.m4s").matcher(playlist);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    void waitPublished(String stream) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (hub.tracks(stream).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "stream never published");
            Thread.sleep(20);
        }
    }
}
