package io.sluice.abr.rate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.rate.AdaptiveRateControllerTest.RecordingEncoder;
import io.sluice.abr.tcp.FluidSendBuffer;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.VideoSize;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.BandwidthEstimate.Kind;
import io.sluice.core.spi.RateControllerProvider;
import io.sluice.core.time.ManualTicker;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The RTMP publisher's whole adaptation loop in simulated time, as the bottleneck benchmark runs it
 * ({@code BottleneckBench --scenarios 5.1 --publishers rtmp --duration-s 60}): a 640x480 H.264 encoder at the
 * default 2.5 Mbit/s maximum with 128 kbit/s of AAC, {@link AdaptiveRateController} from its automatic start over a
 * network path, RTMP's 200 ms send-rate reports from a {@link FluidSendBuffer} draining at the capacity of RFC 8867
 * §5.1's shape compressed to 60 s (1 → 2.5 → 0.6 → 1 Mbit/s at 0, 24, 36, 48 s). The figures are computed as the
 * benchmark's {@code Analysis} computes them from the bottleneck's counters.
 */
class RtmpAdaptationSimulationTest {
    private static final URI RTMP = URI.create("rtmp://10.203.0.2/live/bn1");
    private static final long AUDIO_BPS = 128_000;
    private static final long REPORT_US = 200_000;
    private static final long[] STEP_STARTS_US = {0, 24_000_000, 36_000_000, 48_000_000};
    private static final long[] STEP_BPS = {1_000_000, 2_500_000, 600_000, 1_000_000};
    private static final long END_US = 60_000_000;

    static long capacity(long tUs) {
        for (int i = STEP_STARTS_US.length - 1; i >= 0; i--) {
            if (tUs >= STEP_STARTS_US[i]) {
                return STEP_BPS[i];
            }
        }
        return STEP_BPS[0];
    }

    /** One run, sampled every {@link FluidSendBuffer#STEP_US}: {tUs, capacity, video target, drained bits so far, queued media µs}. */
    private static List<long[]> run() {
        ManualTicker ticker = new ManualTicker();
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        AdaptiveRateController c = new AdaptiveRateController(new RateControllerProvider.Context(
                AdaptiveBitrate.defaults(), AUDIO_BPS, ticker, d -> { }, true));
        c.attach(enc);
        FluidSendBuffer link = new FluidSendBuffer(RtmpAdaptationSimulationTest::capacity);
        List<long[]> out = new ArrayList<>();
        long nextReport = REPORT_US;
        while (link.nowUs() < END_US) {
            // RTMP framing (FLV tags, chunk headers) on top of what the encoders produce
            link.step((long) (enc.bitrate / (1 - AdaptiveRateController.RTMP_OVERHEAD)),
                    (long) (AUDIO_BPS / (1 - AdaptiveRateController.RTMP_OVERHEAD)));
            ticker.advanceNanos(FluidSendBuffer.STEP_US * 1000);
            if (link.nowUs() >= nextReport) {
                nextReport += REPORT_US;
                c.onBandwidthEstimate(RTMP, new BandwidthEstimate(Kind.SEND_RATE, link.takeDrainBps(), link.queuedBytes(),
                        link.queuedMediaUs(), 0, 0));
            }
            out.add(new long[] {link.nowUs(), capacity(link.nowUs()), enc.bitrate, (long) link.drainedBits(), link.queuedMediaUs()});
        }
        return out;
    }

    private static long[] at(List<long[]> run, long tUs) {
        int i = (int) Math.min(run.size() - 1, Math.max(0, tUs / FluidSendBuffer.STEP_US - 1));
        return run.get(i);
    }

    /** Delivered bits / capacity over each step minus its first 2 s (Analysis.utilization). */
    private static double utilization(List<long[]> run) {
        double delivered = 0;
        double cap = 0;
        for (int i = 0; i < STEP_STARTS_US.length; i++) {
            long from = STEP_STARTS_US[i] + 2_000_000;
            long to = i + 1 < STEP_STARTS_US.length ? STEP_STARTS_US[i + 1] : END_US;
            delivered += at(run, to)[3] - at(run, from)[3];
            cap += STEP_BPS[i] * (to - from) / 1e6;
        }
        return delivered / cap;
    }

