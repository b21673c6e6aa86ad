package io.sluice.benchmarks.bottleneck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bottleneck capacity over time: steps of (start ms, bit/s), applied with {@code tc qdisc change}.
 *
 * @param name     short name used in file names
 * @param steps    in start order, the first at 0 ms
 * @param durationMs total length, ms
 */
public record CapacitySchedule(String name, List<Step> steps, long durationMs) {

    /** From {@code startMs} on, the capacity is {@code bps} bit/s. */
    public record Step(long startMs, long bps) {
    }

    public CapacitySchedule {
        steps = List.copyOf(steps);
        if (steps.isEmpty() || steps.get(0).startMs() != 0) {
            throw new IllegalArgumentException("schedule " + name + ": the first step must start at 0 ms");
        }
    }

    /** Capacity in bit/s at {@code ms} from the start. */
    public long capacityAt(long ms) {
        long c = steps.get(0).bps();
        for (Step s : steps) {
            if (s.startMs() <= ms) {
                c = s.bps();
            }
        }
        return c;
    }

    /**
     * RFC 8867 §5.1 (variable available capacity, single flow): 1.0 Mbit/s at 0 s, 2.5 at 40 s, 0.6 at 60 s,
     * 1.0 at 80 s, 100 s in all; time compressed to {@code durationMs}.
     */
    public static CapacitySchedule rfc8867VariableCapacity(long durationMs) {
        return scaled("rfc8867-5.1", durationMs, 100, new double[][] {{0, 1.0}, {40, 2.5}, {60, 0.6}, {80, 1.0}}, 1_000_000);
    }

    /**
     * RFC 8867 §5.2 (variable available capacity, multiple flows): 4.0, 2.0, 3.5, 1.0, 2.0 Mbit/s at 0, 25, 50,
     * 75, 100 s (125 s in all), time compressed to {@code durationMs}; two media flows share it.
     */
    public static CapacitySchedule rfc8867MultipleFlows(long durationMs) {
        return scaled("rfc8867-5.2", durationMs, 125,
                new double[][] {{0, 2.0}, {25, 1.0}, {50, 1.75}, {75, 0.5}, {100, 1.0}}, 2_000_000);
    }

    /** RFC 8867 §5.6 (media flow competing with a long TCP flow): 2.0 Mbit/s throughout, {@code durationMs} long. */
    public static CapacitySchedule rfc8867LongTcp(long durationMs) {
        return new CapacitySchedule("rfc8867-5.6", List.of(new Step(0, 2_000_000)), durationMs);
    }

    /** A constant capacity. */
    public static CapacitySchedule constant(String name, long bps, long durationMs) {
        return new CapacitySchedule(name, List.of(new Step(0, bps)), durationMs);
    }

    /**
     * A schedule written as {@code seconds:Mbit/s,...}, e.g. {@code 0:1.0,20:0.35,40:1.0} (1 Mbit/s, 350 kbit/s from
     * 20 s, 1 Mbit/s again from 40 s), {@code durationMs} long and named after {@code spec}.
     *
     * @throws IllegalArgumentException when a step is not {@code seconds:Mbit/s}, the first is not at 0 s, the
     *                                  times do not increase, or a rate is not positive
     */
    public static CapacitySchedule parse(String spec, long durationMs) {
        List<Step> steps = new ArrayList<>();
        for (String p : spec.split(",")) {
            String[] f = p.strip().split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("schedule " + spec + ": step " + p + " is not seconds:Mbit/s");
            }
            long ms = Math.round(Double.parseDouble(f[0]) * 1000);
            long bps = Math.round(Double.parseDouble(f[1]) * 1e6);
            if (bps <= 0 || (!steps.isEmpty() && ms <= steps.get(steps.size() - 1).startMs())) {
                throw new IllegalArgumentException("schedule " + spec + ": step " + p
                        + " has no positive rate or does not come after the one before");
            }
            steps.add(new Step(ms, bps));
        }
        return new CapacitySchedule(spec.replace(':', '@').replace(',', '-'), steps, durationMs);
    }

    private static CapacitySchedule scaled(String name, long durationMs, double totalS, double[][] points, long unitBps) {
        List<Step> steps = new ArrayList<>();
        for (double[] p : points) {
            steps.add(new Step(Math.round(p[0] / totalS * durationMs), Math.round(p[1] * unitBps)));
        }
        return new CapacitySchedule(name, steps, durationMs);
    }

    /**
     * A mahimahi trace (one line per 1500-byte delivery opportunity, the ms at which it occurs; the file loops)
     * turned into steps of {@code stepMs}, starting {@code offsetMs} into the trace. A step with no opportunity
     * gets {@code floorBps} (tbf cannot be set to 0).
     */
    public static CapacitySchedule mahimahi(Path trace, long offsetMs, long durationMs, long stepMs, long floorBps)
            throws IOException {
        List<Long> ts = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            String t = line.strip();
            if (!t.isEmpty()) {
                ts.add(Long.parseLong(t));
            }
        }
        if (ts.isEmpty()) {
            throw new IOException(trace + ": no delivery opportunities");
        }
        long period = Math.max(1, ts.get(ts.size() - 1));
        int nSteps = (int) ((durationMs + stepMs - 1) / stepMs);
        long[] count = new long[nSteps];
        for (long loop = 0; loop * period < offsetMs + durationMs; loop++) {
            for (long t : ts) {
                long rel = loop * period + t - offsetMs;
                if (rel >= 0 && rel < (long) nSteps * stepMs) {
                    count[(int) (rel / stepMs)]++;
                }
            }
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < nSteps; i++) {
            long bps = Math.max(floorBps, count[i] * 1500 * 8 * 1000 / stepMs);
            if (steps.isEmpty() || steps.get(steps.size() - 1).bps() != bps) {
                steps.add(new Step(i * stepMs, bps));
            }
        }
        return new CapacitySchedule("mahimahi-" + trace.getFileName(), steps, durationMs);
    }

    /**
     * A Pensieve "cooked" trace ({@code time_s throughput_Mbps} per line) as steps at its own sample times,
     * starting {@code offsetS} seconds in; throughput below {@code floorBps} is raised to it.
     */
    public static CapacitySchedule cooked(Path trace, double offsetS, long durationMs, long floorBps) throws IOException {
        List<Step> steps = new ArrayList<>();
        double first = Double.NaN;
        for (String line : Files.readAllLines(trace)) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            double t = Double.parseDouble(f[0]);
            if (Double.isNaN(first)) {
                first = t;
            }
            long ms = Math.round((t - first - offsetS) * 1000);
            long bps = Math.max(floorBps, Math.round(Double.parseDouble(f[1]) * 1e6));
            if (ms < 0) {
                steps.clear();
                steps.add(new Step(0, bps));
            } else if (ms < durationMs) {
                if (steps.isEmpty()) {
                    steps.add(new Step(0, bps));
                } else if (steps.get(steps.size() - 1).bps() != bps) {
                    steps.add(new Step(ms, bps));
                }
            }
        }
        if (steps.isEmpty()) {
            throw new IOException(trace + ": no samples after " + offsetS + " s");
        }
        return new CapacitySchedule("cooked-" + trace.getFileName(), steps, durationMs);
    }
}
