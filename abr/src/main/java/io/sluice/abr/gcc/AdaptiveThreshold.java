package io.sluice.abr.gcc;

/**
 * The overuse detector's threshold γ, adapted so GCC neither starves against loss-based flows nor reacts to noise
 * (draft-ietf-rmcat-gcc-02 §5.4): {@code γ(i) = γ(i-1) + Δt·k·(|m(i)| − γ(i-1))}, with k = {@link #K_UP} when
 * |m| ≥ γ and {@link #K_DOWN} otherwise, γ clamped to [{@link #MIN_THRESHOLD_MS}, {@link #MAX_THRESHOLD_MS}].
 * Samples further than {@link #MAX_ADAPT_OFFSET_MS} above γ (sudden spikes) do not move it.
 */
public final class AdaptiveThreshold {
    /** Gain when |m| ≥ γ, per ms (libwebrtc: 0.0087; the draft, written for its Kalman filter, says 0.01). */
    public static final double K_UP = 0.0087;
    /** Gain when |m| &lt; γ, per ms (libwebrtc: 0.039). */
    public static final double K_DOWN = 0.039;
    /** Lower clamp, ms. */
    public static final double MIN_THRESHOLD_MS = 6;
    /** Upper clamp, ms. */
    public static final double MAX_THRESHOLD_MS = 600;
    /** Initial γ, ms (libwebrtc: 12.5). */
    public static final double INITIAL_THRESHOLD_MS = 12.5;
    /** Samples more than this above γ are ignored, ms. */
    public static final double MAX_ADAPT_OFFSET_MS = 15;
    /** Δt is capped at this, ms. */
    public static final long MAX_TIME_DELTA_MS = 100;

    private double thresholdMs = INITIAL_THRESHOLD_MS;
    private long lastUpdateUs = Long.MIN_VALUE;

    /** The current γ, ms. */
    public double thresholdMs() {
        return thresholdMs;
    }

    /**
     * Adapts γ to one modified trend sample.
     *
     * @param modifiedTrend the trend scaled by the detector (same unit as γ, ms)
     * @param nowUs         arrival time of the sample, µs
     */
    public void update(double modifiedTrend, long nowUs) {
        if (lastUpdateUs == Long.MIN_VALUE) {
            lastUpdateUs = nowUs;
        }
        double abs = Math.abs(modifiedTrend);
        if (abs > thresholdMs + MAX_ADAPT_OFFSET_MS) {
            lastUpdateUs = nowUs;
            return;
        }
        double k = abs < thresholdMs ? K_DOWN : K_UP;
        long dtMs = Math.min((nowUs - lastUpdateUs) / 1000, MAX_TIME_DELTA_MS);
        thresholdMs += k * (abs - thresholdMs) * dtMs;
        thresholdMs = Math.max(MIN_THRESHOLD_MS, Math.min(MAX_THRESHOLD_MS, thresholdMs));
        lastUpdateUs = nowUs;
    }
}
