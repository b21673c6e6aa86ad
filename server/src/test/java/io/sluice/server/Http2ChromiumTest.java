package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.http.server.HubClip;
import io.sluice.http.server.PlayerRun;
import io.sluice.webrtc.server.Chromium;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Headless Chromium over HTTPS with the self-signed development certificate: it negotiates HTTP/2 by ALPN and
 * plays a real clip with hls.js (LL-HLS: blocking playlist reloads, parts) and with the WebRTC watch page (WHEP
 * POST by {@code fetch}); every page and every request is checked to have gone over {@code h2}
 * ({@code PerformanceResourceTiming.nextHopProtocol}).
 */
@Tag("chromium")
class Http2ChromiumTest {
    static final int PLAY_SECONDS = 8;
    /** Protocol of the page itself and of every resource it fetched, by URL path (the last one per path). */
    static final String PROTOCOLS = "const m = {};"
            + " for (const e of performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')))"
            + " { m[new URL(e.name).pathname] = e.nextHopProtocol; } return m;";

    @Test
    void chromiumPlaysHlsAndWebRtcOverH2() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).selfSignedTls().build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 4);
             Chromium c = new Chromium("--ignore-certificate-errors")) {
            Http2OnSharedPortTest.awaitSegmentsOverTls(server, "live/cam", 2);

            PlayerRun run = PlayerRun.play(c, server.httpUrl() + "hls/live/cam/player.html", PLAY_SECONDS);
            System.out.println(run.summary("hls.js LL-HLS over h2", PLAY_SECONDS));
            // playback over h2, not its smoothness (HlsJsChromiumTest measures that): 2 s of the 30 fps clip at least,
            // which a loaded 2-core machine still gives
            assertTrue(run.decoded() >= 60, "decoded " + run.decoded() + " frames in " + PLAY_SECONDS + " s");
            Map<String, Object> hls = protocols(c);
            System.out.println("hls.js page over h2: " + hls.size() + " distinct paths");
            assertTrue(hls.keySet().stream().anyMatch(p -> p.endsWith("media.m3u8")), "playlists fetched: " + hls.keySet());
            assertTrue(hls.keySet().stream().anyMatch(p -> p.matches(".*/part-\\d+\\.\\d+\\.m4s")), "parts fetched: " + hls.keySet());
            assertAllH2(hls);

            c.driver.get(server.httpUrl() + "watch/live/cam");
            long deadline = System.currentTimeMillis() + 20_000;
            Map<String, Object> stats = null;
            while (System.currentTimeMillis() < deadline) {
                stats = c.map("window.sluice && window.sluice.stats");
                if (stats != null && Chromium.num(stats, "framesDecoded") >= 30) {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(stats != null && Chromium.num(stats, "framesDecoded") >= 30, "WebRTC frames decoded: " + stats
                    + " error: " + c.js("return window.sluice && window.sluice.error;"));
            Map<String, Object> watch = protocols(c);
            assertTrue(watch.containsKey("/whep/live/cam"), "the WHEP offer was fetched: " + watch.keySet());
            assertAllH2(watch);
            assertNull(clip.failure);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> protocols(Chromium c) {
        return new TreeMap<>((Map<String, Object>) c.js(PROTOCOLS));
    }

    static void assertAllH2(Map<String, Object> byPath) {
        assertFalse(byPath.isEmpty());
        List<String> notH2 = byPath.entrySet().stream().filter(e -> !"h2".equals(e.getValue()))
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        assertEquals(List.of(), notH2, "every request over h2");
    }
}
