package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AimdRateControlTest {
    @Test
    void increasesMultiplicativelyBy8PercentPerSecondFarFromCapacity() {
        AimdRateControl a = new AimdRateControl(10_000, 500_000, 10_000_000);
        long t = 0;
        a.update(BandwidthUsage.NORMAL, 10_000_000, t); // enters INCREASE
        for (int i = 0; i < 10; i++) {
            t += 100_000;
            a.update(BandwidthUsage.NORMAL, 10_000_000, t);
        }
        assertEquals(500_000 * 1.08, a.latestEstimateBps(), 500_000 * 0.005);
    }

    @Test
    void overuseCutsTo085OfTheAcknowledgedRateThenHolds() {
        AimdRateControl a = new AimdRateControl(10_000, 1_000_000, 10_000_000);
        long cut = a.update(BandwidthUsage.OVERUSING, 800_000, 1_000_000);
        assertEquals((long) (0.85 * 800_000) - 5_000, cut);
        assertTrue(a.linkCapacity().hasEstimate());
        assertEquals(cut, a.update(BandwidthUsage.UNDERUSING, 800_000, 1_050_000), "underuse holds");
    }

    @Test
    void nearCapacityIncreasesAdditivelyByAboutAPacketPerResponseTime() {
        AimdRateControl a = new AimdRateControl(10_000, 1_000_000, 10_000_000);
        a.setRtt(100_000);
        long cut = a.update(BandwidthUsage.OVERUSING, 1_000_000, 0);
        long t = 1_000_000;
        a.update(BandwidthUsage.NORMAL, cut, t);
        long before = a.latestEstimateBps();
        t += 1_000_000;
        long after = a.update(BandwidthUsage.NORMAL, cut, t);
        // frame 830 kbit/s / 30 = 3.5 kB → 3 packets of ~1150 B; response 2 × (100 + 100) ms = 0.4 s
        double expected = (cut / 8.0 / 30 / 3) * 8 / 0.4;
        assertEquals(expected, after - before, expected * 0.05);
        assertTrue(after - before < 0.08 * before, "additive, slower than multiplicative");
    }

    @Test
    void increaseIsLimitedTo1Point5TimesTheAcknowledgedRate() {
        AimdRateControl a = new AimdRateControl(10_000, 1_000_000, 10_000_000);
        long t = 0;
        for (int i = 0; i < 100; i++) {
            a.update(BandwidthUsage.NORMAL, 400_000, t += 100_000);
        }
        assertEquals(1_000_000, a.latestEstimateBps(), "already above 1.5 × 400k + 10k: no increase");
        assertTrue(a.timeToReduceFurther(t + 200_000, 1_000_000));
        assertTrue(a.timeToReduceFurther(t + 1_000, 400_000), "throughput under half the estimate");
    }

    @Test
    void initialHalvingWaitsOneResponseTimeAfterTheLastCut() {
        AimdRateControl a = new AimdRateControl(10_000, 800_000, 10_000_000);
        a.setRtt(300_000);
        assertTrue(a.initialTimeToReduceFurther(0), "nothing cut yet");
        a.setEstimate(400_000, 0);
        assertFalse(a.initialTimeToReduceFurther(50_000), "next feedback: the cut cannot show yet");
        assertFalse(a.initialTimeToReduceFurther(399_000));
        assertTrue(a.initialTimeToReduceFurther(400_000), "RTT + 100 ms later");
        a.setEstimate(900_000, 450_000); // a probe raised it: not a cut
        assertTrue(a.initialTimeToReduceFurther(460_000));
    }
}
