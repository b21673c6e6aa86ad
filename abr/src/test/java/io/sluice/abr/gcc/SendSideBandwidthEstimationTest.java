package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SendSideBandwidthEstimationTest {
    private static SendSideBandwidthEstimation afterStartPhase() {
        SendSideBandwidthEstimation s = new SendSideBandwidthEstimation(30_000, 1_000_000, 10_000_000);
        s.updatePacketsLost(0, 100, 0);
        s.updateEstimate(3_000_000);
        return s;
    }

    @Test
    void lowLossIncreases8PercentOfTheLastSecondsMinimum() {
        SendSideBandwidthEstimation s = afterStartPhase();
        long before = s.targetBps();
        s.updatePacketsLost(1, 100, 4_100_000); // 1 % loss
        assertEquals((long) (before * 1.08 + 0.5) + 1000, s.targetBps());
    }

    @Test
    void lossBetween2And10PercentHolds() {
        SendSideBandwidthEstimation s = afterStartPhase();
        long before = s.targetBps();
        assertFalse(s.updatePacketsLost(5, 100, 4_100_000));
        assertEquals(before, s.targetBps());
    }

    @Test
    void highLossCutsByHalfTheLossOncePerIntervalPlusRtt() {
        SendSideBandwidthEstimation s = afterStartPhase();
        long before = s.targetBps();
        assertTrue(s.updatePacketsLost(20, 100, 4_100_000));
        int q8 = (20 << 8) / 100;
        assertEquals((long) (before * (512.0 - q8) / 512), s.targetBps());
        long once = s.targetBps();
        assertFalse(s.updateEstimate(4_200_000), "no second cut for the same report");
        assertEquals(once, s.targetBps());
    }

    @Test
    void fewerThan20PacketsAccumulate() {
        SendSideBandwidthEstimation s = afterStartPhase();
        s.updatePacketsLost(10, 10, 4_100_000);
        assertEquals(0, s.lossFraction(), "10 packets: no decision yet");
        s.updatePacketsLost(0, 10, 4_200_000);
        assertEquals(0.5, s.lossFraction(), 0.01);
    }

    @Test
    void delayBasedEstimateAndRembCapTheTarget() {
        SendSideBandwidthEstimation s = afterStartPhase();
        s.updateDelayBasedEstimate(600_000, 5_000_000);
        assertEquals(600_000, s.targetBps());
        s.updateReceiverEstimate(400_000, 5_000_000);
        assertEquals(400_000, s.targetBps());
    }

    @Test
    void duringTheStartPhaseWithoutLossTheTargetFollowsTheDelayBasedEstimateUp() {
        SendSideBandwidthEstimation s = new SendSideBandwidthEstimation(30_000, 300_000, 10_000_000);
        s.updateDelayBasedEstimate(1_800_000, 500_000);
        s.updateEstimate(500_000);
        assertEquals(1_800_000, s.targetBps());
    }
}
