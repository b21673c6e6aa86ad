package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HLS, LL-HLS and LL-DASH over HTTP/2 in clear text (h2c) from the standalone server, fed by a real clip: curl
 * with prior knowledge and with the HTTP/1.1 Upgrade, and the JDK's HTTP/2 client multiplexing a blocking
 * reload, a part and a chunk-streamed DASH segment on one connection. Every response is checked to have come
 * over HTTP/2.
 */
class Http2DeliveryTest {
    StreamHub hub;
    HttpDeliveryServer server;
    String base;
    /** HTTP/2 over clear text: the JDK client upgrades its first request (h2c) and multiplexes the rest. */
    final HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() {
        assertTrue(Curl.hasHttp2(), "needs curl with HTTP/2 (Debian's curl, nghttp2)");
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
        HttpResponse<byte[]> r = h2.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(HttpClient.Version.HTTP_2, r.version(), path);
        return r;
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void curlGetsPlaylistsPartsAnd404sOverH2cByPriorKnowledgeAndByUpgrade() throws Exception {
        try (HubClip clip = new HubClip(hub, "live/cam", 3)) {
            awaitPublished();
            Curl.Response mv = Curl.get(base + "hls/live/cam/index.m3u8", "--http2-prior-knowledge");
            assertEquals("2", mv.httpVersion(), "prior knowledge: " + mv.headers());
            assertEquals(200, mv.status(), mv.text());
            assertTrue(mv.text().contains("#EXT-X-STREAM-INF:"), mv.text());
            assertEquals("*", mv.header("access-control-allow-origin"));
            assertNull(mv.header("connection"), "no connection-specific header over HTTP/2 (RFC 9113 §8.2.2)");

            Curl.Response media = Curl.get(base + "hls/live/cam/media.m3u8", "--http2");
            assertEquals("2", media.httpVersion(), "h2c upgrade: " + media.headers());
            assertTrue(media.headers().startsWith("HTTP/1.1 101"), media.headers());
            assertEquals("application/vnd.apple.mpegurl", media.header("content-type"));
            Matcher hint = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"").matcher(media.text());
            assertTrue(hint.find(), media.text());

            // the preload-hinted part: held until it closes, then sent whole, immutable
            Curl.Response part = Curl.get(base + "hls/live/cam/part-" + hint.group(1) + "." + hint.group(2) + ".m4s",
                    "--http2-prior-knowledge");
            assertEquals("2", part.httpVersion());
            assertEquals(200, part.status());
            assertEquals("public, max-age=31536000, immutable", part.header("cache-control"));
            assertEquals("moof", new String(part.body(), 4, 4, StandardCharsets.US_ASCII));
            assertEquals(String.valueOf(part.body().length), part.header("content-length"));

            Curl.Response missing = Curl.get(base + "hls/live/cam/seg-999999.m4s", "--http2-prior-knowledge");
            assertEquals("2", missing.httpVersion());
            assertEquals(404, missing.status());
            Curl.Response nowhere = Curl.get(base + "nothing/here", "--http2");
            assertEquals("2", nowhere.httpVersion());
            assertEquals(404, nowhere.status());
            // HTTP/1.1 clients keep working on the same port
            Curl.Response h1 = Curl.get(base + "hls/live/cam/index.m3u8", "--http1.1");
            assertEquals("1.1", h1.httpVersion());
            assertEquals(200, h1.status());
            assertNull(clip.failure);
        }
    }

