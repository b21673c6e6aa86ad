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
            // (two after the open one, the farthest RFC 8216bis §6.2.5.2 allows: unpublishing completes the open
            // segment, and if the open segment closed between the two requests, the next one, never this one)
            Matcher open = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.").matcher(text(get("hls/live/cam/media.m3u8")));
            assertTrue(open.find());
            CompletableFuture<HttpResponse<byte[]>> held = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "hls/live/cam/media.m3u8?_HLS_msn=" + (Long.parseLong(open.group(1)) + 2))).build(),
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

    @Test
    void llDashStreamsTheSegmentInProgressChunkByChunk() throws Exception {
        try (HubClip clip = new HubClip(hub, "cam", 3)) {
            waitPublished("cam");
            HttpResponse<byte[]> r = get("dash/cam/manifest.mpd");
            assertEquals(200, r.statusCode(), text(r));
            assertEquals("application/dash+xml", r.headers().firstValue("content-type").orElse(null));
            String mpd = text(r);
            for (String expected : new String[] {"type=\"dynamic\"", "availabilityTimeOffset=\"1.750\"", "availabilityTimeComplete=\"false\"",
                    "<Latency referenceId=\"0\" target=\"1500\"", "schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\"",
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
                // the init segment plus the streamed segment decode with FFmpeg
                java.nio.file.Path f = java.nio.file.Files.createTempFile("dash-video", ".mp4");
                try {
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    all.write(get("dash/cam/init-0-1.mp4").body());
                    all.write(b);
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
            assertNull(clip.failure);
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
