package io.sluice.abr.gcc;

/**
 * Detects the application-limited region (ALR): the sender uses less than a fraction of the target (libwebrtc's
 * {@code AlrDetector}, default fraction {@link #BANDWIDTH_USAGE_RATIO}). A budget fills at that fraction of the
 * target and drains with every byte sent,
 * bounded to ±500 ms worth; ALR starts when the budget is more than {@link #START_BUDGET_LEVEL_RATIO} full and
 * ends when it falls under {@link #STOP_BUDGET_LEVEL_RATIO}.
 */
public final class AlrDetector {
    /** Fraction of the target the budget fills at (libwebrtc: 0.65). */
    public static final double BANDWIDTH_USAGE_RATIO = 0.65;
    /** Budget level that starts ALR (libwebrtc: 0.80). */
    public static final double START_BUDGET_LEVEL_RATIO = 0.80;
    /** Budget level that ends ALR (libwebrtc: 0.50). */
    public static final double STOP_BUDGET_LEVEL_RATIO = 0.50;
    private static final long WINDOW_US = 500_000;

    private final double bandwidthUsageRatio;
    private double budgetRateBps;
    private double bytesRemaining;
    private long lastSendUs = Long.MIN_VALUE;
    private long alrStartUs = Long.MIN_VALUE;

    /** A detector with libwebrtc's {@link #BANDWIDTH_USAGE_RATIO}. */
    public AlrDetector() {
        this(BANDWIDTH_USAGE_RATIO);
    }

    /** @param bandwidthUsageRatio ALR is sending less than this fraction of the target, (0, 1) */
    public AlrDetector(double bandwidthUsageRatio) {
        if (!(bandwidthUsageRatio > 0 && bandwidthUsageRatio < 1)) {
            throw new IllegalArgumentException("bandwidthUsageRatio: " + bandwidthUsageRatio + " (expected: 0 < r < 1)");
        }
        this.bandwidthUsageRatio = bandwidthUsageRatio;
    }

    /** The controller's target, bit/s. */
    public void setEstimatedBitrate(long targetBps) {
        budgetRateBps = targetBps * bandwidthUsageRatio;
        double max = maxBytes();
        bytesRemaining = Math.max(-max, Math.min(max, bytesRemaining));
    }

    /** A packet (media or padding) left the pacer. */
    public void onBytesSent(int bytes, long sendTimeUs) {
        if (lastSendUs == Long.MIN_VALUE) {
            lastSendUs = sendTimeUs;
            return;
        }
        long dt = Math.max(0, sendTimeUs - lastSendUs);
        lastSendUs = sendTimeUs;
        double max = maxBytes();
        bytesRemaining = Math.max(bytesRemaining - bytes, -max);
        bytesRemaining = Math.min(bytesRemaining + budgetRateBps * dt / 8e6, max);
        double ratio = max <= 0 ? 0 : bytesRemaining / max;
        if (ratio > START_BUDGET_LEVEL_RATIO && alrStartUs == Long.MIN_VALUE) {
            alrStartUs = sendTimeUs;
        } else if (ratio < STOP_BUDGET_LEVEL_RATIO && alrStartUs != Long.MIN_VALUE) {
            alrStartUs = Long.MIN_VALUE;
        }
    }

    /** Whether the sender is application-limited now. */
    public boolean inAlr() {
        return alrStartUs != Long.MIN_VALUE;
    }

    /** When the current ALR started, µs, or {@link Long#MIN_VALUE} outside ALR. */
    public long alrStartUs() {
        return alrStartUs;
    }

    private double maxBytes() {
        return budgetRateBps * WINDOW_US / 8e6;
    }
}
