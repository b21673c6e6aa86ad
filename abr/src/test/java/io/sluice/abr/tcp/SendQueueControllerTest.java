package io.sluice.abr.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.spi.RateChangeReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

public class SendQueueControllerTest {
    private static final long REPORT_US = 200_000;

    /** Capacity 1 → 2.5 → 0.6 → 1 Mbit/s, 15 s each (the RFC 8867 §5.1 shape, compressed). */
    public static long schedule(long tUs) {
        if (tUs < 15_000_000) {
            return 1_000_000;
        }
        if (tUs < 30_000_000) {
            return 2_500_000;
        }
        if (tUs < 45_000_000) {
            return 600_000;
        }
        return 1_000_000;
    }

    private record Sample(long tUs, long capacityBps, long targetBps, long queuedMediaUs, RateChangeReason reason) {
    }

    private static List<Sample> run(SendQueueController c, long endUs) {
        FluidSendBuffer link = new FluidSendBuffer(SendQueueControllerTest::schedule);
        List<Sample> out = new ArrayList<>();
        long nextReport = REPORT_US;
        while (link.nowUs() < endUs) {
            link.step(c.targetBps());
            if (link.nowUs() >= nextReport) {
                nextReport += REPORT_US;
                c.onReport(link.nowUs(), link.takeDrainBps(), link.queuedBytes(), link.queuedMediaUs(), c.targetBps());
            }
            out.add(new Sample(link.nowUs(), schedule(link.nowUs()), c.targetBps(), link.queuedMediaUs(), c.reason()));
        }
        return out;
    }

