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
        return incomingPacketFeedback(feedbackTimeUs, receivedByArrival, ackedBps, probeBps, -1);
    }

    /**
     * Processes one feedback, with the receive rate of the last {@link ReceiveRate#WINDOW_US} for decreases.
     *
     * @param receiveRateBps the rate at which this flow's packets arrived over the last
     *                       {@link ReceiveRate#WINDOW_US}, bit/s, or -1 when unknown. On overuse the decrease is to
     *                       β × the acknowledged rate (libwebrtc), or to β × this rate when it is below β × the
     *                       acknowledged rate. draft-ietf-rmcat-gcc-02 §5.5 decreases to β × the receive rate over a
     *                       0.5–1 s window; libwebrtc's acknowledged rate is a Bayesian average that believes a sudden
     *                       drop only over seconds (a sample far from the estimate weighs little). While the detector
     *                       says overuse a queue is building, so this flow's arrivals are paced by the bottleneck and
     *                       the window rate is what it gets through now. When that is below β × acknowledged, the
     *                       usual cut would still send more than gets through and the queue would keep growing until
     *                       the average caught up (one cut per RTT; RFC 8867 §5.1's 2.5 → 0.6 Mbit/s step took 1.7 s
     *                       to get under 0.6 and lost 1.48 % of the run); otherwise the usual cut already goes under
     *                       it. Using the window rate always (min of the two) also fixed that step but cut on every
     *                       burst of the bursty LTE trace (mahimahi utilization 0.34 → 0.26).
     *                       Before any acknowledged rate exists a cut goes to β × this rate when that is above
     *                       libwebrtc's halving: a flow joining a busy bottleneck then keeps what its initial probes
     *                       got through (two-flow share ratio in the first 5 s: 2.8 → 2.1 on 2 Mbit/s); never below
     *                       half the estimate, since early arrivals may be application-limited.
     */
    public Result incomingPacketFeedback(long feedbackTimeUs, List<PacketResult> receivedByArrival, long ackedBps,
                                         long probeBps, long receiveRateBps) {
        return incomingPacketFeedback(feedbackTimeUs, receivedByArrival, ackedBps, probeBps, receiveRateBps, -1);
    }

    /**
     * Processes one feedback, with the window receive rate and the rate the path recently delivered for decreases.
     *
     * @param recentDeliveredBps what the path delivered of this flow over the last
     *                           {@link ReceiveRate#RECENT_WINDOW_US} ({@link ReceiveRate#recentDeliveredRateBps()}),
     *                           bit/s, or -1 ({@link GccConfig#relay()}; {@code GccNetworkController} passes the
     *                           highest of the last second, or the 500 ms receive rate when that is higher). A
     *                           decrease never goes under β × this rate. A sender that is
     *                           application-limited between bursts (a WHEP session relaying a 2.5 Mbit/s stream whose
     *                           keyframes are 8–9 × its average frame, drained at 1.5 × the stream's rate) overuses
     *                           during each burst, when the path delivers its capacity; its acknowledged and window
     *                           rates are the application's average, and β × that cut the target under the stream's
     *                           own rate on a path with 1.4 × it (simulation: 3.5 Mbit/s link, target 2.08 Mbit/s
     *                           while the stream played without loss). After a capacity drop this rate is the new
     *                           capacity, under the others, so it does not slow the decrease.
     */
    public Result incomingPacketFeedback(long feedbackTimeUs, List<PacketResult> receivedByArrival, long ackedBps,
                                         long probeBps, long receiveRateBps, long recentDeliveredBps) {
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
        return maybeUpdateEstimate(feedbackTimeUs, ackedBps, probeBps, receiveRateBps, recentDeliveredBps, recovered);
    }

    private Result maybeUpdateEstimate(long nowUs, long ackedBps, long probeBps, long receiveRateBps,
                                       long recentDeliveredBps, boolean recovered) {
        BandwidthUsage usage = trendline.state();
        if (usage == BandwidthUsage.OVERUSING) {
            long throughput = ackedBps >= 0 && receiveRateBps > 0
                    && receiveRateBps < AimdRateControl.BETA * ackedBps ? receiveRateBps : ackedBps;
            if (throughput >= 0) {
                throughput = Math.max(throughput, recentDeliveredBps);
            }
            if (throughput >= 0 && rateControl.timeToReduceFurther(nowUs, throughput)) {
                return new Result(true, false, rateControl.update(usage, throughput, nowUs), false, usage);
            }
            if (ackedBps < 0 && rateControl.initialTimeToReduceFurther(nowUs)) {
                // Overuse before any acknowledged rate: β × the receive rate when that is above half the estimate,
                // else halve. The receive rate of the first half second is the application's as much as the
                // link's: a publisher that starts at its newest keyframe sends little at first, and one overuse on
                // a loaded machine then took β × 66 kbit/s = 56 kbit/s from a 301 kbit/s start (bottleneck bench).
                long half = rateControl.latestEstimateBps() / 2;
                long received = Math.max(receiveRateBps, recentDeliveredBps); // a relay's floor applies here too
                long cut = received > 0 && AimdRateControl.BETA * received > half
                        ? rateControl.update(usage, received, nowUs) : rateControl.setEstimate(half, nowUs);
                return new Result(true, false, cut, false, usage);
            }
            return new Result(false, false, estimateBps(), false, usage);
        }
        if (probeBps > 0) {
            return new Result(true, true, rateControl.setEstimate(probeBps, nowUs), false, usage);
        }
        return new Result(true, false, rateControl.update(usage, ackedBps, nowUs), recovered, usage);
    }
}
