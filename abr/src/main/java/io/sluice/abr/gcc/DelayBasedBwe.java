package io.sluice.abr.gcc;

import io.sluice.abr.cc.PacketResult;
import java.util.List;

/**
 * The delay-based estimate (draft-ietf-rmcat-gcc-02 §5; libwebrtc's {@code DelayBasedBwe}): per received packet,
 * {@link InterArrival} → {@link TrendlineEstimator} → {@link OveruseDetector}; per feedback, the detector's state and
 * the acknowledged rate drive {@link AimdRateControl}, or a probe result sets the estimate directly.
 */
public final class DelayBasedBwe {
    /** After this long without packets the detector starts over, µs (libwebrtc: 2 s). */
    public static final long STREAM_TIMEOUT_US = 2_000_000;

    /**
     * What one feedback did.
     *
     * @param updated               whether the estimate was (re)computed
     * @param probe                 whether a probe result set it
     * @param targetBps             the estimate, bit/s
     * @param recoveredFromOveruse  whether the detector went UNDERUSING → NORMAL in this feedback
     * @param usage                 the detector's state after the feedback
     */
    public record Result(boolean updated, boolean probe, long targetBps, boolean recoveredFromOveruse,
                         BandwidthUsage usage) {
    }

    private final AimdRateControl rateControl;
    private InterArrival interArrival = new InterArrival();
    private TrendlineEstimator trendline = new TrendlineEstimator();
    private long lastSeenUs = Long.MIN_VALUE;

    public DelayBasedBwe(long minBps, long startBps, long maxBps) {
        this.rateControl = new AimdRateControl(minBps, startBps, maxBps);
    }

    /** The rate controller (bounds, RTT, link capacity). */
    public AimdRateControl rateControl() {
        return rateControl;
    }

    /** The current estimate, bit/s. */
    public long estimateBps() {
        return rateControl.latestEstimateBps();
    }

    /** The detector's current hypothesis. */
    public BandwidthUsage usage() {
        return trendline.state();
    }

    /** The trendline estimator (for tests and stats). */
    public TrendlineEstimator trendline() {
        return trendline;
    }

    /**
     * Processes one feedback.
     *
     * @param feedbackTimeUs    when the feedback arrived, µs
     * @param receivedByArrival received packets sorted by arrival time
     * @param ackedBps          acknowledged rate, bit/s, or -1 when unknown
     * @param probeBps          a probe result, bit/s, or -1 when none
     */
    public Result incomingPacketFeedback(long feedbackTimeUs, List<PacketResult> receivedByArrival, long ackedBps,
                                         long probeBps) {
        if (receivedByArrival.isEmpty()) {
            return new Result(false, false, estimateBps(), false, usage());
        }
        boolean recovered = false;
        BandwidthUsage previous = trendline.state();
        for (PacketResult p : receivedByArrival) {
            if (lastSeenUs == Long.MIN_VALUE || feedbackTimeUs - lastSeenUs > STREAM_TIMEOUT_US) {
                interArrival = new InterArrival();
                trendline = new TrendlineEstimator();
            }
            lastSeenUs = feedbackTimeUs;
            InterArrival.Deltas d = interArrival.computeDeltas(p.sent().sendTimeUs(), p.receiveTimeUs(),
                    feedbackTimeUs, p.sent().sizeBytes());
            if (d != null) {
                trendline.update(d.arrivalDeltaUs(), d.sendDeltaUs(), p.receiveTimeUs());
            }
            BandwidthUsage now = trendline.state();
            if (previous == BandwidthUsage.UNDERUSING && now == BandwidthUsage.NORMAL) {
                recovered = true;
            }
            previous = now;
        }
        return maybeUpdateEstimate(feedbackTimeUs, ackedBps, probeBps, recovered);
    }

    private Result maybeUpdateEstimate(long nowUs, long ackedBps, long probeBps, boolean recovered) {
        BandwidthUsage usage = trendline.state();
        if (usage == BandwidthUsage.OVERUSING) {
            if (ackedBps >= 0 && rateControl.timeToReduceFurther(nowUs, ackedBps)) {
                return new Result(true, false, rateControl.update(usage, ackedBps, nowUs), false, usage);
            }
            if (ackedBps < 0 && rateControl.initialTimeToReduceFurther(nowUs)) {
                // Overuse before any acknowledged rate: halve every RTT.
                long halved = rateControl.setEstimate(rateControl.latestEstimateBps() / 2, nowUs);
                return new Result(true, false, halved, false, usage);
            }
            return new Result(false, false, estimateBps(), false, usage);
        }
        if (probeBps > 0) {
            return new Result(true, true, rateControl.setEstimate(probeBps, nowUs), false, usage);
        }
        return new Result(true, false, rateControl.update(usage, ackedBps, nowUs), recovered, usage);
    }
}
