package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrendlineEstimatorTest {
    /** Feeds groups sent every 10 ms whose arrival spacing is 10 ms + growthUs. */
    private static BandwidthUsage feed(TrendlineEstimator t, int groups, long growthUs, long[] arrival) {
        BandwidthUsage u = BandwidthUsage.NORMAL;
        for (int i = 0; i < groups; i++) {
            arrival[0] += 10_000 + growthUs;
            u = t.update(10_000 + growthUs, 10_000, arrival[0]);
        }
        return u;
    }

    @Test
    void steadyDelayHasZeroTrendAndStaysNormal() {
        TrendlineEstimator t = new TrendlineEstimator();
        assertEquals(BandwidthUsage.NORMAL, feed(t, 100, 0, new long[] {0}));
        assertEquals(0, t.trend(), 1e-9);
    }

    @Test
    void growingQueueIsOveruseAndDrainingQueueIsUnderuse() {
        TrendlineEstimator t = new TrendlineEstimator();
        long[] arrival = {0};
        feed(t, 40, 0, arrival);
        // each group arrives 1 ms later than sent spacing: queue grows 1 ms per 11 ms
        assertEquals(BandwidthUsage.OVERUSING, feed(t, 30, 1_000, arrival));
        assertTrue(t.trend() > 0.05, "slope " + t.trend());
        assertEquals(BandwidthUsage.UNDERUSING, feed(t, 30, -1_000, arrival));
        assertTrue(t.trend() < 0);
    }

    @Test
    void slopeIsTheLeastSquaresFitOfTheSmoothedDelay() {
        TrendlineEstimator t = new TrendlineEstimator();
        feed(t, 300, 500, new long[] {0}); // after smoothing settles, slope → 0.5 ms / 10.5 ms
        assertEquals(500.0 / 10_500, t.trend(), 0.002);
        assertEquals(TrendlineEstimator.MIN_NUM_DELTAS * t.trend() * TrendlineEstimator.THRESHOLD_GAIN,
                t.modifiedTrend(), 1e-9);
    }
}
