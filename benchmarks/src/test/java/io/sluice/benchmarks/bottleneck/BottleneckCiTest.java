package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.BottleneckRun.Publisher;
import io.sluice.benchmarks.bottleneck.BottleneckRun.Result;
import io.sluice.benchmarks.bottleneck.BottleneckRun.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The short version of the bottleneck benchmark ({@link BottleneckBench}), with coarse bounds (issue 10, "In CI"):
 * real publishers through a kernel tbf bottleneck (drop-tail, 300 ms) between two network namespaces into a
 * Sluice server. Needs root, iproute2, ffmpeg and Chromium (installed by {@code .ci/install-deps.sh}); a machine
 * without them fails here rather than skipping. Figures and plots go to {@code target/bottleneck-ci/}.
 */
@Tag("bottleneck")
class BottleneckCiTest {
    private static final Path OUT = Path.of("target/bottleneck-ci");
    private static BottleneckRun runner;
    private static final List<Result> RESULTS = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        assertEquals("0", Bottleneck.run("id", "-u").strip(), "the bottleneck needs root (network namespaces, tc)");
        Bottleneck.run("tc", "-V");
        Path clip = Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media", "friday_640x480_6s_h264_aac.mp4");
        assertTrue(Files.isRegularFile(clip), "missing " + clip);
        runner = new BottleneckRun(BottleneckRun.Media.prepare(clip, OUT.resolve("inputs"), 150), OUT);
    }

    @AfterAll
    static void writeFigures() throws Exception {
        BottleneckBench.writeFigures(OUT, RESULTS);
    }

    /** RFC 8867 §5.1's shape in 40 s: 1 → 2.5 → 0.6 → 1 Mbit/s at 0, 16, 24, 32 s. */
    private static Scenario steps() {
        return new Scenario("ci-steps-40s", CapacitySchedule.rfc8867VariableCapacity(40_000), 1, false);
    }

    private static Map<String, Object> run(Scenario sc, Publisher p) throws Exception {
        Result r = runner.run(sc, p);
        RESULTS.add(r);
        System.out.println(sc.name() + " " + p + ": " + r.figures() + " plot " + r.plot());
        return r.figures();
    }

    private static double num(Map<String, Object> f, String key) {
        Object v = f.get(key);
        assertTrue(v instanceof Number, key + " not measured: " + f);
        return ((Number) v).doubleValue();
    }

    @Test
    void whipClientThroughStepScheduleKeepsLossAndDelayGrowthBounded() throws Exception {
        Map<String, Object> f = run(steps(), Publisher.WHIP);
        assertTrue(num(f, "loss") <= 0.03, "loss at the bottleneck " + f.get("loss") + " > 3 %: " + f);
        assertTrue(num(f, "delayGrowthP95Ms") <= 1500, "p95 delay growth " + f.get("delayGrowthP95Ms") + " ms > 1.5 s: " + f);
    }

    /**
     * Delay growth is bounded where the rate controller acts: from the encoder handing a frame to the RTMP transport
     * to its arrival at the server (send buffer, socket, bottleneck). End to end it also holds the encoder's lag
     * behind real time, which on this shared 2-core machine is the CPU's: in session 5 the 9.4 s run had a 40 ms
     * bottleneck queue and x264 at 26 fps at load 40. Both are printed; the encoder's lag is asserted to be measured.
     */
    @Test
    void rtmpClientThroughStepScheduleKeepsLossAndDelayGrowthBounded() throws Exception {
        Map<String, Object> f = run(steps(), Publisher.RTMP);
        assertTrue(num(f, "loss") <= 0.03, "loss at the bottleneck " + f.get("loss") + " > 3 %: " + f);
        System.out.println("RTMP delay growth p95: end to end " + f.get("delayGrowthP95Ms") + " ms = encoder lag (p95 "
                + f.get("encoderLagP95Ms") + " ms) + transport " + f.get("transportDelayGrowthP95Ms") + " ms");
        num(f, "encoderLagP95Ms");
        assertTrue(num(f, "transportDelayGrowthP95Ms") <= 1500, "p95 delay growth after the encoder "
                + f.get("transportDelayGrowthP95Ms") + " ms > 1.5 s: " + f);
    }

    @Test
    @Tag("chromium")
    void chromiumPublishingIntoIngestEstimatesTheBottleneck() throws Exception {
        Map<String, Object> f = run(new Scenario("ci-1mbit-25s", CapacitySchedule.constant("1mbit", 1_000_000, 25_000), 1, false),
                Publisher.CHROMIUM);
        double aob = num(f, "estimateP50After20sKbps");
        assertTrue(aob >= 600 && aob <= 1200, "Chromium's availableOutgoingBitrate after 20 s: " + aob
                + " kbit/s, expected 600-1200 over a 1 Mbit/s bottleneck: " + f);
    }
}
