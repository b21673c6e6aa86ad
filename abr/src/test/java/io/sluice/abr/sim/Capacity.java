package io.sluice.abr.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast a bottleneck drains. Stateful: {@link #serve} is called once per packet in service order.
 */
public interface Capacity {
    /**
     * A packet of {@code sizeBytes} starts service at {@code startUs}.
     *
     * @return when its last bit leaves the bottleneck, µs
     */
    long serve(long startUs, int sizeBytes);

    /** The capacity at a time, bit/s (for queue limits and utilization). */
    double rateBpsAt(long atUs);

    /** Bits the link could carry in [fromUs, toUs). */
    double capacityBits(long fromUs, long toUs);

    /** A constant rate. */
    static Capacity constant(long bps) {
        return steps(List.of(new long[] {0, bps}));
    }

    /**
     * A piecewise constant rate, not looped.
     *
     * @param steps (start µs, bit/s) pairs in time order, the first at 0
     */
    static Capacity steps(List<long[]> steps) {
        return new RateSchedule(steps, Long.MAX_VALUE);
    }

    /**
     * A Pensieve "cooked" trace ({@code time_s throughput_Mbps} per line), looped.
     */
    static Capacity cookedTrace(Path file) {
        List<long[]> steps = new ArrayList<>();
        double t0 = Double.NaN;
        double last = 0;
        for (String line : readLines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            double t = Double.parseDouble(f[0]);
            if (Double.isNaN(t0)) {
                t0 = t;
            }
            last = t - t0;
            steps.add(new long[] {(long) (last * 1e6), (long) (Double.parseDouble(f[1]) * 1e6)});
        }
        return new RateSchedule(steps, (long) (last * 1e6) + 500_000);
    }

    /**
     * A mahimahi trace: each line a ms timestamp at which 1500 bytes may leave; looped.
     */
    static Capacity mahimahiTrace(Path file) {
        List<String> lines = readLines(file);
        long[] ms = new long[lines.size()];
        int n = 0;
        for (String l : lines) {
            if (!l.isBlank()) {
                ms[n++] = Long.parseLong(l.trim());
            }
        }
        return new MahimahiCapacity(java.util.Arrays.copyOf(ms, n));
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trace " + file, e);
        }
    }

    /** Piecewise constant rate, optionally looped with a period. */
    final class RateSchedule implements Capacity {
        private final long[] startUs;
        private final long[] bps;
        private final long periodUs;

        RateSchedule(List<long[]> steps, long periodUs) {
            startUs = steps.stream().mapToLong(s -> s[0]).toArray();
            bps = steps.stream().mapToLong(s -> s[1]).toArray();
            this.periodUs = periodUs;
        }

        private int index(long tUs) {
            long t = periodUs == Long.MAX_VALUE ? tUs : tUs % periodUs;
            int i = 0;
            while (i + 1 < startUs.length && startUs[i + 1] <= t) {
                i++;
            }
            return i;
        }

        /** End of the segment holding t, absolute µs. */
        private long segmentEnd(long tUs) {
            int i = index(tUs);
            long base = periodUs == Long.MAX_VALUE ? 0 : tUs / periodUs * periodUs;
            long end = i + 1 < startUs.length ? startUs[i + 1] : periodUs;
            return end == Long.MAX_VALUE ? Long.MAX_VALUE : base + end;
        }

        @Override
        public double rateBpsAt(long atUs) {
            return bps[index(atUs)];
        }

        @Override
        public long serve(long startUs, int sizeBytes) {
            double bits = sizeBytes * 8.0;
            long t = startUs;
            for (int guard = 0; guard < 100_000; guard++) {
                double rate = rateBpsAt(t);
                long end = segmentEnd(t);
                if (rate > 0) {
                    double need = bits / rate * 1e6;
                    if (end == Long.MAX_VALUE || t + need <= end) {
                        return t + (long) Math.ceil(need);
                    }
                    bits -= rate * (end - t) / 1e6;
                }
                t = end;
            }
            return Long.MAX_VALUE / 4;
        }

        @Override
        public double capacityBits(long fromUs, long toUs) {
            double bits = 0;
            long t = fromUs;
            while (t < toUs) {
                long end = Math.min(segmentEnd(t), toUs);
                bits += rateBpsAt(t) * (end - t) / 1e6;
                t = end;
            }
            return bits;
        }
    }

    /** Mahimahi delivery opportunities: 1500 bytes each, whole packets only, unused bytes are lost. */
    final class MahimahiCapacity implements Capacity {
        private static final int OPPORTUNITY_BYTES = 1500;
        private final long[] ms;
        private final long periodMs;
        private long opportunity; // absolute index: loop * n + i
        private int usedBytes;

        MahimahiCapacity(long[] ms) {
            this.ms = ms;
            this.periodMs = Math.max(1, ms[ms.length - 1]);
        }

        private long timeUs(long absIndex) {
            long loop = absIndex / ms.length;
            return (loop * periodMs + ms[(int) (absIndex % ms.length)]) * 1000;
        }

        @Override
        public long serve(long startUs, int sizeBytes) {
            if (timeUs(opportunity) < startUs) {
                while (timeUs(opportunity) < startUs) {
                    opportunity++;
                }
                usedBytes = 0;
            }
            if (usedBytes + sizeBytes > OPPORTUNITY_BYTES) {
                opportunity++;
                usedBytes = 0;
            }
            usedBytes += sizeBytes;
            return timeUs(opportunity);
        }

        @Override
        public double rateBpsAt(long atUs) {
            return capacityBits(atUs - 500_000, atUs + 500_000);
        }

        @Override
        public double capacityBits(long fromUs, long toUs) {
            long count = countBefore(toUs) - countBefore(fromUs);
            return count * OPPORTUNITY_BYTES * 8.0;
        }

        /** Opportunities strictly before t. */
        private long countBefore(long tUs) {
            if (tUs <= 0) {
                return 0;
            }
            long tMs = (tUs + 999) / 1000; // opportunities at ms < ceil(t)
            long loops = tMs / periodMs;
            long rem = tMs % periodMs;
            int i = java.util.Arrays.binarySearch(ms, rem);
            if (i < 0) {
                i = -i - 1;
            } else {
                while (i > 0 && ms[i - 1] == rem) {
                    i--;
                }
            }
            return loops * ms.length + i;
        }
    }
}
