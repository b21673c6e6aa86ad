package io.sluice.abr.gcc;

/**
 * Turns the modified trend into a hypothesis (draft-ietf-rmcat-gcc-02 §5.4): OVERUSING once the trend has stayed
 * above the {@link AdaptiveThreshold} for more than {@link #OVERUSING_TIME_THRESHOLD_MS} of send time over at least
 * two samples and is not falling, UNDERUSING as soon as it is below −γ, NORMAL otherwise.
 */
public final class OveruseDetector {
    /** How long the trend must stay above γ before OVERUSING, ms of send time (libwebrtc: 10). */
    public static final double OVERUSING_TIME_THRESHOLD_MS = 10;

    private final AdaptiveThreshold threshold = new AdaptiveThreshold();
    private BandwidthUsage state = BandwidthUsage.NORMAL;
    private double timeOverUsingMs = -1;
    private int overuseCounter;
    private double previousTrend;

    /**
     * Classifies one sample.
     *
     * @param modifiedTrend the scaled trend, ms
     * @param trend         the raw slope (compared with the previous one: a falling trend is not overuse)
     * @param sendDeltaMs   send-time delta of the sample, ms
     * @param nowUs         arrival time of the sample, µs
     * @return the new hypothesis
     */
    public BandwidthUsage detect(double modifiedTrend, double trend, double sendDeltaMs, long nowUs) {
        double gamma = threshold.thresholdMs();
        if (modifiedTrend > gamma) {
            timeOverUsingMs = timeOverUsingMs == -1 ? sendDeltaMs / 2 : timeOverUsingMs + sendDeltaMs;
            overuseCounter++;
            if (timeOverUsingMs > OVERUSING_TIME_THRESHOLD_MS && overuseCounter > 1 && trend >= previousTrend) {
                timeOverUsingMs = 0;
                overuseCounter = 0;
                state = BandwidthUsage.OVERUSING;
            }
        } else if (modifiedTrend < -gamma) {
            timeOverUsingMs = -1;
            overuseCounter = 0;
            state = BandwidthUsage.UNDERUSING;
        } else {
            timeOverUsingMs = -1;
            overuseCounter = 0;
            state = BandwidthUsage.NORMAL;
        }
        previousTrend = trend;
        threshold.update(modifiedTrend, nowUs);
        return state;
    }

    /** The current hypothesis. */
    public BandwidthUsage state() {
        return state;
    }

    /** The adaptive threshold γ, ms. */
    public double thresholdMs() {
        return threshold.thresholdMs();
    }
}
