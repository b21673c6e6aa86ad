package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.cc.ProbeClusterConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeControllerTest {
    @Test
    void startsAt3And6TimesTheStartRateThenProbesFurtherAfterASuccess() {
        ProbeController p = new ProbeController(false);
        List<ProbeClusterConfig> initial = p.setBitrates(30_000, 300_000, 20_000_000, 0);
        assertEquals(List.of(900_000L, 1_800_000L),
                initial.stream().map(ProbeClusterConfig::targetBitrateBps).toList());
        assertTrue(initial.stream().allMatch(c -> c.targetProbeCount() == 5 && c.targetDurationUs() == 15_000));
        List<ProbeClusterConfig> further = p.setEstimatedBitrate(1_700_000, 300_000); // > 0.7 × 1.8 M
        assertEquals(List.of(3_400_000L), further.stream().map(ProbeClusterConfig::targetBitrateBps).toList());
        assertEquals(List.of(), p.setEstimatedBitrate(2_000_000, 400_000), "< 0.7 × 3.4 M: done");
    }

    /** A probe the sender asks for lasts 150 ms, long enough that a few-kB token bucket does not hide the path. */
    @Test
    void requestedProbeLasts150Ms() {
        ProbeController p = new ProbeController(false);
        p.setBitrates(30_000, 300_000, 20_000_000, 0);
        p.setEstimatedBitrate(300_000, 200_000); // under 0.7 × the 1.8 M probe: no further probe
        p.process(1_500_000); // no result within 1 s: probing complete
        List<ProbeClusterConfig> asked = p.requestProbeAt(2_000_000, 795_000);
        assertEquals(1, asked.size());
        assertEquals(795_000, asked.get(0).targetBitrateBps());
        assertEquals(ProbeController.REQUESTED_PROBE_DURATION_US, asked.get(0).targetDurationUs());
        assertEquals(150_000, asked.get(0).targetDurationUs());
        assertEquals(5, asked.get(0).targetProbeCount());
    }

    @Test
    void probesAreCappedAtTheMaximum() {
        ProbeController p = new ProbeController(false);
        List<ProbeClusterConfig> initial = p.setBitrates(30_000, 300_000, 1_000_000, 0);
        assertEquals(List.of(900_000L, 1_000_000L),
                initial.stream().map(ProbeClusterConfig::targetBitrateBps).toList());
    }

    @Test
    void probesAreBoundedByTwiceTheTotalAllocation() {
        ProbeController p = new ProbeController(true);
        p.setMaxTotalAllocatedBitrate(400_000);
        List<ProbeClusterConfig> initial = p.setBitrates(30_000, 300_000, 20_000_000, 0);
        assertEquals(List.of(800_000L), initial.stream().map(ProbeClusterConfig::targetBitrateBps).toList(),
                "3 × 300 k bounded by 2 × 400 k; no probing further from the bound");
        p.setEstimatedBitrate(700_000, 100_000);
        p.setAlrStartTime(2_000_000);
        assertEquals(List.of(800_000L), p.process(7_000_000).stream().map(ProbeClusterConfig::targetBitrateBps).toList(),
                "an ALR probe at 2 × 700 k bounded too");
        p.setMaxTotalAllocatedBitrate(0); // unknown again: the maximum only
        assertEquals(List.of(1_400_000L), p.process(12_000_000).stream().map(ProbeClusterConfig::targetBitrateBps)
                .toList());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> p.setMaxTotalAllocatedBitrate(-1));
    }

    @Test
    void alrProbesEvery5sAtTwiceTheEstimate() {
        ProbeController p = new ProbeController(true);
        p.setBitrates(30_000, 300_000, 20_000_000, 0);
        p.setEstimatedBitrate(500_000, 100_000);
        assertEquals(List.of(), p.process(1_200_000), "waiting for probe result times out");
        p.setAlrStartTime(2_000_000);
        assertEquals(List.of(), p.process(6_000_000));
        List<ProbeClusterConfig> alr = p.process(7_000_000);
        assertEquals(List.of(1_000_000L), alr.stream().map(ProbeClusterConfig::targetBitrateBps).toList());
    }

    @Test
    void recoveryProbeAfterALargeDropInAlr() {
        ProbeController p = new ProbeController(false);
        p.setBitrates(30_000, 300_000, 20_000_000, 0);
        p.setEstimatedBitrate(2_000_000, 100_000); // further probe 4 M
        p.process(1_200_000); // result never came: probing complete
        p.setEstimatedBitrate(800_000, 2_000_000); // < 0.66 × 2 M: a large drop
        p.setAlrStartTime(2_100_000);
        List<ProbeClusterConfig> r = p.requestProbe(2_500_000);
        assertEquals(List.of(1_700_000L), r.stream().map(ProbeClusterConfig::targetBitrateBps).toList());
        assertEquals(List.of(), p.requestProbe(3_000_000), "at most one per 5 s");
    }
}
