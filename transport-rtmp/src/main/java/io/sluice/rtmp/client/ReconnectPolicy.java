package io.sluice.rtmp.client;

import java.time.Duration;
import java.util.Objects;

/**
 * When an {@link RtmpTransport} tries again after its connection dropped: exponential backoff with
 * "equal jitter". The delay before attempt {@code n} (1-based) is
 * {@code d/2 + random·d/2} with {@code d = min(max, initial·2^(n−1))}, so attempts spread out (no
 * thundering herd of publishers after a server restart) and never wait longer than {@code max}.
 * After the server is back, a publisher therefore reconnects within {@code max} plus one connect.
 * Immutable.
 *
 * <p>The count of attempts restarts at 1 after every successful publish.
 */
public final class ReconnectPolicy {
    private static final ReconnectPolicy DEFAULT = new ReconnectPolicy(Duration.ofMillis(500), Duration.ofSeconds(10), 0);
    private static final ReconnectPolicy NEVER = new ReconnectPolicy(Duration.ofMillis(500), Duration.ofSeconds(10), -1);

    private final Duration initialDelay;
    private final Duration maxDelay;
    private final int maxAttempts;

    private ReconnectPolicy(Duration initialDelay, Duration maxDelay, int maxAttempts) {
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
        this.maxAttempts = maxAttempts;
    }

    /** Initial delay 500 ms, max delay 10 s, unlimited attempts. */
    public static ReconnectPolicy defaults() {
        return DEFAULT;
    }

    /** Never reconnect: a dropped connection fails the transport. */
    public static ReconnectPolicy never() {
        return NEVER;
    }

    /**
     * Exponential backoff with jitter and unlimited attempts.
     *
     * @param initialDelay scale of the first delay, &gt; 0
     * @param maxDelay     cap on any delay, &ge; {@code initialDelay}
     * @throws IllegalArgumentException if out of range
     */
    public static ReconnectPolicy exponentialBackoff(Duration initialDelay, Duration maxDelay) {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException("initialDelay: " + initialDelay + " (expected: > 0)");
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay: " + maxDelay + " (expected: >= initialDelay " + initialDelay + ")");
        }
        return new ReconnectPolicy(initialDelay, maxDelay, 0);
    }

    /**
     * The same backoff, giving up after {@code maxAttempts} failed attempts in a row.
     *
     * @param maxAttempts 1..Integer.MAX_VALUE
     * @throws IllegalArgumentException if &lt; 1
     */
    public ReconnectPolicy withMaxAttempts(int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        return new ReconnectPolicy(initialDelay, maxDelay, maxAttempts);
    }

    /** The same backoff with unlimited attempts. */
    public ReconnectPolicy withUnlimitedAttempts() {
        return new ReconnectPolicy(initialDelay, maxDelay, 0);
    }

    /** Scale of the first delay. */
    public Duration initialDelay() {
        return initialDelay;
    }

    /** Cap on any delay. */
    public Duration maxDelay() {
        return maxDelay;
    }

    /** Attempts before giving up; 0 = unlimited, −1 = never reconnect. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether attempt {@code n} (1-based) may be made. */
    public boolean allows(int attempt) {
        return maxAttempts == 0 || (maxAttempts > 0 && attempt <= maxAttempts);
    }

    /**
     * The delay before attempt {@code n}.
     *
     * @param attempt 1-based attempt number
     * @param random  uniform in [0, 1), e.g. {@code ThreadLocalRandom.current().nextDouble()}
     * @return the delay, in [d/2, d] with d as in the class doc
     */
    public Duration delay(int attempt, double random) {
        int shift = Math.min(Math.max(attempt, 1) - 1, 30);
        long d = (long) Math.min((double) maxDelay.toNanos(), initialDelay.toNanos() * Math.pow(2, shift));
        return Duration.ofNanos(d / 2 + (long) (random * (d / 2)));
    }

    @Override
    public String toString() {
        return maxAttempts < 0 ? "ReconnectPolicy{never}" : "ReconnectPolicy{initial " + initialDelay.toMillis() + " ms, max "
                + maxDelay.toMillis() + " ms, attempts " + (maxAttempts == 0 ? "unlimited" : maxAttempts) + '}';
    }
}