    /** Seconds from {@code fromUs} until {@code target} first holds, or +inf. */
    private static double secondsUntil(List<Sample> run, long fromUs, java.util.function.Predicate<Sample> target) {
        for (Sample s : run) {
            if (s.tUs >= fromUs && target.test(s)) {
                return (s.tUs - fromUs) / 1e6;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    private static double utilization(List<Sample> run, long fromUs, long toUs) {
        double sent = 0;
        double cap = 0;
        for (Sample s : run) {
            if (s.tUs >= fromUs && s.tUs < toUs) {
                sent += Math.min(s.targetBps, s.capacityBps);
                cap += s.capacityBps;
            }
        }
        return sent / cap;
    }

    @Test
    @DisplayName("capacity 1 → 2.5 → 0.6 → 1 Mbit/s: cut within 0.5 s of 200 ms queued, 90 % of a step up within 10 s")
    void followsCapacitySchedule() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_500_000, 2_500_000);
        List<Sample> run = run(c, 60_000_000);

        // Step down at 0 s (start 2.5 above 1.0) and at 30 s (2.5 → 0.6): from the queue reaching 200 ms to a target under capacity.
        for (long stepUs : new long[] {0, 30_000_000}) {
            double queueAt = secondsUntil(run, stepUs, s -> s.queuedMediaUs >= 200_000);
            long queueUs = stepUs + (long) (queueAt * 1e6);
            double cut = secondsUntil(run, queueUs, s -> s.targetBps <= s.capacityBps);
            System.out.printf("step down at %d s: 200 ms queued after %.2f s, target under capacity %.2f s later%n",
                    stepUs / 1_000_000, queueAt, cut);
            assertTrue(cut <= 0.5, "cut " + cut + " s after 200 ms of queue at " + stepUs / 1e6 + " s");
            double drained = secondsUntil(run, queueUs + (long) (cut * 1e6), s -> s.queuedMediaUs < 100_000);
            System.out.printf("  queue under 100 ms again %.2f s after the cut%n", drained);
            // a 4x step down leaves ~1.5 Mbit queued: even at half the new capacity it takes seconds to drain
            assertTrue(drained <= 5, "queue drained " + drained + " s after the cut");
        }
        // Step up at 15 s (1 → 2.5) and 45 s (0.6 → 1): 90 % of the new capacity within 10 s.
        for (long stepUs : new long[] {15_000_000, 45_000_000}) {
            double up = secondsUntil(run, stepUs, s -> s.targetBps >= 0.9 * s.capacityBps);
            System.out.printf("step up at %d s: 90 %% of capacity after %.2f s%n", stepUs / 1_000_000, up);
            assertTrue(up <= 10, "90 % after " + up + " s at " + stepUs / 1e6 + " s");
        }
        // Steady segments (the last 5 s of each): utilization and queued media.
        for (long endUs : new long[] {15_000_000, 30_000_000, 45_000_000, 60_000_000}) {
            double u = utilization(run, endUs - 5_000_000, endUs);
            long maxQueue = run.stream().filter(s -> s.tUs >= endUs - 5_000_000 && s.tUs < endUs)
                    .mapToLong(Sample::queuedMediaUs).max().orElseThrow();
            System.out.printf("segment ending %d s: utilization %.2f, max queued media %d ms%n", endUs / 1_000_000, u, maxQueue / 1000);
            assertTrue(u >= 0.8, "utilization " + u + " before " + endUs / 1e6 + " s");
            assertTrue(maxQueue <= 600_000, "queued media " + maxQueue / 1000 + " ms before " + endUs / 1e6 + " s");
        }
        long[] queues = run.stream().filter(s -> s.tUs >= 2_000_000).mapToLong(Sample::queuedMediaUs).sorted().toArray();
        long p95 = queues[(int) (queues.length * 0.95)];
        System.out.printf("p95 queued media after 2 s: %d ms%n", p95 / 1000);
        assertTrue(p95 <= 600_000, "p95 queued media " + p95 / 1000 + " ms");
    }

    @Test
    @DisplayName("from a start under the path: doubles per second with an empty queue, first cut only once the queue grows")
    void startUpRampsFromALowStart() {
        // 625 kbit/s (a quarter of 2.5 Mbit/s) on a constant 1 Mbit/s path, in simulated time.
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_500_000, 625_000);
        FluidSendBuffer link = new FluidSendBuffer(t -> 1_000_000);
        long nextReport = REPORT_US;
        long firstIncreaseUs = -1;
        long reached90Us = -1;
        long maxQueueUs = 0;
        while (link.nowUs() < 10_000_000) {
            link.step(c.targetBps());
            if (link.nowUs() >= nextReport) {
                nextReport += REPORT_US;
                c.onReport(link.nowUs(), link.takeDrainBps(), link.queuedBytes(), link.queuedMediaUs(), c.targetBps());
                if (firstIncreaseUs < 0 && c.targetBps() > 625_000) {
                    firstIncreaseUs = link.nowUs();
                    assertEquals(RateChangeReason.PROBE, c.reason());
                    // 2^0.2 per 200 ms report
                    assertEquals(625_000 * Math.pow(2, 0.2), c.targetBps(), 2, "first report's growth");
                }
                if (reached90Us < 0 && c.targetBps() >= 900_000) {
                    reached90Us = link.nowUs();
                }
            }
            maxQueueUs = Math.max(maxQueueUs, link.queuedMediaUs());
        }
        assertEquals(2 * REPORT_US, firstIncreaseUs, "the first increase (on the first report with an interval) needs no earlier cut");
        assertTrue(reached90Us > 0 && reached90Us <= 1_000_000, "90 % of the path after " + reached90Us + " us");
        assertTrue(maxQueueUs <= 400_000, "queued media at most " + maxQueueUs / 1000 + " ms");
        assertTrue(c.targetBps() >= 700_000 && c.targetBps() <= 1_050_000, "target after 10 s: " + c.targetBps());
    }

