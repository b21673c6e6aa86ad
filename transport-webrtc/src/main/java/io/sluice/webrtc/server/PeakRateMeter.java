package io.sluice.webrtc.server;

import java.util.Arrays;

/**
 * The highest rate of a flow over whole 1 s intervals among the last {@link #INTERVALS}, bit/s: what a rung without a
 * nominal bitrate (the published stream passed through, a simulcast layer) is sending now, for bounding a viewer's
 * probes. Unlike the average since the start it follows a publisher that ramps up (a Chromium simulcast layer
 * averaged 141 kbit/s over its life while sending ~775) within one interval. Intervals are aligned to multiples of
 * {@link #INTERVAL_NANOS} of the caller's clock; the interval in which measuring began (by construction or
 * {@link #reset}) is partial and not counted. Sans-IO: the caller passes the time. Not thread-safe.
 */
final class PeakRateMeter {
    /** Length of one interval, ns. */
    static final long INTERVAL_NANOS = 1_000_000_000L;
    /** Intervals remembered, including the current (incomplete) one. */
    static final int INTERVALS = 6;

    private final long[] bytes = new long[INTERVALS];
    /** The current interval's index ({@code now / INTERVAL_NANOS}); MIN_VALUE before the first call. */
    private long current = Long.MIN_VALUE;
    /** The first whole interval: the one after measuring began. */
    private long firstWhole;

    /** Forgets everything: the next whole interval is the first one counted. */
    void reset(long nowNanos) {
        Arrays.fill(bytes, 0);
        current = Math.floorDiv(nowNanos, INTERVAL_NANOS);
        firstWhole = current + 1;
    }

    /**
     * Counts {@code octets} sent at {@code nowNanos}.
     *
     * @param nowNanos caller's clock, ns, not decreasing
     * @param octets   ≥ 0
     */
    void add(long nowNanos, long octets) {
        roll(nowNanos);
        bytes[slot(current)] += octets;
    }

    /**
     * The highest rate of a whole interval among the last {@code INTERVALS - 1}, bit/s; 0 until one whole interval
     * has passed.
     */
    long peakBps(long nowNanos) {
        roll(nowNanos);
        long max = 0;
        for (long i = Math.max(firstWhole, current - INTERVALS + 1); i < current; i++) {
            max = Math.max(max, bytes[slot(i)]);
        }
        return max * 8; // octets in one 1 s interval
    }

    private void roll(long nowNanos) {
        long i = Math.floorDiv(nowNanos, INTERVAL_NANOS);
        if (current == Long.MIN_VALUE) {
            reset(nowNanos);
            return;
        }
        if (i - current >= INTERVALS) {
            Arrays.fill(bytes, 0);
            current = i;
            return;
        }
        while (current < i) {
            current++;
            bytes[slot(current)] = 0;
        }
    }

    private static int slot(long interval) {
        return (int) Math.floorMod(interval, (long) INTERVALS);
    }
}
