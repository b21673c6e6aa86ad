package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OveruseDetectorTest {
    @Test
    void overuseNeedsMoreThan10msAboveThresholdOverTwoSamples() {
        OveruseDetector d = new OveruseDetector();
        assertEquals(BandwidthUsage.NORMAL, d.detect(20, 0.1, 5, 0)); // 2.5 ms over
        assertEquals(BandwidthUsage.NORMAL, d.detect(20, 0.1, 5, 5_000)); // 7.5 ms
        assertEquals(BandwidthUsage.OVERUSING, d.detect(20, 0.1, 5, 10_000)); // 12.5 ms, 3 samples
    }

    @Test
    void aFallingTrendIsNotOveruse() {
        OveruseDetector d = new OveruseDetector();
        d.detect(20, 0.3, 20, 0);
        assertEquals(BandwidthUsage.NORMAL, d.detect(20, 0.2, 20, 20_000));
    }

    @Test
    void belowMinusThresholdIsUnderuseAndInsideIsNormal() {
        OveruseDetector d = new OveruseDetector();
        assertEquals(BandwidthUsage.UNDERUSING, d.detect(-20, -0.1, 5, 0));
        assertEquals(BandwidthUsage.NORMAL, d.detect(1, 0.0, 5, 5_000));
    }
}
