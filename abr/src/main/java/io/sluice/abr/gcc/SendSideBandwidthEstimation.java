package io.sluice.abr.gcc;

import java.util.ArrayDeque;

/**
 * The loss-based controller and the final target (draft-ietf-rmcat-gcc-02 §6; libwebrtc's
 * {@code SendSideBandwidthEstimation} with its v1 loss rule). Once per loss report over at least
 * {@link #LIMIT_NUM_PACKETS} packets: loss ≤ {@link #LOW_LOSS_THRESHOLD} → 1.08 × the lowest target of the last
 * second + 1 kbit/s; loss in (2 %, 10 %] → hold; loss &gt; {@link #HIGH_LOSS_THRESHOLD} → {@code × (1 − loss/2)},
 * at most once per 300 ms + RTT. The target is then capped by the delay-based estimate, the receiver's REMB and the
 * configured maximum. During the first 2 s without loss the target follows the delay-based estimate directly, so
 * initial probes take effect.
 *
 * <p><b>Why v1 and not v2.</b> libwebrtc's loss-based v2 fits a loss model (inherent loss vs. loss caused by the
 * send rate) over a window of observations and solves for the rate whose predicted loss stays under a bound; it has
 * some twenty tuned parameters, needs per-packet loss with send rates, and in libwebrtc it was behind a field trial
 * for years while the defaults changed. On the bottlenecks this module is tested against (drop-tail queues, where
 * loss means the queue overflowed), the delay-based detector reacts first and v1's simple rule only backs it up;
 * v1 is deterministic, specified by the draft, and its behaviour on random loss is known (it tolerates up to 10 %
 * without collapsing). A v2 can be added behind the same class boundary when random-loss links matter.
 */
public final class SendSideBandwidthEstimation {
    /** Loss at or below this lets the target increase (draft §6: 2 %). */
    public static final double LOW_LOSS_THRESHOLD = 0.02;
    /** Loss above this cuts the target (draft §6: 10 %). */
    public static final double HIGH_LOSS_THRESHOLD = 0.10;
    /** A loss fraction needs at least this many packets. */
    public static final int LIMIT_NUM_PACKETS = 20;
    private static final long INCREASE_INTERVAL_US = 1_000_000;
    private static final long DECREASE_INTERVAL_US = 300_000;
    private static final long START_PHASE_US = 2_000_000;
    private static final long MAX_RTCP_FEEDBACK_INTERVAL_US = 5_000_000;

    private final ArrayDeque<long[]> minBitrateHistory = new ArrayDeque<>();
    private long minBps;
    private long maxBps;
    private long currentBps;
    private long delayBasedLimitBps = Long.MAX_VALUE;
    private long receiverLimitBps = Long.MAX_VALUE;
    private long lostSinceUpdate;
    private long expectedSinceUpdate;
    private int lastFractionLossQ8;
    private boolean hasDecreasedSinceLastLoss;
    private long firstReportUs = Long.MIN_VALUE;
    private long lastLossReportUs = Long.MIN_VALUE;
    private long timeLastDecreaseUs = Long.MIN_VALUE;
    private long rttUs;

