package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.Result;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's step goals with one real viewer: one headless Chromium WHEP viewer of {@link WhepLadderViewersBench}'s
 * three-rung ladder (360p 553 kbit/s, 240p 245 kbit/s, 180p 150 kbit/s) behind its own tbf (300 ms drop-tail) of
 * 1 Mbit/s, cut to 350 kbit/s at 15 s and back to 1 Mbit/s at 30 s, 45 s in all. 350 kbit/s allows 240p (both
 * {@link WhepLadderViewersBench#allowedRung} and the selector's 0.8 × capacity rule), 1 Mbit/s 360p. Asserts, from the
 * server's rung readings (every 250 ms) and Chromium's freeze counters (every 500 ms): the viewer plays 360p when the
 * capacity drops (on a lower rung already, the drop would time nothing), the rung is at or under 240p within 2.5 s of
 * the drop (the goal, 2 s, plus the readings' spacing), back on 360p within 8 s of the rise (the goal is 5 s:
 * asserted loosely, the figure printed), and no freeze over 1 s from 5 s after the first frame on. Not met every
 * time: in four runs on the 2-core machine (benchmarks/results/issue13/ladder-steps/README.md) the rung went down
 * 0.9-1.8 s after the drop and up 3.3-5.7 s after the rise, but two had a freeze over 1 s after the drop (1364 and
 * 1536 ms: GCC's estimate was 1.5-1.9 Mbit/s when the 1 Mbit/s path dropped, the 360p rung overflowed the 350 kbit/s
 * queue for 1.8 s, and the decoder waited for the 240p rung's keyframe), and one was on 180p at 1 Mbit/s when the
 * capacity dropped (a spurious down at 13.8 s).
 * Fails, naming what is missing, when not root or without Chromium (as {@link WhepViewerCiTest}). Figures and plots
 * go to {@code target/whep-ladder-steps-ci/}; run the JVM with {@code -Dsluice.bench.debug=io.sluice.webrtc.server.WhepSession}
 * for the session's trials, probes and switches in the run's log.
 */
@Tag("bottleneck")
@Tag("chromium")
class WhepLadderStepsCiTest {
    private static final Path OUT = Path.of("target/whep-ladder-steps-ci");

    @Test
    void rungFollowsACapacityDropAndRise() throws Exception {
        WhepLadderViewersBench bench = WhepLadderViewersCiTest.bench(OUT);
        long durationMs = 45_000;
        Result r = bench.run("ci-steps-1-viewer-45s", List.of(CapacitySchedule.parse("0:1.0,15:0.35,30:1.0", durationMs)),
                durationMs);
        WhepLadderViewersBench.writeFigures(OUT, r);
        Map<String, Object> f = r.viewers().get(0).figures();
        System.out.println("ladder steps viewer: " + f);
        System.out.println("ladder steps run: " + r.run() + " plot " + r.plot());
        assertEquals(List.of("360p", "240p", "180p"), r.ladder().stream().map(g -> g.height() + "p").toList(),
                "the ladder the viewer saw: " + r.ladder());
        assertTrue(f.get("firstFrameMs") instanceof Number n && n.longValue() >= 0, "the viewer decoded no frame: " + f);
        // on a lower rung already when the capacity drops, the drop times nothing (and 1 Mbit/s was not used)
        assertEquals("360p", f.get("step1FromRung"), "not on 360p at 1 Mbit/s when the capacity dropped (step0Utilization "
                + f.get("step0Utilization") + "): " + f);
        assertTrue(f.get("step1RungMs") instanceof Number down && down.longValue() <= 2_500,
                "rung not at or under 240p within 2.5 s of the drop to 350 kbit/s (step1RungMs " + f.get("step1RungMs") + "): " + f);
        assertTrue(f.get("step2RungMs") instanceof Number up && up.longValue() <= 8_000,
                "rung not back on 360p within 8 s of the rise to 1 Mbit/s (step2RungMs " + f.get("step2RungMs") + "): " + f);
        assertEquals(0L, ((Number) f.get("freezesOver1sAfter5s")).longValue(),
                "a freeze over 1 s once settled (longest " + f.get("longestFreezeAfter5sMs") + " ms): " + f);
    }
}
