package io.sluice.core.internal;

/** Bitrate over the last N frames of media time. Thread-safe. Not a published API. */
public final class RateWindow {
    private final long[] ptsUs;
    private final int[] bytes;
    private int count;
    private int next;

    public RateWindow(int size) {
        this.ptsUs = new long[size];
        this.bytes = new int[size];
    }

    /** @param pts frame PTS in µs, @param size payload bytes */
    public synchronized void record(long pts, int size) {
        ptsUs[next] = pts;
        bytes[next] = size;
        next = (next + 1) % ptsUs.length;
        if (count < ptsUs.length) {
            count++;
        }
    }

    /** Bits per second over the window (first frame's bytes excluded: they precede the span); 0 if unknown. */
    public synchronized long bitrateBps() {
        if (count < 2) {
            return 0;
        }
        int oldest = (next - count + ptsUs.length) % ptsUs.length;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long sum = 0;
        for (int i = 0; i < count; i++) {
            int idx = (oldest + i) % ptsUs.length;
            min = Math.min(min, ptsUs[idx]);
            max = Math.max(max, ptsUs[idx]);
            if (i > 0) {
                sum += bytes[idx];
            }
        }
        long span = max - min;
        return span <= 0 ? 0 : sum * 8 * 1_000_000L / span;
    }
}
