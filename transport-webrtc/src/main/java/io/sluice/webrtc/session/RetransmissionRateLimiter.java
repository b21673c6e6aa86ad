package io.sluice.webrtc.session;

/**
 * Caps the rate of NACK retransmissions (RFC 4585 §6.2.1, RTX RFC 4588) over a sliding window, in the way of
 * libwebrtc's retransmission {@code RateLimiter} (a 500 ms window whose maximum follows the congestion
 * controller's target): a retransmission of {@code n} octets is allowed while the octets allowed in the last
 * window, plus {@code n}, stay within {@code maxRateBps × window}; when nothing was allowed in the window one
 * packet always passes, so a low rate never blocks every retransmission. Without a maximum (before the first
 * {@link #setMaxRate}) everything passes. Sans-IO: times are ns arguments. Not thread-safe.
 */
public final class RetransmissionRateLimiter {
    /** Default window: 500 ms (libwebrtc's {@code kRetransmitWindowSizeMs}). */
    public static final long DEFAULT_WINDOW_NANOS = 500_000_000L;

    private final long windowNanos;
    /** Allowed retransmissions in the window, oldest first: a ring of (time ns, octets), grown when full. */
    private long[] allowedNanos = new long[64];
    private int[] allowedBytes = new int[64];
    private int head;
    private int count;
    private long windowBytes;
    private long maxRateBps = Long.MAX_VALUE;

    /** A limiter over {@link #DEFAULT_WINDOW_NANOS}. */
    public RetransmissionRateLimiter() {
        this(DEFAULT_WINDOW_NANOS);
    }

    /**
     * @param windowNanos the sliding window, 10 ms..10 s
     * @throws IllegalArgumentException if it is out of range
     */
    public RetransmissionRateLimiter(long windowNanos) {
        if (windowNanos < 10_000_000L || windowNanos > 10_000_000_000L) {
            throw new IllegalArgumentException("windowNanos: " + windowNanos + " (expected: 10 ms..10 s)");
        }
        this.windowNanos = windowNanos;
    }

    /**
     * @param maxRateBps the most retransmissions may use, bit/s, ≥ 0 ({@link Long#MAX_VALUE}: no limit)
     * @throws IllegalArgumentException if negative
     */
    public void setMaxRate(long maxRateBps) {
        if (maxRateBps < 0) {
            throw new IllegalArgumentException("maxRateBps: " + maxRateBps + " (expected: >= 0)");
        }
        this.maxRateBps = maxRateBps;
    }

    /** The current maximum, bit/s ({@link Long#MAX_VALUE} when unlimited). */
    public long maxRateBps() {
        return maxRateBps;
    }

    /**
     * Asks to retransmit {@code sizeBytes} now; counts them when allowed.
     *
     * @param nowNanos  current time, ns (monotonic)
     * @param sizeBytes the retransmission's size, RTP octets
     * @return whether it may be sent
     */
    public boolean tryUse(long nowNanos, int sizeBytes) {
        while (count > 0 && nowNanos - allowedNanos[head] >= windowNanos) {
            windowBytes -= allowedBytes[head];
            head = (head + 1) % allowedNanos.length;
            count--;
        }
        if (count > 0 && maxRateBps != Long.MAX_VALUE
                && (windowBytes + sizeBytes) * 8.0 * 1e9 / windowNanos > maxRateBps) {
            return false;
        }
        if (count == allowedNanos.length) {
            grow();
        }
        int tail = (head + count) % allowedNanos.length;
        allowedNanos[tail] = nowNanos;
        allowedBytes[tail] = sizeBytes;
        count++;
        windowBytes += sizeBytes;
        return true;
    }

    /** Doubles the ring, keeping its order (no allocation per retransmission otherwise). */
    private void grow() {
        long[] nanos = new long[allowedNanos.length * 2];
        int[] bytes = new int[nanos.length];
        for (int i = 0; i < count; i++) {
            nanos[i] = allowedNanos[(head + i) % allowedNanos.length];
            bytes[i] = allowedBytes[(head + i) % allowedNanos.length];
        }
        allowedNanos = nanos;
        allowedBytes = bytes;
        head = 0;
    }

    /** Octets allowed within the window ending at the last {@link #tryUse}. */
    public long windowBytes() {
        return windowBytes;
    }
}
