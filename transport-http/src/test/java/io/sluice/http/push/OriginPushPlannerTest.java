package io.sluice.http.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafSegmenter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The order and timing of what is written to the origin, in simulated time (no I/O). */
class OriginPushPlannerTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264)
            .codecConfig(new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 0}).resolution(320, 240).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).codecConfig(new byte[] {0x12, 0x10}).audio(48_000, 2).build();
    static final long GRACE = 3_000_000_000L;

    final CmafSegmenter seg = CmafSegmenter.builder().segmentTarget(Duration.ofSeconds(2)).partTarget(Duration.ofMillis(500)).build();
    final OriginPushPlanner planner = new OriginPushPlanner(2_000_000, 500_000, 4, GRACE, null, null);
    final List<List<OriginWrite>> steps = new ArrayList<>();
    long nowNanos;

    /** {@code seconds} of 30 fps video (IDR every second) and 48 kHz AAC from media time {@code fromUs}, polling as time passes. */
    void play(long fromUs, int seconds) {
        long a = fromUs * 48_000 / 1024 / 1_000_000;
        for (int v = 0; v < seconds * 30; v++) {
            long vus = fromUs + v * 1_000_000L / 30;
            long aus;
            while ((aus = a * 1024 * 1_000_000 / 48_000) < vus) {
                push(AUDIO, aus, true);
                a++;
            }
            push(VIDEO, vus, v % 30 == 0);
            nowNanos = vus * 1000;
            poll();
        }
    }

    void push(TrackInfo t, long us, boolean key) {
        EncodedFrame f = new EncodedFrame(t, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 0x65}), us, key);
        try {
            seg.push(f, 1_700_000_000_000L + us / 1000);
        } finally {
            f.release();
        }
        drain();
    }

    /** The planner owns the parts of the segment in progress. */
    @AfterEach
    void close() {
        drain();
        planner.close();
    }

    void drain() {
        CmafSegmenter.Output o;
        while ((o = seg.poll()) != null) {
            planner.onOutput(o, nowNanos, 1_700_000_000_000L + nowNanos / 1_000_000);
        }
    }

    void poll() {
        List<OriginWrite> s;
        while ((s = planner.poll(nowNanos)) != null) {
            steps.add(s);
        }
    }

    static List<String> paths(List<OriginWrite> step) {
        return step.stream().map(w -> w.method() + " " + w.path()).toList();
    }

    static String body(List<OriginWrite> step, String path) {
        return step.stream().filter(w -> w.path().equals(path)).map(w -> new String(w.body(), StandardCharsets.UTF_8)).findFirst().orElse(null);
    }

    @Test
    @DisplayName("init segments and the segment, then media.m3u8 + MPD, then index.m3u8; every playlist names only what came before")
    void segmentsBeforeThePlaylistsThatNameThem() {
        seg.start(List.of(VIDEO, AUDIO));
        play(0, 5);
        assertEquals(List.of("PUT init-0.mp4", "PUT init-0-1.mp4", "PUT init-0-2.mp4", "PUT seg-1.m4s", "PUT seg-0-1-1.m4s",
                "PUT seg-0-2-1.m4s"), paths(steps.get(0)));
        assertEquals(List.of("PUT media.m3u8", "PUT manifest.mpd"), paths(steps.get(1)));
        assertEquals(List.of("PUT index.m3u8"), paths(steps.get(2)));
        Set<String> stored = new HashSet<>();
        for (List<OriginWrite> step : steps) {
            String media = body(step, "media.m3u8");
            if (media != null) {
                for (long msn : PushChecks.segments(media)) {
                    assertTrue(stored.contains("seg-" + msn + ".m4s") && stored.contains("seg-0-1-" + msn + ".m4s"), msn + " named before stored");
                }
                assertFalse(media.contains("#EXT-X-PART") || media.contains("PRELOAD-HINT") || media.contains("CAN-BLOCK-RELOAD"), media);
            }
            String mpd = body(step, "manifest.mpd");
            if (mpd != null) {
                assertFalse(mpd.contains("availabilityTimeOffset") || mpd.contains("ServiceDescription"), mpd);
                assertTrue(mpd.contains("suggestedPresentationDelay=\"PT6.000S\"") && mpd.contains("urn:mpeg:dash:utc:direct:2014"), mpd);
            }
            step.forEach(w -> stored.add(w.path()));
        }
        assertTrue(body(steps.get(2), "index.m3u8").contains("\nmedia.m3u8\n"));
    }

    @Test
    @DisplayName("a segment that left the window of 4 is deleted after the grace, with its DASH twins; the old init after a new header")
    void deletesAfterTheGrace() {
        seg.start(List.of(VIDEO, AUDIO));
        play(0, 11); // segments 1..5 complete at 2, 4, 6, 8, 10 s: segment 1 leaves at 10 s
        assertTrue(steps.stream().noneMatch(s -> s.stream().anyMatch(w -> w.method() == OriginWrite.Method.DELETE)), "nothing due yet");
        long due = planner.nextDeleteNanos();
        assertEquals(10_000_000_000L + GRACE, due, 40_000_000, "10 s + grace");
        assertNull(planner.poll(due - 1));
        assertEquals(List.of("DELETE seg-1.m4s", "DELETE seg-0-1-1.m4s", "DELETE seg-0-2-1.m4s"), paths(planner.poll(due)));

        // a publisher reconnect: a new header; once no segment of the window uses header 0, its init segments go too
        seg.start(List.of(VIDEO, AUDIO));
        steps.clear();
        play(20_000_000, 11);
        nowNanos += GRACE;
        poll();
        List<String> deleted = steps.stream().flatMap(s -> paths(s).stream()).filter(p -> p.startsWith("DELETE init")).toList();
        assertEquals(List.of("DELETE init-0.mp4", "DELETE init-0-1.mp4", "DELETE init-0-2.mp4"), deleted);
        assertTrue(steps.stream().flatMap(s -> paths(s).stream()).anyMatch(p -> p.equals("PUT init-1.mp4")));
        String media = steps.stream().map(s -> body(s, "media.m3u8")).filter(b -> b != null).reduce((x, y) -> y).orElseThrow();
        assertTrue(media.contains("#EXT-X-MAP:URI=\"init-1.mp4\"") && !media.contains("init-0.mp4"), media);
    }

    @Test
    @DisplayName("the publisher leaving pushes media.m3u8 once more, ending with #EXT-X-ENDLIST")
    void endsThePlaylist() {
        seg.start(List.of(VIDEO, AUDIO));
        play(0, 5);
        seg.finish();
        drain();
        planner.onEnd(0);
        planner.onEnd(0); // idempotent
        steps.clear();
        poll();
        List<String> ends = steps.stream().map(s -> body(s, "media.m3u8")).filter(b -> b != null && b.endsWith("#EXT-X-ENDLIST\n")).toList();
        assertEquals(1, ends.size(), steps.toString());
        assertEquals(List.of(1L, 2L, 3L), PushChecks.segments(ends.get(0)));
    }
}
