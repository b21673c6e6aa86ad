package io.sluice.core.feedback;

import java.time.Duration;

/**
 * The one keyframe-request policy of Sluice: forward the first request at once, then at most one per
 * {@linkplain #interval() interval}; requests that arrive inside the interval are coalesced into one
 * that fires when the interval ends (so a late PLI is never lost, and a burst of PLIs from many
 * viewers costs the encoder one IDR). Used by every place that turns receiver feedback (RTCP PLI/FIR,
 * RFC 4585 §6.3.1 / RFC 5104 §4.3.1; a new RTMP player; a decoder error) into an encoder keyframe.
 *
 * <p>Sans-IO: time is an argument (ns on the caller's {@link io.sluice.core.time.Ticker}); it never
 * reads a clock. Not thread-safe: one owner (an engine or a synchronized caller).
 */
public final class KeyframeRequestThrottle {
    /** Default minimum spacing of forwarded requests: 250 ms (an IDR at 2.5 Mbit/s is ~60 kB; four a second at most). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);

    private final long intervalNanos;
    private boolean fired;
    private long lastFiredNanos;
    private boolean pending;

    /** @return a throttle with {@link #DEFAULT_INTERVAL} */
    public static KeyframeRequestThrottle withDefaultInterval() {
        return new KeyframeRequestThrottle(DEFAULT_INTERVAL);
    }

    /**
     * @param interval minimum spacing of forwarded requests, ≥ 0 (0 forwards every request)
     * @throws IllegalArgumentException if negative
     */
    public KeyframeRequestThrottle(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must be >= 0: " + interval);
        }
        this.intervalNanos = interval.toNanos();
    }

    /** @return the minimum spacing of forwarded requests */
    public Duration interval() {
        return Duration.ofNanos(intervalNanos);
    }

    /**
     * A receiver asked for a keyframe.
     *
     * @param nowNanos caller's monotonic time, ns
     * @return {@code true} if the request must be forwarded now; {@code false} if it was coalesced
     *         (it then fires from {@link #handleTimeout(long)} at {@link #pollTimeout()})
     */
    public boolean request(long nowNanos) {
        if (!fired || nowNanos - lastFiredNanos >= intervalNanos) {
            fire(nowNanos);
            return true;
        }
        pending = true;
        return false;
    }

    /**
     * @return when {@link #handleTimeout(long)} should next be called (ns, caller's clock), or
     *         {@link Long#MAX_VALUE} if nothing is pending
     */
    public long pollTimeout() {
        return pending ? lastFiredNanos + intervalNanos : Long.MAX_VALUE;
    }

    /**
     * @param nowNanos caller's monotonic time, ns
     * @return {@code true} if a coalesced request is due and must be forwarded now
     */
    public boolean handleTimeout(long nowNanos) {
        if (pending && nowNanos - lastFiredNanos >= intervalNanos) {
            fire(nowNanos);
            return true;
        }
        return false;
    }

    /** @return whether a coalesced request waits for the interval to end */
    public boolean isPending() {
        return pending;
    }

    /** Forgets a pending request (e.g. a keyframe arrived anyway). */
    public void cancelPending() {
        pending = false;
    }

    private void fire(long nowNanos) {
        fired = true;
        lastFiredNanos = nowNanos;
        pending = false;
    }
}
