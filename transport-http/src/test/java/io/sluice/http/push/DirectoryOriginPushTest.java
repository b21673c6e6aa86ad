package io.sluice.http.push;

import static io.sluice.http.push.PushChecks.await;
import static io.sluice.http.push.PushChecks.run;
import static io.sluice.http.push.PushChecks.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.http.server.HubClip;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real clip pushed into a directory: a reader polling the playlists while they are replaced every segment
 * never sees a partial one (temp file + atomic rename), old segments are deleted, no temp file is left, and
 * FFmpeg decodes the stream from the directory.
 */
class DirectoryOriginPushTest {
    @TempDir
    Path dir;

    @Test
    void writesAtomicallyIntoADirectory() throws Exception {
        StreamHub hub = StreamHub.create();
        Path out = dir.resolve("www");
        try (HubClip clip = new HubClip(hub, "live/cam", 2)) {
            PushChecks.awaitPublished(hub, "live/cam");
            OriginPush push = OriginPush.builder(OriginWriter.directory(out).under("live/cam/")).windowSegments(4)
                    .deleteGrace(Duration.ofMillis(500)).build().subscribe(hub, "live/cam");
            try {
                Path cam = out.resolve("live/cam");
                List<String> torn = new ArrayList<>();
                int[] reads = new int[1];
                await(40, () -> {
                    for (String f : List.of("media.m3u8", "manifest.mpd")) {
                        try {
                            String s = Files.readString(cam.resolve(f));
                            reads[0]++;
                            boolean whole = f.endsWith(".m3u8") ? s.startsWith("#EXTM3U\n") && s.endsWith(".m4s\n")
                                    : s.startsWith("<?xml") && s.endsWith("</MPD>\n");
                            if (!whole) {
                                torn.add(f + ": " + s);
                            }
                        } catch (NoSuchFileException e) {
                            // not pushed yet
                        }
                    }
                    return push.stats().segmentsPushed() >= 6 && !Files.exists(cam.resolve("seg-1.m4s"));
                }, push::toString);
                assertTrue(torn.isEmpty(), "partial files seen: " + torn);
                assertTrue(reads[0] > 100, "reads " + reads[0]);
                List<Long> named = segments(Files.readString(cam.resolve("media.m3u8")));
                assertEquals(4, named.size());
                for (long msn : named) {
                    assertTrue(Files.isRegularFile(cam.resolve("seg-" + msn + ".m4s")), "seg-" + msn);
                }
                assertFalse(Files.exists(cam.resolve("seg-0-1-1.m4s")));

                PushChecks.Proc dec = run("ffmpeg", "-v", "error", "-i", cam.resolve("index.m3u8").toString(), "-f", "null", "-");
                assertEquals(0, dec.code(), dec.err());
                assertEquals("", dec.err().strip(), "decode errors");

                clip.close();
                await(15, () -> Files.readString(cam.resolve("media.m3u8")).contains("#EXT-X-ENDLIST"),
                        () -> Files.readString(cam.resolve("media.m3u8")));
                assertNull(clip.failure);
            } finally {
                push.close();
            }
            try (Stream<Path> files = Files.walk(out)) {
                List<Path> temps = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
                assertTrue(temps.isEmpty(), "temp files left: " + temps);
            }
            OriginPushStats s = push.stats();
            assertEquals(0, s.writesFailed(), String.valueOf(s.lastFailure()));
        } finally {
            hub.close();
        }
    }
}
