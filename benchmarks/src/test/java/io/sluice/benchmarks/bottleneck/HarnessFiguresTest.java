package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.RunData.Frame;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's own arithmetic (schedules from the shared traces, figures from known series), no network. */
class HarnessFiguresTest {
    private static final Path TRACES = Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "traces");

    @Test
    void rfc8867VariableCapacityCompressesTheStepTimes() {
        CapacitySchedule s = CapacitySchedule.rfc8867VariableCapacity(60_000);
        assertEquals(List.of(new CapacitySchedule.Step(0, 1_000_000), new CapacitySchedule.Step(24_000, 2_500_000),
                new CapacitySchedule.Step(36_000, 600_000), new CapacitySchedule.Step(48_000, 1_000_000)), s.steps());
        assertEquals(2_500_000, s.capacityAt(35_999));
        assertEquals(600_000, s.capacityAt(36_000));
    }

    @Test
    void parsedScheduleStepsAtItsSeconds() {
        CapacitySchedule s = CapacitySchedule.parse("0:1.0,20:0.35,40:1", 60_000);
        assertEquals(List.of(new CapacitySchedule.Step(0, 1_000_000), new CapacitySchedule.Step(20_000, 350_000),
                new CapacitySchedule.Step(40_000, 1_000_000)), s.steps());
        assertEquals(60_000, s.durationMs());
        assertThrows(IllegalArgumentException.class, () -> CapacitySchedule.parse("5:1.0", 60_000));
        assertThrows(IllegalArgumentException.class, () -> CapacitySchedule.parse("0:1.0,20:0.5,10:1", 60_000));
        assertThrows(IllegalArgumentException.class, () -> CapacitySchedule.parse("0:1.0,20", 60_000));
    }

    @Test
    void stepFiguresTimeTheRungAgainstTheCapacitySteps() {
        List<WhepLadderViewersBench.Rung> ladder = List.of(new WhepLadderViewersBench.Rung(360, 553_000, "hi"),
                new WhepLadderViewersBench.Rung(240, 245_000, "mid"), new WhepLadderViewersBench.Rung(180, 150_000, "lo"));
        // 1 Mbit/s, 350 kbit/s at 20 s (240p), 600 kbit/s at 40 s: 360p fits 600 but not 0.8 x 600 = 480
        CapacitySchedule sch = CapacitySchedule.parse("0:1.0,20:0.35,40:0.6", 60_000);
        List<WhepLadderViewersBench.RungSample> rungs = new ArrayList<>();
        for (int t = 0; t < 60_000; t += 250) {
            // down to 180p 1.5 s after the drop, 240p from 25 s, 360p 6 s after the rise
            String s = t < 21_500 ? "hi" : t < 25_000 ? "lo" : t < 46_000 ? "mid" : "hi";
            rungs.add(new WhepLadderViewersBench.RungSample(t, s, 0));
        }
        List<ViewerAnalysis.Freeze> freezes = List.of(new ViewerAnalysis.Freeze(3_000, 900, false),
                new ViewerAnalysis.Freeze(22_000, 400, false), new ViewerAnalysis.Freeze(23_000, 700, false));
        Map<String, Object> f = WhepLadderViewersBench.stepFigures(sch, rungs, freezes, 5_000, ladder);
        assertEquals("20s 1000->350k down", f.get("step1"));
        assertEquals("360p", f.get("step1FromRung"));
        assertEquals(1_500L, f.get("step1RungMs"));
        assertEquals(1_500L, f.get("step1SelRungMs"));
        assertEquals(700L, f.get("step1LongestFreezeMs"));
        assertEquals(2, f.get("step1Freezes"));
        assertEquals(0L, f.get("step0LongestFreezeMs")); // the 3 s freeze ends before the viewer settled
        assertEquals(1.0, f.get("step0Utilization"));
        // 20-21.5 s on 553k (6 readings), 21.5-25 s on 150k (14), 25-40 s on 245k (60), of 80; allowed 245k
        assertEquals(Math.round((6 * 553.0 + 14 * 150 + 60 * 245) / 80 / 245 * 100) / 100.0, f.get("step1Utilization"));
        assertEquals(Math.round(6 / 80.0 * 100) / 100.0, f.get("step1AboveShare"));
        assertEquals("40s 350->600k up", f.get("step2"));
        assertEquals("240p", f.get("step2FromRung"));
        assertEquals(6_000L, f.get("step2RungMs"));
        assertEquals(0L, f.get("step2SelRungMs")); // the selector's rule allows only 240p on 600 kbit/s
        CapacitySchedule never = CapacitySchedule.parse("0:1.0,20:0.2", 30_000);
        assertEquals("never", WhepLadderViewersBench.stepFigures(never, rungs.subList(0, 86), List.of(), 5_000, ladder)
                .get("step1RungMs"));
    }

    @Test
    void mahimahiTraceKeepsItsMeanRate() throws Exception {
        // shared/traces/INDEX.tsv: ATT-LTE-driving-2016.up, 120.0 s, mean 1.91 Mbit/s
        CapacitySchedule s = CapacitySchedule.mahimahi(TRACES.resolve("mahimahi/ATT-LTE-driving-2016.up"), 0, 120_000, 500, 0);
        double mean = Analysis.capacityBits(s, 0, 120_000) / 120.0;
        assertEquals(1.91e6, mean, 0.03e6);
    }

    @Test
    void cookedTraceKeepsItsMeanRate() throws Exception {
        // INDEX.tsv gives the mean of the samples, 3.337 Mbit/s; a schedule holds each sample until the next, and
        // over the first 150 s that time-weighted mean is 2.959 Mbit/s (awk over the file: sum of Mbps x interval / 150)
        CapacitySchedule s = CapacitySchedule.cooked(TRACES.resolve("pensieve/cooked_test_traces/norway_bus_1"), 0, 150_000, 0);
        double mean = Analysis.capacityBits(s, 0, 150_000) / 150.0;
        assertEquals(2.959e6, mean, 0.01e6);
    }

    @Test
    void freezesFollowLibwebrtcDefinition() {
        List<Frame> video = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            video.add(new Frame(i * 33.3, true, i * 33_333L, i == 0, 1000));
        }
        // a 200 ms gap after 33 ms frames: > avg + 150 ms, a freeze; then 80 ms: < 3 x 33 ms, not one
        video.add(new Frame(59 * 33.3 + 200, true, 60 * 33_333L, false, 1000));
        video.add(new Frame(59 * 33.3 + 280, true, 61 * 33_333L, false, 1000));
        double[] f = Analysis.freezes(video, 59 * 33.3 + 300);
        assertEquals(1, f[0]);
        assertEquals(200, f[1], 0.01);
        assertEquals(1, Analysis.freezes(List.of(), 10_000)[0]);
    }

    @Test
    void tcpShareCountsOnlyTheRun() {
        // 2 Mbit/s for 10 s; TCP gets 1 Mbit/s within the run, after 5 MB received before t0 (t = -1)
        CapacitySchedule s = CapacitySchedule.rfc8867LongTcp(10_000);
        List<QdiscSample> q = List.of(new QdiscSample(0, 0, 0, 0, 0), new QdiscSample(10_000, 2_500_000, 2000, 0, 0));
        List<RunData.Counter> tcp = new ArrayList<>(List.of(new RunData.Counter(-1, 5_000_000)));
        for (int t = 100; t <= 10_000; t += 100) {
            tcp.add(new RunData.Counter(t, 5_000_000 + t * 125L));
        }
        Map<String, Object> f = Analysis.figures(new RunData(s, q, List.of(new RunData.Flow("live/x")), tcp));
        assertEquals(0.5, (double) f.get("tcpShare"), 0.001);
    }

    @Test
    void figuresFromAQueueThatFillsAndDrops() {
        // 1 Mbit/s for 10 s, delivered at capacity, backlog 37.5 kB (300 ms) throughout, 100 of 1100 packets dropped
        CapacitySchedule s = CapacitySchedule.constant("1mbit", 1_000_000, 10_000);
        List<QdiscSample> q = new ArrayList<>();
        for (int t = 0; t <= 10_000; t += 50) {
            q.add(new QdiscSample(t, t * 125L, t / 10L, t / 100L, 37_500));
        }
        List<Frame> video = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            video.add(new Frame(i * 33.3 + i * 1.0, true, i * 33_333L, false, 4000)); // about 1 ms more delay per frame
        }
        RunData.Flow flow = new RunData.Flow("live/x");
        flow.frames.addAll(video);
        Map<String, Object> f = Analysis.figures(new RunData(s, q, List.of(flow), List.of()));
        assertEquals(1.0, (double) f.get("utilization"), 0.01);
        assertEquals(300.0, (double) f.get("queueDelayP95Ms"), 0.01);
        assertEquals(100 / 1100.0, (double) f.get("loss"), 0.001);
        assertEquals(30.0, (double) f.get("fps"), 0.01);
        assertEquals(299 * (1 - 0.0333), (double) f.get("delayGrowthMaxMs"), 1.0); // arrival 34.3 ms apart, media 33.33
        assertEquals(0, f.get("freezes"));
    }

    /**
     * 2.4 Mbit/s → 0.6 at 10 s; the sender offers 2.4 until 10.2 s, then 0.3, and its estimate falls under 0.6 at
     * 10.15 s: the estimate's cut is 150 ms, the offered rate over the 500 ms window is under 0.6 only from ~10.6 s.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theEstimateCutIsTheControllersReactionTheOfferedCutLagsByTheWindow() {
        CapacitySchedule s = new CapacitySchedule("step", List.of(new CapacitySchedule.Step(0, 2_400_000),
                new CapacitySchedule.Step(10_000, 600_000)), 20_000);
        List<QdiscSample> q = new ArrayList<>();
        long bytes = 0;
        for (int t = 0; t <= 20_000; t += 50) {
            q.add(new QdiscSample(t, bytes, t / 10L, 0, 0));
            bytes += (t < 10_200 ? 2_400_000 : 300_000) / 8 / 20;
        }
        RunData.Flow flow = new RunData.Flow("live/x");
        for (int t = 0; t <= 20_000; t += 50) {
            flow.estimate.add(new RunData.Rate(t, t < 10_150 ? 2_400_000 : 500_000));
        }
        Map<String, Object> f = Analysis.figures(new RunData(s, q, List.of(flow), List.of()));
        assertEquals(List.of(150L), f.get("estimateCutMs"));
        long offered = ((List<Long>) f.get("timeToCutMs")).get(0);
        assertTrue(offered >= 550 && offered <= 700, "offered-rate cut " + offered + " ms");
    }

    @Test
    void delayGrowthSplitsAtTheHandOffFromEncoderToTransport() {
        // The encoder falls behind by 1 ms per frame; the network adds 0.5 ms per frame. The receiver's PTS are the
        // sender's less 5 s (a rebased time line) and truncated to ms, and every tenth frame never arrives.
        CapacitySchedule s = CapacitySchedule.constant("1mbit", 1_000_000, 20_000);
        List<QdiscSample> q = List.of(new QdiscSample(0, 0, 0, 0, 0), new QdiscSample(20_000, 0, 0, 0, 0));
        RunData.Flow flow = new RunData.Flow("live/x");
        for (int i = 0; i < 300; i++) {
            long pts = 5_000_000 + i * 33_333L;
            double handoff = i * 33.333 + i * 1.0 + 40;
            int bytes = 3000 + (i * 7919) % 1000;
            flow.handoffs.add(new RunData.Handoff(handoff, pts, bytes));
            if (i % 10 != 9) {
                flow.frames.add(new Frame(handoff + 20 + i * 0.5, true, (pts - 5_000_000) / 1000 * 1000, false, bytes));
            }
        }
        Map<String, Object> f = Analysis.figures(new RunData(s, q, List.of(flow), List.of()));
        assertEquals(299 * 1.5, (double) f.get("delayGrowthMaxMs"), 2.0);
        assertEquals(298 * 0.5, (double) f.get("transportDelayGrowthMaxMs"), 2.0); // the last arriving frame is #298
        assertEquals(0.95 * 299, (double) f.get("encoderLagP95Ms"), 2.0);
    }
}
