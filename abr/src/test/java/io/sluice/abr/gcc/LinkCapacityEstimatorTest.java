package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LinkCapacityEstimatorTest {
    @Test
    void averagesOveruseRatesAndBoundsByThreeDeviations() {
        LinkCapacityEstimator e = new LinkCapacityEstimator();
        assertFalse(e.hasEstimate());
        e.onOveruseDetected(1_000_000);
        assertEquals(1_000_000, e.estimateBps());
        e.onOveruseDetected(2_000_000); // weight 0.05
        assertEquals(1_050_000, e.estimateBps());
        assertTrue(e.upperBoundBps() > 1_050_000 && e.lowerBoundBps() < 1_050_000);
        // deviation is clamped to 2.5 kbit/s normalized: bound = 3 sqrt(2.5 × 1050) kbit/s
        assertEquals(1_050_000 + 3 * Math.sqrt(2.5 * 1050) * 1000, e.upperBoundBps(), 1);
        e.reset();
        assertFalse(e.hasEstimate());
        assertEquals(Double.POSITIVE_INFINITY, e.upperBoundBps());
    }
}
