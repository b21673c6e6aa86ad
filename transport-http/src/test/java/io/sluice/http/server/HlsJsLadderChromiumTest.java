package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.Chromium;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * hls.js in headless Chromium plays a stream served through a rendition ladder (plain HLS) (320x240 passthrough, 240x180 and
 * 160x120 transcoded; about 0.76, 0.41 and 0.41 Mbit/s with the clip's 256 kbit/s audio): on loopback it plays
 * the top rung; once the connection is throttled to 450 kbit/s (Chrome DevTools Protocol
 * {@code Network.emulateNetworkConditions}) it switches down, and the switch is at a segment boundary (the first
 * fragment of the new level is the next media sequence number and starts where the last one of the old level
 * ended), with no media error from hls.js, no error on the video element, frames still decoding
 * ({@code getVideoPlaybackQuality}) at the new picture size.
 */
@Tag("chromium")
class HlsJsLadderChromiumTest {
    /** Below the top rung's average (about 0.67 Mbit/s measured), above the lower rungs' peaks (about 0.4 Mbit/s). */
    static final int THROTTLE_BPS = 450_000;

    @Test
    void hlsJsSwitchesDownAtASegmentBoundaryWhenThrottled() throws Exception {
        StreamHub hub = StreamHub.create();
        try (FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).heights(180, 120).build();
             HttpDeliveryServer server = HttpDeliveryServer.builder(hub).delivery(d -> d.renditionLadder(ladder)).build()) {
            server.start();
            try (HubClip clip = new HubClip(hub, "live/cam", 10); Chromium c = new Chromium()) {
                HubClip.awaitPublished(hub, "live/cam");
                long deadline;
                // plain HLS (whole segments fetched once complete): on loopback they arrive at once, so hls.js's
                // bandwidth estimate climbs to the top rung. With LL-HLS parts fetched by blocking requests as they are
                // produced, its estimate stays near the rung's own bitrate and it may never leave the rung it started on.
                c.driver.get(server.httpUrl() + "hls/live/cam/player.html?plain");
                c.js("""
                        const v = document.getElementById('v');
                        window.sw = {frags: [], mediaErrors: []};
                        hls.on(Hls.Events.FRAG_CHANGED, (e, d) => sw.frags.push({level: d.frag.level, sn: d.frag.sn,
                            start: d.frag.start, duration: d.frag.duration, at: performance.now()}));
                        // a stall while the throttled link refills the buffer is not a decode error (its details say so)
                        const stall = ['bufferStalledError', 'bufferNudgeOnStall', 'bufferSeekOverHole'];
                        hls.on(Hls.Events.ERROR, (e, d) => { if ((d.type === 'mediaError' && !stall.includes(d.details)) || d.fatal) sw.mediaErrors.push(d.details); });
                        """);
                // unthrottled: hls.js reaches the top rung (hls.js orders its levels by BANDWIDTH, not as listed: the
                // top rung is the level with the largest picture)
                deadline = System.nanoTime() + 20_000_000_000L;
                String topLevel = "hls.levels.map(l => l.height).indexOf(Math.max(...hls.levels.map(l => l.height)))";
                while (!Boolean.TRUE.equals(c.js("return sluiceStats.started && hls.levels.length === 3 && hls.currentLevel === "
                        + topLevel))) {
                    assertTrue(System.nanoTime() < deadline, "never played the top rung: " + c.map("window.sw"));
                    Thread.sleep(200);
                }
                long top = ((Number) c.js("return " + topLevel)).longValue();
                Thread.sleep(2000);
                c.driver.executeCdpCommand("Network.enable", Map.of());
                c.driver.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", false, "latency", 20,
                        "downloadThroughput", THROTTLE_BPS / 8, "uploadThroughput", THROTTLE_BPS / 8));
                double throttledAt = ((Number) c.js("return performance.now()")).doubleValue();
                System.out.println("throttled to " + THROTTLE_BPS / 1000 + " kbit/s at " + throttledAt + " ms");
                // throttled: the next level plays
                Map<String, Object> down = null;
                deadline = System.nanoTime() + 25_000_000_000L;
                while (down == null) {
                    assertTrue(System.nanoTime() < deadline, "no switch down within 25 s: " + c.map("window.sw"));
                    Thread.sleep(250);
                    down = c.map("sw.frags.find(f => f.at > " + throttledAt + " && f.level !== " + top + ") || null");
                }
                long decodedAtSwitch = Chromium.num(c.map("window.sluiceStats"), "decoded");
                Thread.sleep(3000);
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> frags = (List<Map<String, Object>>) c.map("window.sw").get("frags");
                int i = 0;
                while (!frags.get(i).equals(down)) {
                    i++;
                }
                assertTrue(i > 0, "no fragment played before the switch: " + frags);
                Map<String, Object> before = frags.get(i - 1);
                System.out.println("hls.js fragments around the switch: " + frags.subList(Math.max(0, i - 2), Math.min(frags.size(), i + 3)));
                assertEquals(top, Chromium.num(before, "level"), "played the top rung before: " + frags);
                // hls.js takes the next segment at the new level, or (when it gives up a download the throttle made too
                // slow) loads the same segment again at the new level: either way at a boundary both rungs share.
                long sn = Chromium.num(before, "sn");
                long downSn = Chromium.num(down, "sn");
                assertTrue(downSn == sn + 1 || downSn == sn, "the switch takes the next segment or the same one again: " + frags);
                double boundary = ((Number) before.get("start")).doubleValue()
                        + (downSn == sn ? 0 : ((Number) before.get("duration")).doubleValue());
                assertEquals(boundary, ((Number) down.get("start")).doubleValue(), 0.05,
                        "the new level starts where the old one's segment " + downSn + " starts: " + frags);
                Map<String, Object> stats = c.map("window.sluiceStats");
                long decoded = Chromium.num(stats, "decoded");
                System.out.printf("after the switch: decoded %d frames in 3 s, video %sx%s, errors %s%n", decoded - decodedAtSwitch,
                        c.js("return document.getElementById('v').videoWidth"), c.js("return document.getElementById('v').videoHeight"),
                        stats.get("errors"));
                assertEquals(List.of(), c.map("window.sw").get("mediaErrors"), "hls.js media errors");
                assertNull(c.js("return document.getElementById('v').error && document.getElementById('v').error.message"));
                assertTrue(decoded - decodedAtSwitch >= 30, "frames decoded in 3 s after the switch: " + (decoded - decodedAtSwitch));
                assertTrue(((Number) c.js("return document.getElementById('v').videoWidth")).intValue() < 320, "picture of a lower rung");
                assertNull(clip.failure);
            }
        } finally {
            hub.close();
        }
    }
}