    /** Delivered rate over the 500 ms before {@code tUs}, bit/s. */
    private static double deliveredBps(List<long[]> run, long tUs) {
        return (at(run, tUs)[3] - at(run, tUs - 500_000)[3]) / 0.5;
    }

    @Test
    @DisplayName("RFC 8867 §5.1 in 60 s through the whole RTMP loop: utilization ≥ 0.8, 90 % of each step up within 5 s,"
            + " a cut within 0.5 s of 200 ms queued, video kept above half its share after the 2.5 → 0.6 step")
    void followsTheBenchmarkSchedule() {
        List<long[]> run = run();
        double u = utilization(run);
        System.out.printf("RTMP loop, §5.1 in 60 s: utilization %.3f%n", u);
        for (int i = 1; i < STEP_STARTS_US.length; i++) {
            long step = STEP_STARTS_US[i];
            long end = i + 1 < STEP_STARTS_US.length ? STEP_STARTS_US[i + 1] : END_US;
            if (STEP_BPS[i] > STEP_BPS[i - 1]) {
                long reached = -1;
                for (long t = step + 500_000; t < end && reached < 0; t += 50_000) {
                    if (deliveredBps(run, t) >= 0.9 * STEP_BPS[i]) {
                        reached = t - step;
                    }
                }
                System.out.printf("  step up at %d s to %d kbit/s: 90 %% delivered after %.2f s%n", step / 1_000_000,
                        STEP_BPS[i] / 1000, reached / 1e6);
                assertTrue(reached >= 0 && reached <= 5_000_000, "90 % of the step up at " + step / 1e6 + " s after "
                        + reached / 1e6 + " s (-1: never)");
            }
        }
        // The 2.5 → 0.6 step: from 200 ms queued to sending under the capacity.
        long queued = run.stream().filter(r -> r[0] >= 36_000_000 && r[4] >= 200_000).mapToLong(r -> r[0]).findFirst().orElseThrow();
        long cut = run.stream().filter(r -> r[0] >= queued
                && (r[2] + AUDIO_BPS) / (1 - AdaptiveRateController.RTMP_OVERHEAD) <= r[1]).mapToLong(r -> r[0]).findFirst().orElseThrow();
        System.out.printf("  step down at 36 s: sending under capacity %.2f s after 200 ms queued%n", (cut - queued) / 1e6);
        assertTrue(cut - queued <= 500_000, "cut " + (cut - queued) / 1e6 + " s after 200 ms queued");
        // The video share of 0.6 Mbit/s: 0.6 × 0.97 − 128 k ≈ 454 kbit/s; the cut keeps at least half of it.
        long videoShare = (long) (600_000 * (1 - AdaptiveRateController.RTMP_OVERHEAD)) - AUDIO_BPS;
        long lowest = run.stream().filter(r -> r[0] >= 36_000_000 && r[0] < 48_000_000).mapToLong(r -> r[2]).min().orElseThrow();
        System.out.printf("  lowest video target in the 0.6 Mbit/s step: %d kbit/s (share %d)%n", lowest / 1000, videoShare / 1000);
        assertTrue(lowest >= videoShare / 2 - 1_000, "video cut to " + lowest + " bit/s, under half its share " + videoShare);
        long[] q = run.stream().filter(r -> r[0] >= 2_000_000).mapToLong(r -> r[4]).sorted().toArray();
        long p95 = q[(int) (q.length * 0.95)];
        System.out.printf("  p95 queued media %d ms, max %d ms%n", p95 / 1000, q[q.length - 1] / 1000);
        // Mostly the 2.5 → 0.6 step: 0.4 s of media at 2.3 Mbit/s queued before the cut drains at what the floor
        // leaves spare (the old floor, half the whole drain rate, drained it faster: p95 444 ms, video at 163 kbit/s).
        assertTrue(p95 <= 800_000, "p95 queued media " + p95 / 1000 + " ms");
        assertTrue(u >= 0.8, "utilization " + u);
    }
}