    @Test
    void aKeyframeBurstAloneDoesNotCut() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_000_000, 1_000_000);
        c.onReport(0, 1_000_000, 0, 0, 1_000_000);
        c.onReport(200_000, 1_000_000, 30_000, 250_000, 1_000_000);
        assertEquals(1_000_000, c.targetBps(), "one report over 200 ms (and under 400 ms) draining at the target does not cut");
        c.onReport(400_000, 1_000_000, 0, 0, 1_000_000);
        assertNotEquals(RateChangeReason.QUEUE, c.reason());
        // A bigger burst over three reports, the buffer shrinking on each: still no cut.
        c.onReport(600_000, 1_000_000, 60_000, 350_000, 1_000_000);
        c.onReport(800_000, 1_000_000, 45_000, 300_000, 1_000_000);
        c.onReport(1_000_000, 1_000_000, 30_000, 250_000, 1_000_000);
        assertNotEquals(RateChangeReason.QUEUE, c.reason(), "a burst that drains does not cut");
        c.onReport(1_200_000, 1_000_000, 0, 0, 1_000_000);
        c.onReport(1_400_000, 800_000, 40_000, 300_000, 1_000_000);
        c.onReport(1_600_000, 800_000, 40_000, 300_000, 1_000_000);
        assertEquals(RateChangeReason.QUEUE, c.reason(), "a buffer that does not shrink on the second report cuts");
        assertTrue(c.targetBps() < 800_000, "two reports over 200 ms cut under the drain rate: " + c.targetBps());
    }

    @Test
    @DisplayName("a target that reached the operating point keeps rising while the queue stays empty")
    void doesNotStickAtTheOperatingPoint() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 10_000_000, 2_000_000);
        // Two backlogged reports draining at 888 887 bit/s: a cut, capacity 888 887, operating point 799 998.3.
        c.onReport(0, 888_887, 60_000, 300_000, 2_000_000);
        c.onReport(200_000, 888_887, 60_000, 300_000, 2_000_000);
        assertEquals(888_887, c.capacityBps());
        long t = 200_000;
        for (int i = 0; i < 100; i++) { // 20 s with an empty queue
            t += 200_000;
            c.onReport(t, c.targetBps(), 0, 0, c.targetBps());
        }
        assertTrue(c.targetBps() > 888_887, "target " + c.targetBps() + " after 20 s with an empty queue, capacity 888 887");
    }

    @Test
    void neverRunsAwayFromWhatIsSent() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 10_000_000, 500_000);
        for (long t = 0; t <= 30_000_000; t += 200_000) {
            c.onReport(t, 400_000, 0, 0, 400_000); // held at 400 kbit/s by something else, queue always empty
        }
        assertTrue(c.targetBps() <= 600_000, "target " + c.targetBps() + " vs 1.5 x 400 kbit/s sent");
    }

    @Test
    @DisplayName("an encoder producing far less than its target (CPU-starved) does not let the target run up")
    void applicationLimitedDoesNotProbe() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_500_000, 600_000);
        for (long t = 0; t <= 10_000_000; t += 200_000) {
            c.onReport(t, 250_000, 0, 0, c.targetBps()); // the target is 600+ kbit/s, 250 kbit/s flows, queue empty
        }
        assertTrue(c.targetBps() <= 600_000 * Math.pow(2, 0.8) + 1, "target " + c.targetBps() + " with 250 kbit/s sent");
        long held = c.targetBps();
        for (long t = 10_200_000; t <= 14_000_000; t += 200_000) {
            c.onReport(t, c.targetBps(), 0, 0, c.targetBps()); // the encoder catches up: the ramp goes on
        }
        assertTrue(c.targetBps() > 2 * held, "target " + c.targetBps() + " once the encoder sends its target (held " + held + ")");
    }

    /** One 5 ms step of {@link #withLaggingEncoder}: the setting in force, bit/s, and the queued media, µs. */
    private record LaggingSample(long tUs, long settingBps, long queuedMediaUs) {
    }

    /**
     * The controller with an encoder like x264 on the bench: its output follows 75 % of its setting with a 0.7 s time
     * constant (0.62-0.73 of the setting over the second after each raise, session 7, 5.1 step up), and the setting
     * follows the target as {@code AdaptiveRateController} sets it: decreases at once, increases of 5 % or more at
     * most once a second.
     */
    private static List<LaggingSample> withLaggingEncoder(java.util.function.LongUnaryOperator capacity, long endUs) {
        FluidSendBuffer link = new FluidSendBuffer(capacity);
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 150_000, 2_700_000, 700_000);
        long setting = c.targetBps();
        long lastSettingUs = 0;
        double produced = 0.75 * setting;
        long nextReport = REPORT_US;
        List<LaggingSample> out = new ArrayList<>();
        while (link.nowUs() < endUs) {
            produced += (0.75 * setting - produced) * FluidSendBuffer.STEP_US / 700_000.0;
            link.step((long) produced);
            if (link.nowUs() >= nextReport) {
                nextReport += REPORT_US;
                c.onReport(link.nowUs(), link.takeDrainBps(), link.queuedBytes(), link.queuedMediaUs(), setting);
                if (c.targetBps() < setting || link.nowUs() - lastSettingUs >= 1_000_000 && c.targetBps() >= setting * 1.05) {
                    setting = c.targetBps();
                    lastSettingUs = link.nowUs();
                }
            }
            out.add(new LaggingSample(link.nowUs(), setting, link.queuedMediaUs()));
        }
        return out;
    }

    @Test
    @DisplayName("an encoder that undershoots its setting and lags it (x264 ramping) does not slow a probe past a grown path")
    void anUndershootingEncoderProbesAtFullSpeedOnceThePathGrew() {
        // The old cap (1.5 x the last second's drain) let the target grow ~1.1-1.2 x a second with such an encoder:
        // 1 -> 2.5 Mbit/s took 5-8 s on the bench. Here the step lands 2.3 s after a probe's cut, the worst place in
        // the cycle (queue to drain, recovery, 1.5 s at the operating point, then a gentle probe until the path has
        // carried 1.1 x the old capacity): the setting reaches 2.25 Mbit/s 6.2 s after it (9.2 s with the cap throughout).
        long stepUs = 15_000_000;
        List<LaggingSample> run = withLaggingEncoder(t -> t < stepUs ? 1_000_000 : 2_500_000, 30_000_000);
        long reached90Us = run.stream().filter(x -> x.tUs() >= stepUs && x.settingBps() >= 2_250_000)
                .mapToLong(LaggingSample::tUs).findFirst().orElse(Long.MAX_VALUE);
        long maxQueueUs = run.stream().filter(x -> x.tUs() >= stepUs).mapToLong(LaggingSample::queuedMediaUs).max().orElseThrow();
        System.out.printf("undershooting encoder: setting at 90 %% of 2.5 Mbit/s %.2f s after the step, max queue %d ms%n",
                (reached90Us - stepUs) / 1e6, maxQueueUs / 1000);
        assertTrue(reached90Us - stepUs <= 7_000_000, "setting 2.25 Mbit/s " + (reached90Us - stepUs) / 1e6 + " s after the step");
        assertTrue(maxQueueUs <= 600_000, "queued media " + maxQueueUs / 1000 + " ms after the step");
    }

    @Test
    @DisplayName("on a steady path, probes with a lagging encoder stay gentle near the old capacity")
    void probesNearTheOldCapacityStayGentle() {
        List<LaggingSample> run = withLaggingEncoder(t -> 1_000_000, 40_000_000);
        long maxSetting = run.stream().filter(x -> x.tUs() >= 10_000_000).mapToLong(LaggingSample::settingBps).max().orElseThrow();
        long maxQueueUs = run.stream().filter(x -> x.tUs() >= 10_000_000).mapToLong(LaggingSample::queuedMediaUs).max().orElseThrow();
        System.out.printf("steady 1 Mbit/s, lagging encoder: highest setting %d kbit/s, max queue %d ms%n", maxSetting / 1000,
                maxQueueUs / 1000);
        // Uncapped once the capacity was stale, the setting went to 1.9 Mbit/s (x1.5 a raise) before the queue showed;
        // the bench's bottleneck then filled to 220 ms. Capped until the path carried 1.1 x the old capacity: 1.47.
        assertTrue(maxSetting <= 1_600_000, "setting up to " + maxSetting / 1000 + " kbit/s on a 1 Mbit/s path");
        assertTrue(maxQueueUs <= 400_000, "queued media " + maxQueueUs / 1000 + " ms");
    }

    @Test
    @DisplayName("a queue in the network with the send buffer empty (a keyframe crossing the path) cuts only once it stands")
    void aQueueOnlyInTheNetworkCutsOnlyOnceItStands() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_000_000, 1_000_000);
        c.onReport(0, 1_000_000, 0, 0, 1_000_000);
        // 300-350 ms of queued media for two reports, all of it past the send buffer (RTMP adds srtt - min RTT),
        // drained at under 80 % of the target: the encoder's rate, not the path's.
        c.onReport(200_000, 700_000, 0, 300_000, 1_000_000);
        c.onReport(400_000, 700_000, 500, 350_000, 1_000_000);
        assertEquals(1_000_000, c.targetBps());
        assertNotEquals(RateChangeReason.QUEUE, c.reason());
        c.onReport(600_000, 700_000, 0, 100_000, 1_000_000); // it crossed
        c.onReport(800_000, 700_000, 0, 250_000, 1_000_000);
        c.onReport(1_000_000, 700_000, 0, 250_000, 1_000_000);
        assertNotEquals(RateChangeReason.QUEUE, c.reason());
        c.onReport(1_200_000, 700_000, 0, 300_000, 1_000_000);
        assertEquals(RateChangeReason.QUEUE, c.reason(), "a third report in a row over 200 ms: a standing queue");
        // The busy period: the intervals with media queued at both ends (0.6-1.2 s).
        assertEquals(700_000, c.capacityBps());
        SendQueueController d = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 2_000_000, 1_000_000);
        d.onReport(0, 1_000_000, 0, 0, 1_000_000);
        d.onReport(200_000, 700_000, 0, 400_000, 1_000_000);
        assertEquals(RateChangeReason.QUEUE, d.reason(), "400 ms of queued media cuts at once wherever it waits");
    }

    @Test
    @DisplayName("the cut's floor is half the video's share of the drain rate, the reserved audio kept")
    void floorIsTakenOnTheVideoShare() {
        long audio = 132_000;
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 3_000_000, 2_500_000, audio);
        // 2.5 -> 0.6 Mbit/s: 100 kB waiting in the send buffer, draining at 600 kbit/s
        c.onReport(0, 2_500_000, 0, 0, 2_500_000);
        c.onReport(200_000, 600_000, 100_000, 300_000, 2_500_000);
        assertEquals(RateChangeReason.QUEUE, c.reason());
        assertEquals(600_000, c.capacityBps());
        assertEquals(audio + (600_000 - audio) / 2, c.targetBps(), 1, "floor: audio + half of (600 k - audio)");
        assertThrows(IllegalArgumentException.class,
                () -> new SendQueueController(SendQueueController.Config.defaults(), 1, 2, 1, -1));
    }

    @Test
    @DisplayName("1.5 s at the operating point with an empty queue: the capacity is stale and the target probes upward")
    void probesAfterHoldingAtTheOperatingPoint() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 100_000, 10_000_000, 1_000_000);
        c.onReport(0, 1_000_000, 0, 0, 1_000_000);
        c.onReport(200_000, 1_000_000, 40_000, 300_000, 1_000_000);
        c.onReport(400_000, 1_000_000, 40_000, 300_000, 1_000_000); // paced at 1 Mbit/s: a cut, capacity 1 Mbit/s
        assertEquals(1_000_000, c.capacityBps());
        long t = 400_000;
        long probedUs = -1;
        while (t < 10_000_000 && probedUs < 0) {
            t += 200_000;
            c.onReport(t, c.targetBps(), 0, 0, c.targetBps());
            if (c.reason() == RateChangeReason.PROBE) {
                probedUs = t;
            }
        }
        long reached90 = -1;
        for (; t < 10_000_000 && reached90 < 0; t += 200_000) {
            c.onReport(t, c.targetBps(), 0, 0, c.targetBps());
            if (c.targetBps() >= 2_250_000) {
                reached90 = t;
            }
        }
        System.out.printf("probe starts %.1f s after the cut, 90 %% of 2.5 Mbit/s %.1f s after it%n", (probedUs - 400_000) / 1e6,
                (reached90 - 400_000) / 1e6);
        assertTrue(probedUs > 0 && probedUs - 400_000 <= 3_500_000, "probing began " + (probedUs - 400_000) / 1e6 + " s after the cut");
        assertTrue(reached90 > 0 && reached90 - 400_000 <= 7_000_000, "2.25 Mbit/s " + (reached90 - 400_000) / 1e6 + " s after the cut");
    }

    @Test
    @DisplayName("reports from the bench (2.5 Mbit/s path, bursty encoder): the cut measures the busy period, not its last 200 ms")
    void aCutMeasuresTheBusyPeriod() {
        // RTMP's reports 30.37-31.86 s into BottleneckBench 5.1 (session 6, before this change): {ms, drain bit/s,
        // send buffer bytes, queued media ms}. The last interval drained 0.92 Mbit/s; the cut on it alone went to
        // 0.61 Mbit/s (video 462 kbit/s) on a 2.5 Mbit/s path.
        long[][] reports = {{30_371, 771_390, 8_507, 28}, {30_654, 4_302_389, 0, 74}, {30_875, 1_780_922, 0, 174},
            {31_155, 2_337_585, 0, 201}, {31_355, 3_094_076, 0, 183}, {31_558, 1_869_785, 0, 238}, {31_855, 919_166, 54_712, 394}};
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 287_000, 2_710_000, 2_446_096, 132_000);
        for (long[] r : reports) {
            c.onReport(r[0] * 1000, r[1], r[2], r[3] * 1000, 2_446_096);
        }
        assertEquals(RateChangeReason.QUEUE, c.reason());
        assertEquals(1_930_000, c.capacityBps(), 20_000, "bits over time across the five busy intervals");
        assertTrue(c.targetBps() >= 1_300_000 && c.targetBps() < 1_930_000, "target " + c.targetBps());
    }

    @Test
    void staysWithinBoundsAndRejectsBadReports() {
        SendQueueController c = new SendQueueController(SendQueueController.Config.defaults(), 300_000, 1_000_000, 5_000_000);
        assertEquals(1_000_000, c.targetBps());
        c.onReport(0, 10_000, 50_000, 900_000, 0);
        assertEquals(300_000, c.targetBps(), "a cut stops at the minimum");
        assertThrows(IllegalArgumentException.class, () -> c.onReport(-1, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> c.onReport(1, -5, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SendQueueController(SendQueueController.Config.defaults(), 0, 1, 1));
    }
}
