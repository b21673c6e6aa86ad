package io.sluice.http.push;

import static io.sluice.http.push.PushChecks.await;
import static io.sluice.http.push.PushChecks.get;
import static io.sluice.http.push.PushChecks.run;
import static io.sluice.http.push.PushChecks.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.http.server.HubClip;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real clip published into a hub and pushed to nginx (WebDAV {@code PUT}/{@code DELETE}) as the origin:
 * the files appear at nginx, each segment is stored before the first playlist that could name it, segments
 * that left the window are deleted after the grace, FFmpeg reads the stream (HLS and DASH) from nginx's URL,
 * and the publisher leaving ends the playlist.
 */
@Tag("interop")
class NginxOriginPushTest {
    @TempDir
    Path dir;

    @Test
    void pushesToNginxInOrderAndDeletesWhatLeftTheWindow() throws Exception {
        assertTrue(NginxDav.available(), "nginx is not installed: .ci/install-deps.sh installs it");
        StreamHub hub = StreamHub.create();
        try (NginxDav nginx = NginxDav.start(dir); HubClip clip = new HubClip(hub, "live/cam", 3)) {
            PushChecks.awaitPublished(hub, "live/cam");
            String base = nginx.url() + "live/cam/";
            OriginPush push = OriginPush.builder(OriginWriter.http(URI.create(base))).windowSegments(4)
                    .deleteGrace(Duration.ofSeconds(1)).build().subscribe(hub, "live/cam");
            try {
                Path www = nginx.root().resolve("live/cam");
                // 4 in the window, the 5th pushed pushes segment 1 out; deleted 1 s later
                await(40, () -> push.stats().segmentsPushed() >= 6 && !Files.exists(www.resolve("seg-1.m4s")),
                        () -> push.stats() + " " + nginx.log());
                for (String f : List.of("index.m3u8", "media.m3u8", "manifest.mpd", "init-0.mp4", "init-0-1.mp4", "init-0-2.mp4")) {
                    assertTrue(Files.isRegularFile(www.resolve(f)), f + " at nginx");
                }
                assertFalse(Files.exists(www.resolve("seg-0-1-1.m4s")), "DASH video segment 1 deleted too");
                assertFalse(Files.exists(www.resolve("seg-0-2-1.m4s")), "DASH audio segment 1 deleted too");

                // every segment the playlist at nginx names is there, as are its DASH twins
                String media = get(base + "media.m3u8").body();
                List<Long> named = segments(media);
                assertEquals(4, named.size(), media);
                for (long msn : named) {
                    assertEquals(200, get(base + "seg-" + msn + ".m4s").statusCode(), "seg-" + msn);
                    assertEquals(200, get(base + "seg-0-1-" + msn + ".m4s").statusCode(), "DASH seg " + msn);
                }
                assertEquals(404, get(base + "seg-1.m4s").statusCode());
                String index = get(base + "index.m3u8").body();
                assertTrue(index.contains("CODECS=\"avc1.") && index.contains("mp4a.40.2") && index.contains("\nmedia.m3u8\n"), index);

                // order at the origin: the n-th PUT of media.m3u8 completes after the n-th segment PUT did
                List<String> ops = nginx.accessLog();
                int segPuts = 0;
                int playlistPuts = 0;
                for (String op : ops) {
                    if (op.matches("PUT /live/cam/seg-\\d+\\.m4s 20[14]")) {
                        segPuts++;
                    } else if (op.matches("PUT /live/cam/media\\.m3u8 20[14]")) {
                        playlistPuts++;
                        assertTrue(segPuts >= playlistPuts, "playlist PUT #" + playlistPuts + " before segment PUT #" + playlistPuts + ": " + ops);
                    }
                }
                assertTrue(ops.stream().anyMatch(l -> l.matches("DELETE /live/cam/seg-1\\.m4s 204")), ops.toString());

                // FFmpeg reads HLS and DASH from nginx
                PushChecks.Proc probe = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                        "-of", "csv=p=0", base + "index.m3u8");
                assertEquals(0, probe.code(), probe.err());
                assertTrue(probe.out().contains("h264,320,240") && probe.out().contains("aac"), probe.out());
                PushChecks.Proc hls = run("ffmpeg", "-v", "error", "-i", base + "index.m3u8", "-t", "3", "-f", "null", "-");
                assertEquals(0, hls.code(), hls.err());
                assertEquals("", hls.err().strip(), "decode errors");
                PushChecks.Proc dash = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                        base + "manifest.mpd");
                assertEquals(0, dash.code(), dash.err());
                assertTrue(dash.out().contains("h264") && dash.out().contains("aac"), dash.out());

                // the publisher leaves: the last segment, then a playlist that ends
                clip.close();
                await(15, () -> get(base + "media.m3u8").body().contains("#EXT-X-ENDLIST"), () -> get(base + "media.m3u8").body());
                assertNull(clip.failure);
                OriginPushStats s = push.stats();
                assertEquals(0, s.writesFailed(), String.valueOf(s.lastFailure()));
                assertEquals(0, s.writesDropped());
            } finally {
                push.close();
            }
        } finally {
            hub.close();
        }
    }
}
