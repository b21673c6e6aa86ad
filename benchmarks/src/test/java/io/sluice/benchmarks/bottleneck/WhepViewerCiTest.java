package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.WhepViewerBench.Result;
import io.sluice.benchmarks.bottleneck.WhepViewerBench.Scenario;
import io.sluice.benchmarks.bottleneck.WhepViewerBench.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The short version of {@link WhepViewerBench} (issue 13): a WHEP viewer (headless Chromium) behind a kernel tbf
 * bottleneck (300 ms drop-tail) of 1.4 × the stream's bitrate for 25 s, the server with per-viewer congestion control,
 * then the same with a server without it. One at a time, unlike the bench's side by side: on a 2-core machine the
 * second Chromium, server and ffmpeg doubled the load, and every failure of the adapted viewer (2-7 freezes of
 * 200-470 ms) came at a load average of 4.8-6.6 with the server's pacer delay p95 at 441-812 ms (passes: 163-280 ms;
 * session 20: 4 of 12 runs side by side and both attempts of one CI run failed; one at a time, 1 of 7 failed, at a
 * load of 2.0, with 2 freezes). Asserts of the adapted viewer: at most one freeze after
 * its first second (the goal is none; see the assertion's comment), none over 1 s, no video dropped by the
 * server, at most 3 % loss at the bottleneck and 90 % of the frame rate decoded. The unadapted viewer is only
 * recorded. Fails, naming what is missing, when not root (network namespaces,
 * tc) or without {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (as {@code BottleneckCiTest}). Figures and plots go to {@code target/whep-viewer-ci/}.
 */
@Tag("bottleneck")
@Tag("chromium")
class WhepViewerCiTest {
    private static final Path OUT = Path.of("target/whep-viewer-ci");

    /**
     * Fails, naming what is missing, unless this runs as root with {@code /usr/bin/chromium},
     * {@code /usr/bin/chromedriver} and the shared clip; returns the shared directory ({@code sluice.shared.dir}).
     */
    static Path requireViewerPeers() throws Exception {
        requireChromiumPeers();
        Path shared = Path.of(System.getProperty("sluice.shared.dir", "../../shared"));
        assertTrue(Files.isRegularFile(shared.resolve("media/bbb_480p_30s_h264_aac51.mp4")), "missing media under " + shared);
        return shared;
    }

    /** Fails, naming what is missing, unless this runs as root with {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}. */
    static void requireChromiumPeers() throws Exception {
        // .ci/run runs as root and installs chromium and chromium-driver (.ci/install-deps.sh): a missing peer fails
        assertEquals("0", Bottleneck.run("id", "-u").strip(), "the WHEP viewer bottleneck needs root (network namespaces, tc)");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "the WHEP viewer bottleneck needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
    }

    @Test
    void adaptedViewerHasNoFreezeAfterItsFirstSecondAt1point4TimesTheStreamBitrate() throws Exception {
        Path shared = requireViewerPeers();
        WhepViewerBench bench = new WhepViewerBench(WhepViewerBench.prepareClip(shared, OUT.resolve("inputs")), OUT);
        long cap = WhepViewerBench.STREAM_BPS * 14 / 10;
        CapacitySchedule constant = CapacitySchedule.constant("1.4x", cap, 25_000);
        List<Result> results = new ArrayList<>(bench.run(new Scenario("ci-1.4x-25s", constant), List.of(Variant.ADAPTED)));
        results.addAll(bench.run(new Scenario("ci-1.4x-25s-then", constant), List.of(Variant.UNPACED)));
        WhepViewerBench.writeFigures(OUT, results);
        results.forEach(r -> System.out.println("WHEP viewer " + r.variant() + ": " + r.figures() + " plot " + r.plot()));
        Result adapted = results.get(0);
        assertEquals(Variant.ADAPTED, adapted.variant());
        Map<String, Object> f = adapted.figures();
        assertTrue(f.get("firstFrameMs") instanceof Number n && n.longValue() >= 0, "the adapted viewer decoded no frame: " + f);
        // The goal: no freeze after the first second. A join from a GOP cache over 0.5 s old left Chromium's
        // receive timing off for the rest of the run and 5-10 short freezes (200-450 ms) at the keyframes in 3 of 4
        // runs; since joins start at a live keyframe, 0 in 7 of 7 local runs. One is allowed for the noise of a
        // shared machine; the unpaced viewer has 11-16.
        assertTrue(((Number) f.get("freezesAfter1s")).intValue() <= 1,
                "the adapted viewer froze more than once after its first second at " + cap / 1000 + " kbit/s: " + f);
        assertEquals(0, ((Number) f.get("freezesOver1sAfter1s")).intValue(),
                "the adapted viewer froze for over 1 s after its first second at " + cap / 1000 + " kbit/s (1.4 × the stream): " + f);
        assertEquals(0, ((Number) f.get("serverFramesDropped")).intValue(),
                "the server dropped video for a viewer whose path carries 1.4 × the stream: " + f);
        // the join and GCC's initial probes (3 and 6 x the start rate) can overflow the queue once: 0-1.3 % in CI runs
        // (unpaced: 2.4-12 % here, at every keyframe)
        assertTrue(((Number) f.get("loss")).doubleValue() <= 0.03, "loss at the bottleneck over 3 %: " + f);
        assertTrue(((Number) f.get("decodedFps")).doubleValue() >= 0.9 * 24, "decoded frame rate: " + f);
    }
}
