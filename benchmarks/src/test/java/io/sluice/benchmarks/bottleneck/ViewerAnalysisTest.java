package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Freeze;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ViewerAnalysis} on made-up getStats() series, no browser. */
class ViewerAnalysisTest {
    /** Every 250 ms; 6 frames per sample from {@code firstMs}, none in {@code [stallFrom, stallTo)}. */
    private static List<Sample> series(long durationMs, long firstMs, long stallFrom, long stallTo, long[][] freezesAt) {
        List<Sample> l = new ArrayList<>();
        long frames = 0;
        long count = 0;
        long ms = 0;
        for (long t = 0; t <= durationMs; t += 250) {
            if (t >= firstMs && (t < stallFrom || t >= stallTo)) {
                frames += 6;
            }
            for (long[] f : freezesAt) {
                if (f[0] == t) {
                    count++;
                    ms += f[1];
                }
            }
            l.add(new Sample(t, frames, count, ms, frames > 0 ? 854 : 0, frames > 0 ? 480 : 0, 0, 0, t * 300, 0, 0, t * 310, 0, 0,
                    "connected"));
        }
        return l;
    }

    @Test
    void freezesEndWhereTheCountGrowsAndOneAtTheStartIsNotAfterTheFirstSecond() {
        List<Sample> s = series(10_000, 1000, -1, -1, new long[][] {{1500, 300}, {6000, 1200}});
        assertEquals(List.of(new Freeze(1500, 300, false), new Freeze(6000, 1200, false)), ViewerAnalysis.freezes(s, 10_000));
        RunData q = new RunData(CapacitySchedule.constant("c", 3_000_000, 10_000),
                List.of(new QdiscSample(0, 0, 0, 0, 0), new QdiscSample(10_000, 3_000_000, 2000, 0, 37_500)), List.of(), List.of());
        Map<String, Object> f = ViewerAnalysis.figures(s, q, List.of());
        assertEquals(1000L, f.get("firstFrameMs"));
        assertEquals(2, f.get("freezes"));
        assertEquals(1, f.get("freezesAfter1s")); // 1500 is not more than 1 s after the first frame at 1000
        assertEquals(1L, f.get("freezesOver1sAfter1s"));
        assertEquals(1500L, f.get("freezeMs"));
        assertEquals(0.827, (double) f.get("utilization"), 0.001); // 310 bytes/ms × 8 / 3000 bit/ms
        assertEquals("854x480@1.0s", f.get("resolutions"));
    }

    @Test
    void aStallAtTheEndCountsAsAFreezeAndNoFrameAtAllIsFrozenThroughout() {
        assertEquals(List.of(new Freeze(10_000, 3250, true)),
                ViewerAnalysis.freezes(series(10_000, 500, 7000, 99_000, new long[0][]), 10_000));
        assertEquals(List.of(new Freeze(10_000, 10_000, true)),
                ViewerAnalysis.freezes(series(10_000, 99_000, -1, -1, new long[0][]), 10_000));
    }
}
