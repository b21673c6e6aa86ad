package io.sluice.abr.gcc;

import io.sluice.abr.cc.PacketResult;
import java.util.List;

/**
 * The rate at which the receiver acknowledges bytes: a Bayesian average of per-window throughput samples
 * (windows of 500 ms for the first sample, 150 ms after), where a sample far from the estimate counts less
 * (libwebrtc's {@code AcknowledgedBitrateEstimator} over {@code BitrateEstimator}). After the application-limited
 * region ends the estimate is made uncertain, so it follows the faster send rate quickly.
 */
public final class AcknowledgedBitrateEstimator {
    private static final long INITIAL_WINDOW_US = 500_000;
    private static final long WINDOW_US = 150_000;
    private static final double UNCERTAINTY_SCALE = 10;
    private static final double UNCERTAINTY_SCALE_IN_ALR = 20;

    private double estimateKbps = -1;
    private double varianceKbps = 50;
    private long prevTimeUs = Long.MIN_VALUE;
    private long currentWindowUs;
    private long sumBytes;
    private long alrEndedUs = Long.MIN_VALUE;

    /**
     * Adds the received packets of one feedback.
     *
     * @param receivedByArrival received packets, sorted by arrival time
     * @param inAlr             whether the sender is application-limited now
     */
    public void incomingPacketFeedback(List<PacketResult> receivedByArrival, boolean inAlr) {
        for (PacketResult p : receivedByArrival) {
            if (alrEndedUs != Long.MIN_VALUE && p.sent().sendTimeUs() > alrEndedUs) {
                varianceKbps += 200; // expect a fast rate change
                alrEndedUs = Long.MIN_VALUE;
            }
            update(p.receiveTimeUs(), p.sent().sizeBytes(), inAlr);
        }
    }

    /** The application-limited region ended at this time (sender's clock), µs. */
    public void setAlrEnded(long atUs) {
        alrEndedUs = atUs;
    }

    /** The estimate, bit/s, or -1 before the first window completed. */
    public long bitrateBps() {
        return estimateKbps < 0 ? -1 : (long) (estimateKbps * 1000);
    }

    private void update(long nowUs, int bytes, boolean inAlr) {
        long window = estimateKbps < 0 ? INITIAL_WINDOW_US : WINDOW_US;
        double sample = updateWindow(nowUs, bytes, window);
        if (sample < 0) {
            return;
        }
        if (estimateKbps < 0) {
            estimateKbps = sample;
            return;
        }
        double scale = inAlr ? UNCERTAINTY_SCALE_IN_ALR : UNCERTAINTY_SCALE;
        double sampleUncertainty = scale * Math.abs(estimateKbps - sample) / Math.max(estimateKbps, 1e-3);
        double sampleVar = sampleUncertainty * sampleUncertainty;
        double predVar = varianceKbps + 5;
        estimateKbps = (sampleVar * estimateKbps + predVar * sample) / (sampleVar + predVar);
        varianceKbps = sampleVar * predVar / (sampleVar + predVar);
    }

    private double updateWindow(long nowUs, int bytes, long windowUs) {
        if (prevTimeUs != Long.MIN_VALUE && nowUs < prevTimeUs) {
            prevTimeUs = Long.MIN_VALUE;
            sumBytes = 0;
            currentWindowUs = 0;
        }
        if (prevTimeUs != Long.MIN_VALUE) {
            currentWindowUs += nowUs - prevTimeUs;
            if (nowUs - prevTimeUs > windowUs) {
                sumBytes = 0;
                currentWindowUs %= windowUs;
            }
        }
        prevTimeUs = nowUs;
        double sample = -1;
        if (currentWindowUs >= windowUs) {
            sample = 8.0 * sumBytes / (windowUs / 1000.0);
            currentWindowUs -= windowUs;
            sumBytes = 0;
        }
        sumBytes += bytes;
        return sample;
    }
}
