package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.Result;
import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.ViewerResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The short version of {@link WhepLadderViewersBench} (issue 13, "viewers on different bottlenecks each get their own
 * rung"): one server publishes the bench's 640×360 clip with B-frames through its three-rung ladder (360p
 * 553 kbit/s, 240p 245 kbit/s, 180p 150 kbit/s, all transcoded), and three headless Chromium WHEP viewers watch it
 * for 25 s, each behind its own tbf (300 ms drop-tail) of 0.3, 1 and 3 Mbit/s. Every viewer starts on the top rung
 * (the server's first estimate is above it) and the figures count from 5 s after its first frame ("settled",
 * {@link WhepLadderViewersBench#viewerFigures}). Asserts: the 0.3 Mbit/s viewer ends (the rung played most in the
 * last 5 s) on a lower rung than the 3 Mbit/s one, the 3 Mbit/s viewer plays the top rung once settled, and no
 * viewer has a freeze over 1 s once settled. Not asserted, as not met every time: that the 3 Mbit/s viewer stays on
 * the top rung (in 2 of 6 runs it spent 0.5-0.6 of the time on 240p: one overuse signal with the tbf queue empty
 * cuts GCC's target to 0.85 × the acknowledged rate, under {@code RungSelector}'s 0.8 × the rung's nominal rate
 * whenever the rung sends under 0.94 × nominal, and the way back up needs a probe), and the middle viewer's rung. Fails, naming what is missing, when not root
 * or without Chromium (as {@link WhepViewerCiTest}). Figures and plots go to {@code target/whep-ladder-viewers-ci/}.
 */
@Tag("bottleneck")
@Tag("chromium")
class WhepLadderViewersCiTest {
    private static final Path OUT = Path.of("target/whep-ladder-viewers-ci");

    /**
     * The bench with its default ladder and viewer options, writing to {@code out}; fails, naming what is missing,
     * when not root or without Chromium ({@link WhepViewerCiTest#requireViewerPeers}).
     */
    static WhepLadderViewersBench bench(Path out) throws Exception {
        Path shared = WhepViewerCiTest.requireViewerPeers();
        return new WhepLadderViewersBench(WhepLadderViewersBench.prepareClip(shared, out.resolve("inputs")), out,
                WhepLadderViewersBench.LADDER_HEIGHTS, WhepLadderViewersBench.VIEWER_OPTIONS);
    }

    @Test
    void viewerOnALowCapacityPathPlaysALowerRungThanOneOnAHighCapacityPath() throws Exception {
        WhepLadderViewersBench bench = bench(OUT);
        Result r = bench.run("ci-3-viewers-25s", new long[] {300_000, 1_000_000, 3_000_000}, 25_000);
        WhepLadderViewersBench.writeFigures(OUT, r);
        r.viewers().forEach(v -> System.out.println("ladder viewer at " + v.capacityBps() / 1000 + " kbit/s: " + v.figures()));
        System.out.println("ladder run: " + r.run() + " plot " + r.plot());
        List<String> rungs = r.ladder().stream().map(g -> g.height() + "p").toList(); // highest first
        assertEquals(List.of("360p", "240p", "180p"), rungs, "the ladder the viewers saw: " + r.ladder());
        Map<String, Object> low = r.viewers().get(0).figures();
        Map<String, Object> high = r.viewers().get(2).figures();
        int lowRung = rungs.indexOf(low.get("finalRung"));
        int highRung = rungs.indexOf(high.get("finalRung"));
        assertTrue(lowRung >= 0 && highRung >= 0, "no rung readings from the server: low " + low + ", high " + high);
        assertTrue(lowRung > highRung, "the 0.3 Mbit/s viewer ends on " + low.get("finalRung") + ", the 3 Mbit/s one on "
                + high.get("finalRung") + ": low " + low + ", high " + high);
        assertTrue(((Number) high.get("topRungShare")).doubleValue() > 0, "the 3 Mbit/s viewer never played the top rung"
                + " once settled: " + high);
        assertEveryViewerPlaysWithoutFreezesOver1sOnceSettled(r);
    }

    /** Every viewer of {@code r} decoded a frame and had no freeze over 1 s once settled ({@code freezesOver1sAfter5s}). */
    static void assertEveryViewerPlaysWithoutFreezesOver1sOnceSettled(Result r) {
        for (ViewerResult v : r.viewers()) {
            Map<String, Object> f = v.figures();
            assertTrue(f.get("firstFrameMs") instanceof Number n && n.longValue() >= 0,
                    "the viewer at " + v.capacityBps() / 1000 + " kbit/s decoded no frame: " + f);
            assertEquals(0L, ((Number) f.get("freezesOver1sAfter5s")).longValue(),
                    "the viewer at " + v.capacityBps() / 1000 + " kbit/s froze for over 1 s once settled: " + f);
        }
    }
}
