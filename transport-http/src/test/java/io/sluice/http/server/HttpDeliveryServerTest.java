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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server on loopback, fed by a real clip published into a hub, read by the JDK's HTTP/2 client (h2c: it
 * upgrades its first request and multiplexes the rest, so blocking reloads, parts and 503s are checked over
 * HTTP/2), curl (h2c by prior knowledge and by upgrade, HTTP/1.1), a raw HTTP/1.1 socket (chunked transfer) and
 * FFmpeg.
 */
class HttpDeliveryServerTest {
    StreamHub hub;
    HttpDeliveryServer server;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
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

    /** GET over HTTP/2 (h2c), asserting that HTTP/2 is what answered. */
    HttpResponse<byte[]> get(String path) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(HttpClient.Version.HTTP_2, r.version(), path);
        return r;
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
            assertEquals(HttpClient.Version.HTTP_2, partR.version());
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
            // (two after the open one, the farthest RFC 8216bis §6.2.5.2 allows: unpublishing completes the open
            // segment, and if the open segment closed between the two requests, the next one, never this one)
            Matcher open = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.").matcher(text(get("hls/live/cam/media.m3u8")));
            assertTrue(open.find());
            CompletableFuture<HttpResponse<byte[]>> held = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/media.m3u8?_HLS_msn=" + (Long.parseLong(open.group(1)) + 2))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            long heldBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (server.delivery().blockedRequests() == 0 && System.nanoTime() < heldBy) {
                Thread.sleep(10);
            }
            assertEquals(1, server.delivery().blockedRequests());
            long t2 = System.nanoTime();
            clip.close();
            HttpResponse<byte[]> released = held.get(10, TimeUnit.SECONDS);
            assertEquals(HttpClient.Version.HTTP_2, released.version());
            assertEquals(503, released.statusCode(), text(released));
            assertTrue(System.nanoTime() - t2 < TimeUnit.SECONDS.toNanos(5));
            assertEquals(0, server.delivery().blockedRequests());
            assertNull(clip.failure);
        }
    }

    @Test
    void llDashStreamsTheSegmentInProgressChunkByChunk() throws Exception {
        try (HubClip clip = new HubClip(hub, "cam", 3)) {
            waitPublished("cam");
            HttpResponse<byte[]> r = get("dash/cam/manifest.mpd");
            assertEquals(200, r.statusCode(), text(r));
            assertEquals("application/dash+xml", r.headers().firstValue("content-type").orElse(null));
            String mpd = text(r);
            for (String expected : new String[] {"type=\"dynamic\"", "availabilityTimeOffset=\"1.750\"", "availabilityTimeComplete=\"false\"",
                    "<Latency referenceId=\"0\" target=\"1000\"", "schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\"",
                    "contentType=\"video\"", "contentType=\"audio\"", "codecs=\"mp4a.40.2\""}) {
                assertTrue(mpd.contains(expected), expected + " in\n" + mpd);
            }
            String time = text(get("dash/time"));
            assertTrue(Math.abs(java.time.Instant.parse(time.strip()).toEpochMilli() - System.currentTimeMillis()) < 2000, time);

            // the segment after the last complete one: headers at once, then one chunk (prft+moof+mdat) per part as it closes
            Matcher start = Pattern.compile("startNumber=\"(\\d+)\"").matcher(mpd);
            assertTrue(start.find());
            String plain = text(get("hls/cam/plain-media.m3u8"));
            long open = lastMsn(plain) + 1;
            try (java.net.Socket sock = new java.net.Socket("127.0.0.1", server.address().getPort())) {
                sock.setSoTimeout(10_000);
                sock.getOutputStream().write(("GET /dash/cam/seg-0-1-" + open + ".m4s HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                java.io.InputStream in = sock.getInputStream();
                long t0 = System.nanoTime();
                String head = readUntil(in, "\r\n\r\n");
                assertTrue(head.startsWith("HTTP/1.1 200") && head.toLowerCase().contains("transfer-encoding: chunked"), head);
                List<Long> chunkAtMs = new java.util.ArrayList<>();
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(readUntil(in, "\r\n").strip(), 16);
                    if (size == 0) {
                        break;
                    }
                    body.write(in.readNBytes(size));
                    readUntil(in, "\r\n");
                    chunkAtMs.add((System.nanoTime() - t0) / 1_000_000);
                }
                assertTrue(chunkAtMs.size() >= 6, "chunks " + chunkAtMs);
                assertTrue(chunkAtMs.get(chunkAtMs.size() - 1) - chunkAtMs.get(0) > 1000, "chunks spread as produced: " + chunkAtMs);
                byte[] b = body.toByteArray();
                assertEquals("prft", new String(b, 4, 4, StandardCharsets.US_ASCII));
                assertVideoSegmentDecodes(b);
            }
            assertNull(clip.failure);
        }
    }

    @Test
    void curlGetsPlaylistsPartsAnd404sOverH2cByPriorKnowledgeAndByUpgrade() throws Exception {
        assertTrue(Curl.hasHttp2(), "needs curl with HTTP/2 (Debian's curl, nghttp2)");
        try (HubClip clip = new HubClip(hub, "live/cam", 3)) {
            waitPublished("live/cam");
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
    void llDashSegmentInProgressStreamsAsDataFramesOverHttp2() throws Exception {
        try (HubClip clip = new HubClip(hub, "cam", 3)) {
            waitPublished("cam");
            HttpResponse<byte[]> mpd = get("dash/cam/manifest.mpd");
            assertEquals(200, mpd.statusCode(), text(mpd));
            assertTrue(text(mpd).contains("availabilityTimeComplete=\"false\""), text(mpd));
            long open = lastMsn(text(get("hls/cam/plain-media.m3u8"))) + 1;
            HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "dash/cam/seg-0-1-" + open + ".m4s"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofInputStream());
            long t0 = System.nanoTime();
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-length").isEmpty(), "streamed, length unknown: " + r.headers().map());
            List<Long> arrivalsMs = new java.util.ArrayList<>();
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            try (java.io.InputStream in = r.body()) {
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
            assertVideoSegmentDecodes(b);
            assertNull(clip.failure);
        }
    }

    /** The DASH video init segment plus {@code segment} decode with FFmpeg as one 2 s segment at 30 fps. */
    void assertVideoSegmentDecodes(byte[] segment) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("dash-video", ".mp4");
        try {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.write(get("dash/cam/init-0-1.mp4").body());
            all.write(segment);
            java.nio.file.Files.write(f, all.toByteArray());
            Process ff = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                    "-show_entries", "stream=codec_name,nb_read_frames", "-of", "csv=p=0", f.toString()).redirectErrorStream(true).start();
            String out = new String(ff.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(ff.waitFor(30, TimeUnit.SECONDS));
            assertEquals("h264,60", out, "a 2 s segment at 30 fps");
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    static String readUntil(java.io.InputStream in, String end) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("after " + sb);
            }
            sb.append((char) c);
        }
        return sb.toString();
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
