package io.sluice.webrtc.session;

import io.sluice.core.spi.BandwidthEstimate;
import java.time.Duration;

/**
 * The default {@link BandwidthEstimator}: the rate at which the peer received our packets over one
 * transport-wide feedback interval (delivered octets ÷ arrival span), at most one figure per
 * {@link #DEFAULT_MIN_INTERVAL}. It measures what got through, not what could: it is a
 * {@link BandwidthEstimate.Kind#DELIVERY_RATE}, not a congestion controller's estimate. A feedback
 * whose received packets span less than 10 ms gives no figure (too short to be a rate).
 */
public final class DeliveryRateEstimator implements BandwidthEstimator {
    /** Default minimum spacing of figures: 200 ms. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMillis(200);
    private static final long MIN_SPAN_US = 10_000;

    private final long minIntervalNanos;
    private boolean reported;
    private long lastNanos;

    /** An estimator with {@link #DEFAULT_MIN_INTERVAL}. */
    public DeliveryRateEstimator() {
        this(DEFAULT_MIN_INTERVAL);
    }

    /**
     * @param minInterval minimum spacing of figures, ≥ 0
     * @throws IllegalArgumentException if negative
     */
    public DeliveryRateEstimator(Duration minInterval) {
        if (minInterval.isNegative()) {
            throw new IllegalArgumentException("minInterval: " + minInterval + " (expected: >= 0)");
        }
        this.minIntervalNanos = minInterval.toNanos();
    }

    @Override
    public BandwidthEstimate.Kind kind() {
        return BandwidthEstimate.Kind.DELIVERY_RATE;
    }

    @Override
    public long onTransportFeedback(long nowNanos, TwccSendRegister.Feedback feedback) {
        if (feedback.arrivalSpanUs() < MIN_SPAN_US || feedback.deliveredBytes() <= 0) {
            return NO_ESTIMATE;
        }
        if (reported && nowNanos - lastNanos < minIntervalNanos) {
            return NO_ESTIMATE;
        }
        reported = true;
        lastNanos = nowNanos;
        return feedback.deliveredBytes() * 8_000_000L / feedback.arrivalSpanUs();
    }
}
