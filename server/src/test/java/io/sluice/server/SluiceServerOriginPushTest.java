package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.http.push.OriginPushStats;
import io.sluice.http.push.OriginWriter;
import io.sluice.http.server.HubClip;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SluiceServer.Builder#originPush}: a stream published into the server is pushed, under its name, as
 * HLS and DASH into a directory, its writes are counted in {@code /metrics}, and closing the server ends its playlist.
 */
class SluiceServerOriginPushTest {
    @TempDir
    Path dir;

    @Test
    void everyStreamIsPushedUnderItsName() throws Exception {
        Path cam = dir.resolve("live/cam");
        SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).metrics(true).originPush(OriginWriter.directory(dir)).build().start();
        try (HubClip clip = new HubClip(server.hub(), "live/cam", 2)) {
            long deadline = System.nanoTime() + 40_000_000_000L;
            while (!Files.exists(cam.resolve("media.m3u8"))
                    || Files.readString(cam.resolve("media.m3u8")).lines().filter(l -> l.startsWith("seg-")).count() < 2) {
                assertTrue(System.nanoTime() < deadline, "no 2 segments in " + cam + ": " + server.originPushes().get(0).stats());
                Thread.sleep(200);
            }
            assertTrue(Files.isRegularFile(cam.resolve("index.m3u8")) && Files.isRegularFile(cam.resolve("manifest.mpd"))
                    && Files.isRegularFile(cam.resolve("init-0.mp4")));
            assertEquals(dir.toAbsolutePath() + "/", server.originPushes().get(0).location());
            String scrape = server.metrics().orElseThrow().scrape();
            java.util.regex.Matcher ok = java.util.regex.Pattern.compile("sluice_push_writes_total\\{origin=\"" + java.util.regex.Pattern.quote(dir.toAbsolutePath() + "/")
                    + "\",result=\"ok\"} (\\d+)").matcher(scrape);
            assertTrue(ok.find() && Double.parseDouble(ok.group(1)) >= 6, scrape.lines().filter(l -> l.contains("push")).toList().toString());
            assertTrue(scrape.contains("sluice_push_writes_total{origin=\"" + dir.toAbsolutePath() + "/\",result=\"failed\"} 0"), scrape);
            assertNull(clip.failure);
        } finally {
            server.close();
        }
        assertTrue(Files.readString(cam.resolve("media.m3u8")).endsWith("#EXT-X-ENDLIST\n"), "the stream ended with the server");
        OriginPushStats s = server.originPushes().isEmpty() ? null : server.originPushes().get(0).stats().get("live/cam");
        assertTrue(s != null && s.writesFailed() == 0 && s.segmentsPushed() >= 2, String.valueOf(s));
    }
}
