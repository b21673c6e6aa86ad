package io.sluice.core.internal;

import java.util.Arrays;

/** The last N latency samples (µs) and their percentiles. Thread-safe. Not a published API. */
public final class LatencyWindow {
    private final long[] samples;
    private int count;
    private int next;

    public LatencyWindow(int size) {
        this.samples = new long[size];
    }

    public synchronized void record(long micros) {
        samples[next] = micros;
        next = (next + 1) % samples.length;
        if (count < samples.length) {
            count++;
        }
    }

    /** Percentile (0..100) of the window, nearest-rank; 0 when empty. */
    public long percentile(double p) {
        long[] copy;
        synchronized (this) {
            if (count == 0) {
                return 0;
            }
            copy = Arrays.copyOf(samples, count);
        }
        Arrays.sort(copy);
        int rank = (int) Math.ceil(p / 100.0 * copy.length);
        return copy[Math.max(0, Math.min(copy.length - 1, rank - 1))];
    }
}
