package io.sluice.abr.gcc;

/**
 * The link capacity seen at the last overuses: an exponential average of the acknowledged rate at each overuse
 * with a normalized deviation (libwebrtc's {@code LinkCapacityEstimator}). While the throughput stays within
 * ±3 deviations of it, {@link AimdRateControl} increases additively ("near max"); outside, it forgets it and
 * increases multiplicatively again (draft-ietf-rmcat-gcc-02 §5.5).
 */
public final class LinkCapacityEstimator {
    private static final double MIN_DEVIATION = 0.4;
    private static final double MAX_DEVIATION = 2.5;
    private double estimateKbps = Double.NaN;
    private double deviationKbps = MIN_DEVIATION;

    /** Whether an overuse has set an estimate since the last reset. */
    public boolean hasEstimate() {
        return !Double.isNaN(estimateKbps);
    }

    /** The estimate, bit/s; only meaningful when {@link #hasEstimate()}. */
    public long estimateBps() {
        return (long) (estimateKbps * 1000);
    }

    /** Estimate + 3 deviations, bit/s (infinite without an estimate). */
    public double upperBoundBps() {
        return hasEstimate() ? (estimateKbps + 3 * deviationEstimateKbps()) * 1000 : Double.POSITIVE_INFINITY;
    }

    /** Estimate − 3 deviations, bit/s (0 without an estimate). */
    public double lowerBoundBps() {
        return hasEstimate() ? Math.max(0, estimateKbps - 3 * deviationEstimateKbps()) * 1000 : 0;
    }

    /** Forgets the estimate. */
    public void reset() {
        estimateKbps = Double.NaN;
    }

    /** An overuse happened at this acknowledged rate, bit/s (weight 0.05). */
    public void onOveruseDetected(long ackedBps) {
        update(ackedBps, 0.05);
    }

    /** A probe measured this rate, bit/s (weight 0.5). */
    public void onProbeRate(long probeBps) {
        update(probeBps, 0.5);
    }

    private void update(long sampleBps, double alpha) {
        double sampleKbps = sampleBps / 1000.0;
        estimateKbps = hasEstimate() ? (1 - alpha) * estimateKbps + alpha * sampleKbps : sampleKbps;
        double norm = Math.max(estimateKbps, 1.0);
        double error = estimateKbps - sampleKbps;
        deviationKbps = (1 - alpha) * deviationKbps + alpha * error * error / norm;
        deviationKbps = Math.max(MIN_DEVIATION, Math.min(MAX_DEVIATION, deviationKbps));
    }

    private double deviationEstimateKbps() {
        return Math.sqrt(deviationKbps * estimateKbps);
    }
}
