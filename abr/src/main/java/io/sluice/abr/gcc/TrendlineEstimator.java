package io.sluice.abr.gcc;


/**
 * Estimates the trend of the one-way queueing delay: accumulates the inter-group delay variation
 * {@code d(i) = arrival delta − send delta}, smooths it exponentially ({@link #SMOOTHING_COEF}), and fits a line
 * by least squares to the last {@link #WINDOW_SIZE} (arrival time, smoothed delay) points. The slope is scaled by
 * {@code min(deltas, 60) × } {@link #THRESHOLD_GAIN} into the "modified trend" that the {@link OveruseDetector}
 * compares against its adaptive threshold (libwebrtc's {@code TrendlineEstimator}, which replaced the Kalman filter
 * of draft-ietf-rmcat-gcc-02 §5.3).
 */
public final class TrendlineEstimator {
    /** Points in the linear fit (libwebrtc: 20). */
    public static final int WINDOW_SIZE = 20;
    /** Exponential smoothing of the accumulated delay (libwebrtc: 0.9). */
    public static final double SMOOTHING_COEF = 0.9;
    /** Gain applied to the slope before comparing it to the threshold (libwebrtc: 4). */
    public static final double THRESHOLD_GAIN = 4;
    /** The slope's weight grows with the number of deltas up to this many. */
    public static final int MIN_NUM_DELTAS = 60;
    private static final int DELTA_COUNTER_MAX = 1000;

    /** The last {@link #WINDOW_SIZE} points (arrival ms, smoothed delay ms): a ring, oldest at {@link #historyStart}. */
    private final double[] historyX = new double[WINDOW_SIZE];
    private final double[] historyY = new double[WINDOW_SIZE];
    private int historyStart;
    private int historySize;
    private final OveruseDetector detector = new OveruseDetector();
    private int numDeltas;
    private long firstArrivalUs = Long.MIN_VALUE;
    private double accumulatedDelayMs;
    private double smoothedDelayMs;
    private double trend;

    /**
     * Adds the deltas of one complete group and updates the detector.
     *
     * @param arrivalDeltaUs arrival-time delta between groups, µs
     * @param sendDeltaUs    send-time delta between groups, µs
     * @param arrivalTimeUs  arrival time of the packet that completed the group, µs
     * @return the detector's hypothesis after this sample
     */
    public BandwidthUsage update(long arrivalDeltaUs, long sendDeltaUs, long arrivalTimeUs) {
        double deltaMs = (arrivalDeltaUs - sendDeltaUs) / 1000.0;
        numDeltas = Math.min(numDeltas + 1, DELTA_COUNTER_MAX);
        if (firstArrivalUs == Long.MIN_VALUE) {
            firstArrivalUs = arrivalTimeUs;
        }
        accumulatedDelayMs += deltaMs;
        smoothedDelayMs = SMOOTHING_COEF * smoothedDelayMs + (1 - SMOOTHING_COEF) * accumulatedDelayMs;
        int slot;
        if (historySize < WINDOW_SIZE) {
            slot = (historyStart + historySize++) % WINDOW_SIZE;
        } else {
            slot = historyStart; // the oldest point goes
            historyStart = (historyStart + 1) % WINDOW_SIZE;
        }
        historyX[slot] = (arrivalTimeUs - firstArrivalUs) / 1000.0;
        historyY[slot] = smoothedDelayMs;
        if (historySize == WINDOW_SIZE) {
            fitTrend();
        }
        return detector.detect(modifiedTrend(), trend, sendDeltaUs / 1000.0, arrivalTimeUs);
    }

    /** The last fitted slope: ms of queueing delay per ms of arrival time. */
    public double trend() {
        return trend;
    }

    /** The slope scaled for the detector: {@code min(deltas, 60) × slope × 4}, ms. */
    public double modifiedTrend() {
        return numDeltas < 2 ? 0 : Math.min(numDeltas, MIN_NUM_DELTAS) * trend * THRESHOLD_GAIN;
    }

    /** The detector's current hypothesis. */
    public BandwidthUsage state() {
        return detector.state();
    }

    /** The detector this estimator feeds. */
    public OveruseDetector detector() {
        return detector;
    }

    /** Sets {@link #trend} to the least-squares slope of the points (summed oldest first), unless they all share one x. */
    private void fitTrend() {
        double sumX = 0;
        double sumY = 0;
        for (int k = 0, i = historyStart; k < historySize; k++, i = i + 1 == WINDOW_SIZE ? 0 : i + 1) {
            sumX += historyX[i];
            sumY += historyY[i];
        }
        double avgX = sumX / historySize;
        double avgY = sumY / historySize;
        double num = 0;
        double den = 0;
        for (int k = 0, i = historyStart; k < historySize; k++, i = i + 1 == WINDOW_SIZE ? 0 : i + 1) {
            double dx = historyX[i] - avgX;
            num += dx * (historyY[i] - avgY);
            den += dx * dx;
        }
        if (den != 0) {
            trend = num / den;
        }
    }
}
