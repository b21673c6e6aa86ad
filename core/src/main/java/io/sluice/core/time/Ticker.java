package io.sluice.core.time;

/**
 * The one source of time for Sluice's session logic, estimators and pipelines: a monotonic clock in
 * nanoseconds, injected so that tests run in simulated time instead of sleeping.
 *
 * <p>Sans-IO engines (RTP session, ICE, estimators) never call a {@code Ticker} themselves: their
 * drivers read it once per event and pass {@code nowNanos} in. Drivers and pipelines take a
 * {@code Ticker} in their builders, defaulting to {@link #system()}; tests pass a
 * {@link ManualTicker}.
 *
 * <p>Values are only meaningful as differences between two reads of the same ticker (like
 * {@link System#nanoTime()}); they are not wall-clock time. Wall-clock quantities (RTCP NTP
 * timestamps, program-date-time) come from {@link #wallClockMicros()}.
 */
@FunctionalInterface
public interface Ticker {

    /** @return monotonic time in nanoseconds; only differences are meaningful */
    long nanoTime();

    /**
     * Wall-clock time in microseconds since 1970-01-01T00:00Z, consistent with {@link #nanoTime()} for
     * the life of this ticker (the default derives it from one wall-clock read at first use, so it
     * never jumps when the system clock is set).
     *
     * @return µs since the Unix epoch
     */
    default long wallClockMicros() {
        return WallAnchor.anchor(this);
    }

    /** @return the JVM's monotonic clock ({@link System#nanoTime()}) with a wall-clock anchor */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}