    public SendSideBandwidthEstimation(long minBps, long startBps, long maxBps) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.currentBps = startBps;
    }

    /** The target, bit/s. */
    public long targetBps() {
        return currentBps;
    }

    /** The last loss fraction, 0..1. */
    public double lossFraction() {
        return lastFractionLossQ8 / 256.0;
    }

    /** The REMB limit, bit/s ({@link Long#MAX_VALUE}: none). */
    public long receiverLimitBps() {
        return receiverLimitBps;
    }

    /** The delay-based limit, bit/s ({@link Long#MAX_VALUE}: none). */
    public long delayBasedLimitBps() {
        return delayBasedLimitBps;
    }

    /** Changes the bounds and re-applies them. */
    public void setBounds(long minBps, long maxBps, long nowUs) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        applyLimits(currentBps, nowUs);
    }

    /** Sets the target directly (start rate, probe result), lifting the delay-based cap until the next estimate. */
    public void setSendBitrate(long bps, long nowUs) {
        delayBasedLimitBps = Long.MAX_VALUE;
        applyLimits(bps, nowUs);
        minBitrateHistory.clear();
    }

    public void setRtt(long rttUs) {
        this.rttUs = rttUs;
    }

    /** A new delay-based estimate caps the target, bit/s. */
    public void updateDelayBasedEstimate(long bps, long nowUs) {
        delayBasedLimitBps = bps <= 0 ? Long.MAX_VALUE : bps;
        applyLimits(currentBps, nowUs);
    }

    /** A REMB caps the target, bit/s. */
    public void updateReceiverEstimate(long bps, long nowUs) {
        receiverLimitBps = bps <= 0 ? Long.MAX_VALUE : bps;
        applyLimits(currentBps, nowUs);
    }

    /**
     * Adds a loss observation; decides once {@link #LIMIT_NUM_PACKETS} expected packets accumulated.
     *
     * @param lost     packets lost
     * @param expected packets expected
     * @return whether the target was cut for loss
     */
    public boolean updatePacketsLost(long lost, long expected, long nowUs) {
        if (firstReportUs == Long.MIN_VALUE) {
            firstReportUs = nowUs;
        }
        if (expected <= 0) {
            return false;
        }
        long totalExpected = expectedSinceUpdate + expected;
        if (totalExpected < LIMIT_NUM_PACKETS) {
            expectedSinceUpdate = totalExpected;
            lostSinceUpdate += lost;
            return false;
        }
        hasDecreasedSinceLastLoss = false;
        long lostQ8 = Math.max(lostSinceUpdate + lost, 0) << 8;
        lastFractionLossQ8 = (int) Math.min(lostQ8 / totalExpected, 255);
        lostSinceUpdate = 0;
        expectedSinceUpdate = 0;
        lastLossReportUs = nowUs;
        return updateEstimate(nowUs);
    }

    /**
     * Periodic update (every process interval and after each loss report).
     *
     * @return whether the decision came from loss (a cut), for the change reason
     */
    public boolean updateEstimate(long nowUs) {
        if (lastFractionLossQ8 == 0 && inStartPhase(nowUs)) {
            long bps = currentBps;
            if (receiverLimitBps != Long.MAX_VALUE) {
                bps = Math.max(receiverLimitBps, bps);
            }
            if (delayBasedLimitBps != Long.MAX_VALUE) {
                bps = Math.max(delayBasedLimitBps, bps);
            }
            if (bps != currentBps) {
                minBitrateHistory.clear();
                minBitrateHistory.addLast(new long[] {nowUs, currentBps});
                applyLimits(bps, nowUs);
                return false;
            }
        }
        updateMinHistory(nowUs);
        if (lastLossReportUs == Long.MIN_VALUE) {
            applyLimits(currentBps, nowUs);
            return false;
        }
        if (nowUs - lastLossReportUs < 1.2 * MAX_RTCP_FEEDBACK_INTERVAL_US) {
            double loss = lastFractionLossQ8 / 256.0;
            if (loss <= LOW_LOSS_THRESHOLD) {
                applyLimits((long) (minBitrateHistory.peekFirst()[1] * 1.08 + 0.5) + 1000, nowUs);
                return false;
            }
            if (loss > HIGH_LOSS_THRESHOLD && !hasDecreasedSinceLastLoss
                    && (timeLastDecreaseUs == Long.MIN_VALUE
                        || nowUs - timeLastDecreaseUs >= DECREASE_INTERVAL_US + rttUs)) {
                timeLastDecreaseUs = nowUs;
                hasDecreasedSinceLastLoss = true;
                applyLimits((long) (currentBps * (512.0 - lastFractionLossQ8) / 512.0), nowUs);
                return true;
            }
        }
        applyLimits(currentBps, nowUs);
        return false;
    }

    private boolean inStartPhase(long nowUs) {
        return firstReportUs == Long.MIN_VALUE || nowUs - firstReportUs < START_PHASE_US;
    }

    private void updateMinHistory(long nowUs) {
        while (!minBitrateHistory.isEmpty()
                && nowUs - minBitrateHistory.peekFirst()[0] + 1000 > INCREASE_INTERVAL_US) {
            minBitrateHistory.removeFirst();
        }
        while (!minBitrateHistory.isEmpty() && currentBps <= minBitrateHistory.peekLast()[1]) {
            minBitrateHistory.removeLast();
        }
        minBitrateHistory.addLast(new long[] {nowUs, currentBps});
    }

    private void applyLimits(long bps, long nowUs) {
        long upper = Math.min(Math.min(delayBasedLimitBps, receiverLimitBps), maxBps);
        currentBps = Math.max(minBps, Math.min(bps, upper));
    }
}
