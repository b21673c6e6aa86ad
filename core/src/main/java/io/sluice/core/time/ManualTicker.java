package io.sluice.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told: simulated time for tests and offline evaluations.
 * Thread-safe. Its wall clock starts at {@code startWallClockMicros} (default 2026-01-01T00:00Z) and
 * moves with {@link #nanoTime()}.
 */
public final class ManualTicker implements Ticker {
    /** 2026-01-01T00:00:00Z in µs since the Unix epoch. */
    public static final long DEFAULT_START_WALL_CLOCK_MICROS = 1_767_225_600_000_000L;

    private final AtomicLong nanos;
    private final long startNanos;
    private final long startWallClockMicros;

    /** Starts at an arbitrary non-zero monotonic time (1 s), so code that treats 0 as "unset" is exercised. */
    public ManualTicker() {
        this(1_000_000_000L, DEFAULT_START_WALL_CLOCK_MICROS);
    }

    /**
     * @param startNanos           the first value of {@link #nanoTime()}
     * @param startWallClockMicros the first value of {@link #wallClockMicros()}, µs since the Unix epoch
     */
    public ManualTicker(long startNanos, long startWallClockMicros) {
        this.nanos = new AtomicLong(startNanos);
        this.startNanos = startNanos;
        this.startWallClockMicros = startWallClockMicros;
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long wallClockMicros() {
        return startWallClockMicros + (nanos.get() - startNanos) / 1000L;
    }

    /**
     * @param nanos how far to move, ≥ 0
     * @return the new {@link #nanoTime()}
     * @throws IllegalArgumentException if {@code nanos} is negative (time never goes back)
     */
    public long advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("cannot go back in time: " + nanos + " ns");
        }
        return this.nanos.addAndGet(nanos);
    }

    /** @see #advanceNanos(long) */
    public long advance(Duration d) {
        return advanceNanos(d.toNanos());
    }

    /** @see #advanceNanos(long) */
    public long advanceMillis(long millis) {
        return advanceNanos(millis * 1_000_000L);
    }

    /**
     * Moves to an absolute time, which must not be earlier than now.
     *
     * @throws IllegalArgumentException if {@code nanoTime} is before {@link #nanoTime()}
     */
    public void setNanoTime(long nanoTime) {
        long cur = nanos.get();
        if (nanoTime < cur) {
            throw new IllegalArgumentException("cannot go back in time: " + nanoTime + " < " + cur);
        }
        nanos.set(nanoTime);
    }

    @Override
    public String toString() {
        return "ManualTicker[" + nanos.get() + " ns]";
    }
}
