package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.http.server.Curl;
import io.sluice.http.server.HubClip;
import io.sluice.webrtc.server.WhepOffers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded server's one HTTP port over HTTP/2, with curl: h2 negotiated by ALPN with the self-signed
 * development certificate (and HTTP/1.1 still served to clients that ask for it), h2c by prior knowledge and
 * by upgrade on the clear port; WHEP signalling (POST with its Location, DELETE on it), the pages, HLS and
 * DASH, CORS and cache headers, 404s. The protocol each response came over is asserted.
 */
class Http2OnSharedPortTest {
    @TempDir
    Path tmp;

    /** Waits until {@code stream} is published and its plain media playlist lists {@code segments} segments, asking with curl -k. */
    static void awaitSegmentsOverTls(SluiceServer server, String stream, int segments) throws Exception {
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (true) {
            Curl.Response r = server.hub().tracks(stream).isEmpty() ? null
                    : Curl.get(server.httpUrl() + "hls/" + stream + "/plain-media.m3u8", "-k", "--http2");
            if (r != null && r.status() == 200 && r.text().lines().filter(l -> l.startsWith("seg-")).count() >= segments) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no " + segments + " segments: " + (r == null ? "never published" : r.status() + " " + r.text()));
            Thread.sleep(300);
        }
    }

    @Test
    void httpsNegotiatesH2ByAlpnForPagesWhepHlsAndDash() throws Exception {
        assertTrue(Curl.hasHttp2(), "needs curl with HTTP/2 (Debian's curl, nghttp2)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).selfSignedTls().build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 3)) {
            String base = server.httpUrl();
            assertTrue(base.startsWith("https://"), base);
            Http2OnSharedPortTest.awaitSegmentsOverTls(server, "live/cam", 1);

            Curl.Response index = Curl.get(base, "-k", "--http2");
            assertEquals("2", index.httpVersion(), "ALPN h2: " + index.headers());
            assertEquals(200, index.status());
            assertTrue(index.text().contains("live/cam"), index.text());
            Curl.Response watch = Curl.get(base + "watch/live/cam", "-k", "--http2");
            assertEquals("2", watch.httpVersion());
            assertEquals("no-store", watch.header("cache-control"));

            // WHEP over h2: 201 with the answer and a Location; DELETE on that Location ends the session
            Path offer = tmp.resolve("offer.sdp");
            Files.writeString(offer, WhepOffers.H264_OFFER, StandardCharsets.UTF_8);
            Curl.Response answer = Curl.get(base + "whep/live/cam", "-k", "--http2", "-X", "POST",
                    "-H", "Content-Type: application/sdp", "--data-binary", "@" + offer);
            assertEquals("2", answer.httpVersion());
            assertEquals(201, answer.status(), answer.text());
            assertTrue(answer.text().startsWith("v=0"), answer.text());
            assertEquals("application/sdp", answer.header("content-type"));
            assertEquals("*", answer.header("access-control-allow-origin"));
            String location = answer.header("location");
            assertNotNull(location, answer.headers());
            assertTrue(location.startsWith("/whep/live/cam/"), location);
            Curl.Response deleted = Curl.get(base + location.substring(1), "-k", "--http2", "-X", "DELETE");
            assertEquals("2", deleted.httpVersion());
            assertEquals(200, deleted.status(), deleted.text());
            Curl.Response again = Curl.get(base + location.substring(1), "-k", "--http2", "-X", "DELETE");
            assertEquals(404, again.status());
            Curl.Response preflight = Curl.get(base + "whep/live/cam", "-k", "--http2", "-X", "OPTIONS");
            assertEquals("2", preflight.httpVersion());
            assertEquals(204, preflight.status());
            assertNotNull(preflight.header("access-control-allow-methods"));

            Curl.Response playlist = Curl.get(base + "hls/live/cam/index.m3u8", "-k", "--http2");
            assertEquals("2", playlist.httpVersion());
            assertEquals(200, playlist.status(), playlist.text());
            Curl.Response mpd = Curl.get(base + "dash/live/cam/manifest.mpd", "-k", "--http2");
            assertEquals("2", mpd.httpVersion());
            assertEquals(200, mpd.status(), mpd.text());
            assertTrue(mpd.text().contains("https://"), "the UTCTiming address keeps the page's scheme: " + mpd.text());
            Curl.Response missing = Curl.get(base + "no/such/page", "-k", "--http2");
            assertEquals("2", missing.httpVersion());
            assertEquals(404, missing.status());

            Curl.Response h1 = Curl.get(base + "hls/live/cam/index.m3u8", "-k", "--http1.1");
            assertEquals("1.1", h1.httpVersion(), "ALPN http/1.1 still served");
            assertEquals(200, h1.status());
            assertNull(clip.failure);
        }
    }

    @Test
    void clearPortServesH2cByPriorKnowledgeAndByUpgrade() throws Exception {
        assertTrue(Curl.hasHttp2(), "needs curl with HTTP/2 (Debian's curl, nghttp2)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 3)) {
            String base = server.httpUrl();
            Http2OnSharedPortTest.awaitSegmentsOverTls(server, "live/cam", 1);
            Curl.Response prior = Curl.get(base + "watch/live/cam", "--http2-prior-knowledge");
            assertEquals("2", prior.httpVersion());
            assertEquals(200, prior.status());
            Curl.Response upgraded = Curl.get(base + "hls/live/cam/media.m3u8", "--http2");
            assertEquals("2", upgraded.httpVersion(), upgraded.headers());
            assertEquals(200, upgraded.status());
            Path offer = tmp.resolve("offer.sdp");
            Files.writeString(offer, WhepOffers.H264_OFFER, StandardCharsets.UTF_8);
            Curl.Response answer = Curl.get(base + "whep/live/cam", "--http2-prior-knowledge", "-X", "POST",
                    "-H", "Content-Type: application/sdp", "--data-binary", "@" + offer);
            assertEquals("2", answer.httpVersion());
            assertEquals(201, answer.status(), answer.text());
            assertTrue(answer.header("location").startsWith("/whep/live/cam/"), answer.headers());
            assertNull(clip.failure);
        }
    }
}