    @Test
    void blockingReloadAndPartShareOneHttp2ConnectionAndAHeldReloadGets503WhenTheStreamEnds() throws Exception {
        try (HubClip clip = new HubClip(hub, "live/cam", 3)) {
            awaitPublished();
            String media = text(get("hls/live/cam/media.m3u8")); // upgrades the connection
            Matcher hint = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"").matcher(media);
            assertTrue(hint.find(), media);
            long msn = Long.parseLong(hint.group(1));
            int part = Integer.parseInt(hint.group(2));
            long t0 = System.nanoTime();
            CompletableFuture<HttpResponse<byte[]>> partF = h2.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/part-" + msn + "." + part + ".m4s")).build(), HttpResponse.BodyHandlers.ofByteArray());
            HttpResponse<byte[]> blocked = get("hls/live/cam/media.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + part);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, blocked.statusCode(), text(blocked));
            assertTrue(text(blocked).contains("part-" + msn + "." + part + ".m4s"), text(blocked));
            assertTrue(waitedMs < 1000, "blocked for " + waitedMs + " ms (one part is 250 ms)");
            HttpResponse<byte[]> partR = partF.get(5, TimeUnit.SECONDS);
            assertEquals(HttpClient.Version.HTTP_2, partR.version());
            assertEquals("moof", new String(partR.body(), 4, 4, StandardCharsets.US_ASCII));
            assertEquals(400, get("hls/live/cam/media.m3u8?_HLS_msn=" + (msn + 100)).statusCode());

            Matcher open = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.").matcher(text(get("hls/live/cam/media.m3u8")));
            assertTrue(open.find());
            CompletableFuture<HttpResponse<byte[]>> held = h2.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/media.m3u8?_HLS_msn=" + (Long.parseLong(open.group(1)) + 2))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.delivery().blockedRequests() == 0) {
                assertTrue(System.nanoTime() < deadline, "the reload was never held");
                Thread.sleep(10);
            }
            clip.close();
            HttpResponse<byte[]> released = held.get(10, TimeUnit.SECONDS);
            assertEquals(HttpClient.Version.HTTP_2, released.version());
            assertEquals(503, released.statusCode(), text(released));
            assertEquals(0, server.delivery().blockedRequests());
            assertNull(clip.failure);
        }
    }

    @Test
    void llDashSegmentInProgressStreamsAsDataFramesOverHttp2() throws Exception {
        try (HubClip clip = new HubClip(hub, "cam", 3)) {
            waitPublished("cam");
            HttpResponse<byte[]> mpd = get("dash/cam/manifest.mpd");
            assertEquals(200, mpd.statusCode(), text(mpd));
            assertTrue(text(mpd).contains("availabilityTimeComplete=\"false\""), text(mpd));
            long open = HttpDeliveryServerTest.lastMsn(text(get("hls/cam/plain-media.m3u8"))) + 1;
            HttpResponse<InputStream> r = h2.send(HttpRequest.newBuilder(URI.create(base + "dash/cam/seg-0-1-" + open + ".m4s"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofInputStream());
            long t0 = System.nanoTime();
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-length").isEmpty(), "streamed, length unknown: " + r.headers().map());
            List<Long> arrivalsMs = new ArrayList<>();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try (InputStream in = r.body()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    body.write(buf, 0, n);
                    arrivalsMs.add((System.nanoTime() - t0) / 1_000_000);
                }
            }
            assertTrue(arrivalsMs.get(arrivalsMs.size() - 1) - arrivalsMs.get(0) > 1000,
                    "the segment's chunks arrive as they are produced, over more than a second: " + arrivalsMs);
            byte[] b = body.toByteArray();
            assertEquals("prft", new String(b, 4, 4, StandardCharsets.US_ASCII));
            Path f = Files.createTempFile("dash-h2", ".mp4");
            try {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(get("dash/cam/init-0-1.mp4").body());
                all.write(b);
                Files.write(f, all.toByteArray());
                Process ff = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0", f.toString()).redirectErrorStream(true).start();
                String out = new String(ff.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertTrue(ff.waitFor(30, TimeUnit.SECONDS));
                assertEquals("h264,60", out, "a 2 s segment at 30 fps");
            } finally {
                Files.deleteIfExists(f);
            }
            assertNull(clip.failure);
        }
    }

    void awaitPublished() throws InterruptedException {
        waitPublished("live/cam");
    }

    void waitPublished(String stream) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (hub.tracks(stream).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "stream never published");
            Thread.sleep(20);
        }
    }
}
