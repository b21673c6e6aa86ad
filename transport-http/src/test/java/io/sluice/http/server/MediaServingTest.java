package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bytes of served media: a whole segment is exactly its parts in order, over HTTP/1.1 and HTTP/2 alike, a
 * byte range of it ({@code 206}) is exactly that slice, a HEAD gives its length without a body, an
 * unsatisfiable range gets {@code 416}, and the same URL answers the same bytes every time (segments are
 * served as shared buffers, not copied per request: a reader index moved by one answer must not show in the
 * next). Runs with leak detection PARANOID: every served duplicate is released by the writes.
 */
class MediaServingTest {
    private static final Pattern SEGMENT = Pattern.compile("(?m)^seg-(\\d+)\\.m4s$");
    private static final Pattern INIT = Pattern.compile("init-(\\d+)\\.mp4");

    @Test
    void segmentsPartsRangesAndInitSegmentsAreTheExactBytes() throws Exception {
        StreamHub hub = StreamHub.create();
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub).build(); HubClip clip = new HubClip(hub, "live/bytes", 3)) {
            server.start();
            String dir = server.httpUrl() + "hls/live/bytes/";
            HubClip.awaitPublished(hub, "live/bytes");
            String playlist = awaitSegments(h1, dir + "media.m3u8", 2);
            Matcher seg = SEGMENT.matcher(playlist);
            List<Long> msns = new ArrayList<>();
            while (seg.find()) {
                msns.add(Long.parseLong(seg.group(1)));
            }
            for (long msn : msns.subList(msns.size() - 2, msns.size())) {
                byte[] whole = body(h1, dir + "seg-" + msn + ".m4s", 200, HttpClient.Version.HTTP_1_1);
                assertArrayEquals(whole, body(h2, dir + "seg-" + msn + ".m4s", 200, HttpClient.Version.HTTP_2), "h2 = h1");
                assertArrayEquals(whole, body(h1, dir + "seg-" + msn + ".m4s", 200, HttpClient.Version.HTTP_1_1), "same bytes again");
                ByteArrayOutputStream parts = new ByteArrayOutputStream();
                for (int i = 0; ; i++) {
                    HttpResponse<byte[]> p = send(h2, HttpRequest.newBuilder(URI.create(dir + "part-" + msn + "." + i + ".m4s")));
                    if (p.statusCode() == 404) {
                        assertTrue(i > 0, "segment " + msn + " has parts");
                        break;
                    }
                    assertEquals(200, p.statusCode());
                    assertEquals("moof", new String(p.body(), 4, 4, StandardCharsets.US_ASCII), "part " + msn + "." + i);
                    parts.write(p.body());
                }
                assertArrayEquals(parts.toByteArray(), whole, "segment " + msn + " = its parts in order");

                // byte ranges: a slice across part boundaries, an open-ended one, a suffix, past the end
                int n = whole.length;
                assertRange(h1, dir, msn, "bytes=100-" + (n / 2), whole, 100, n / 2);
                assertRange(h2, dir, msn, "bytes=" + (n - 1000) + "-", whole, n - 1000, n - 1);
                assertRange(h2, dir, msn, "bytes=-500", whole, n - 500, n - 1);
                assertRange(h1, dir, msn, "bytes=" + (n - 10) + "-" + (n + 5000), whole, n - 10, n - 1);
                HttpResponse<byte[]> beyond = send(h1, HttpRequest.newBuilder(URI.create(dir + "seg-" + msn + ".m4s"))
                        .header("Range", "bytes=" + n + "-"));
                assertEquals(416, beyond.statusCode());
                assertEquals("bytes */" + n, beyond.headers().firstValue("content-range").orElse(null));
                HttpResponse<byte[]> several = send(h1, HttpRequest.newBuilder(URI.create(dir + "seg-" + msn + ".m4s"))
                        .header("Range", "bytes=0-1,5-9"));
                assertEquals(200, several.statusCode(), "several ranges: the whole body");
                assertArrayEquals(whole, several.body());

                HttpResponse<byte[]> head = send(h1, HttpRequest.newBuilder(URI.create(dir + "seg-" + msn + ".m4s"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()));
                assertEquals(200, head.statusCode());
                assertEquals(String.valueOf(n), head.headers().firstValue("content-length").orElse(null));
                assertEquals("bytes", head.headers().firstValue("accept-ranges").orElse(null));
            }
            Matcher init = INIT.matcher(playlist);
            assertTrue(init.find(), playlist);
            byte[] i1 = body(h1, dir + init.group(), 200, HttpClient.Version.HTTP_1_1);
            assertEquals("ftyp", new String(i1, 4, 4, StandardCharsets.US_ASCII));
            assertArrayEquals(i1, body(h2, dir + init.group(), 200, HttpClient.Version.HTTP_2));
            assertTrue(clip.failure == null, String.valueOf(clip.failure));
        } finally {
            hub.close();
        }
    }

    private static void assertRange(HttpClient http, String dir, long msn, String range, byte[] whole, int first, int last)
            throws Exception {
        HttpResponse<byte[]> r = send(http, HttpRequest.newBuilder(URI.create(dir + "seg-" + msn + ".m4s")).header("Range", range));
        assertEquals(206, r.statusCode(), range);
        assertEquals("bytes " + first + "-" + last + "/" + whole.length, r.headers().firstValue("content-range").orElse(null), range);
        assertArrayEquals(Arrays.copyOfRange(whole, first, last + 1), r.body(), range);
    }

    private static byte[] body(HttpClient http, String url, int status, HttpClient.Version version) throws Exception {
        HttpResponse<byte[]> r = send(http, HttpRequest.newBuilder(URI.create(url)));
        assertEquals(status, r.statusCode(), url);
        assertEquals(version, r.version(), url);
        assertEquals(String.valueOf(r.body().length), r.headers().firstValue("content-length").orElse(String.valueOf(r.body().length)));
        return r.body();
    }

    private static HttpResponse<byte[]> send(HttpClient http, HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String awaitSegments(HttpClient http, String url, int count) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            HttpResponse<byte[]> r = send(http, HttpRequest.newBuilder(URI.create(url)));
            String text = new String(r.body(), StandardCharsets.UTF_8);
            Matcher m = SEGMENT.matcher(text);
            int found = 0;
            while (m.find()) {
                found++;
            }
            if (found >= count) {
                return text;
            }
            assertTrue(System.nanoTime() < deadline, "no " + count + " segments: " + text);
            Thread.sleep(200);
        }
    }
}
