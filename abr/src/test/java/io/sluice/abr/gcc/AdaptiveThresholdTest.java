package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdaptiveThresholdTest {
    @Test
    void followsTheTrendUpWithKUpAndDownWithKDown() {
        AdaptiveThreshold a = new AdaptiveThreshold();
        a.update(20, 0);
        a.update(20, 10_000); // 10 ms at k_up towards 20
        assertEquals(12.5 + AdaptiveThreshold.K_UP * (20 - 12.5) * 10, a.thresholdMs(), 1e-9);
        double before = a.thresholdMs();
        a.update(0, 20_000); // 10 ms at k_down towards 0
        assertEquals(before + AdaptiveThreshold.K_DOWN * (0 - before) * 10, a.thresholdMs(), 1e-9);
    }

    @Test
    void isClampedAndIgnoresSpikes() {
        AdaptiveThreshold a = new AdaptiveThreshold();
        for (long t = 0; t < 10_000_000; t += 100_000) {
            a.update(0, t);
        }
        assertEquals(AdaptiveThreshold.MIN_THRESHOLD_MS, a.thresholdMs());
        a.update(1000, 10_100_000); // far above γ + 15 ms: a spike, ignored
        assertEquals(AdaptiveThreshold.MIN_THRESHOLD_MS, a.thresholdMs());
        double g = a.thresholdMs();
        for (long t = 10_200_000; t < 200_000_000; t += 100_000) {
            g = a.thresholdMs();
            a.update(g + 14, t); // just under the spike limit: climbs
        }
        assertEquals(AdaptiveThreshold.MAX_THRESHOLD_MS, a.thresholdMs());
    }
}
