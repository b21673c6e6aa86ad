package io.sluice.abr.gcc;

/**
 * The delay-based rate controller (draft-ietf-rmcat-gcc-02 §5.5; libwebrtc's {@code AimdRateControl}). A state
 * machine driven by the overuse detector: OVERUSING → decrease to {@link #BETA} × the acknowledged rate (and
 * hold); UNDERUSING → hold (a queue is draining); NORMAL → increase, multiplicatively by
 * {@code 1.08^Δt(s)} while far from the link capacity, additively by about one packet per response time
 * ({@code 2 × (RTT + 100 ms)}) near it, as judged by {@link LinkCapacityEstimator}. An increase never goes above
 * {@code 1.5 × acknowledged + 10 kbit/s}, so the estimate cannot leave an application-limited sender far behind.
 */
public final class AimdRateControl {
    /** Multiplicative decrease factor on overuse (libwebrtc: 0.85). */
    public static final double BETA = 0.85;
    /** Multiplicative increase per second (draft §5.5: 1.08). */
    public static final double ALPHA = 1.08;
    /** Response time used before an RTT is known, µs. */
    public static final long DEFAULT_RTT_US = 200_000;
    private static final long MIN_INCREASE_BPS_PER_SECOND = 4_000;
    private static final long BACKOFF_TERM_BPS = 5_000;

    private enum State { HOLD, INCREASE, DECREASE }

    private final LinkCapacityEstimator linkCapacity = new LinkCapacityEstimator();
    private boolean linkCapacityFallback = true;
    private long minBps;
    private long maxBps;
    private long currentBps;
    private long latestThroughputBps;
    private State state = State.HOLD;
    private long timeLastChangeUs = Long.MIN_VALUE;
    private long lastDecreaseBps = -1;
    private long rttUs = DEFAULT_RTT_US;
    private long timeLastDecreaseUs = Long.MIN_VALUE;

    /**
     * @param minBps   lower bound, bit/s
     * @param startBps start estimate, bit/s
     * @param maxBps   upper bound, bit/s
     */
    public AimdRateControl(long minBps, long startBps, long maxBps) {
        setBounds(minBps, maxBps);
        this.currentBps = startBps;
        this.latestThroughputBps = startBps;
    }

    /** Changes the bounds; the estimate is clamped into them. */
    public void setBounds(long minBps, long maxBps) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        currentBps = clamp(currentBps);
    }

    /** The round-trip time that sets the response time, µs. */
    public void setRtt(long rttUs) {
        this.rttUs = rttUs;
    }

    /** The current estimate, bit/s. */
    public long latestEstimateBps() {
        return currentBps;
    }

    /**
     * Whether a decrease that would not lower the estimate (β × throughput ≥ the estimate) falls back to β × the link
     * capacity estimate, as libwebrtc does by default (default true). libwebrtc's own comment: the link capacity
     * estimate may be based on old throughput measurements, and relying on it may lead to unnecessary drops (its
     * {@code link_capacity_fix} trial turns the fallback off). Off with {@link GccConfig#relay()}: a
     * relay's keyframe overuses for several feedbacks, and after the first cut (to β × what the path delivered) the
     * second fell back to β × a capacity averaged from earlier, application-limited throughputs.
     */
    public void linkCapacityFallback(boolean enabled) {
        linkCapacityFallback = enabled;
    }

    /** The link capacity estimate this controller keeps. */
    public LinkCapacityEstimator linkCapacity() {
        return linkCapacity;
    }

    /**
     * Whether an overuse may cut again: one RTT (clamped to 10–200 ms) after the last change, or at once when the
     * throughput fell below half the estimate.
     */
    public boolean timeToReduceFurther(long nowUs, long throughputBps) {
        long interval = Math.max(10_000, Math.min(200_000, rttUs));
        if (timeLastChangeUs == Long.MIN_VALUE || nowUs - timeLastChangeUs >= interval) {
            return true;
        }
        return throughputBps < currentBps / 2;
    }

    /**
     * Whether an overuse seen before any acknowledged rate may halve the estimate now: when nothing was cut yet, or
     * one response time ({@code RTT + 100 ms}, the RTT measured, queueing included) after the last cut.
     *
     * <p>libwebrtc by default halves on every overusing feedback here ({@code TimeToReduceFurther} with a throughput
     * of half the estimate is always true), and has a field trial ({@code WebRTC-BweAimdRateControlConfig/
     * initial_backoff_interval}) to space the halvings instead. A flow joining a bottleneck whose queue another flow
     * keeps full sees overuse on every 50 ms feedback for as long as that queue takes to drain through its own
     * feedback loop: halving on each one took it from 800 to 50 kbit/s within 400 ms, before its first acknowledged
     * rate (500 ms of arrivals) existed, and it then took tens of seconds to climb back (two-flow simulation). A cut
     * cannot show in the delay signal before one RTT plus the detector's own delay (the 100 ms that
     * {@link #nearMaxIncreaseBpsPerSecond()} also assumes), so one halving per response time is the fastest
     * reaction that has seen the effect of the last one.
     */
    public boolean initialTimeToReduceFurther(long nowUs) {
        return timeLastDecreaseUs == Long.MIN_VALUE || nowUs - timeLastDecreaseUs >= rttUs + 100_000;
    }

    /**
     * Sets the estimate directly (a probe result, or a halving before any throughput is known).
     *
     * @return the clamped estimate, bit/s
     */
    public long setEstimate(long bps, long nowUs) {
        long previous = currentBps;
        currentBps = clamp(bps);
        timeLastChangeUs = nowUs;
        if (currentBps < previous) {
            timeLastDecreaseUs = nowUs;
        }
        return currentBps;
    }

    /**
     * Moves the estimate for one detector state.
     *
     * @param usage         the detector's hypothesis
     * @param throughputBps the acknowledged rate, bit/s, or a negative value when none is known yet
     * @param nowUs         current time, µs
     * @return the new estimate, bit/s
     */
    public long update(BandwidthUsage usage, long throughputBps, long nowUs) {
        if (throughputBps >= 0) {
            latestThroughputBps = throughputBps;
        }
        long throughput = latestThroughputBps;
        changeState(usage, nowUs);
        long newBps = currentBps;
        switch (state) {
            case HOLD -> { }
            case INCREASE -> {
                if (throughput > linkCapacity.upperBoundBps()) {
                    linkCapacity.reset();
                }
                long limit = (long) (1.5 * throughput) + 10_000;
                if (currentBps < limit) {
                    long increase = linkCapacity.hasEstimate() ? additiveIncrease(nowUs)
                            : multiplicativeIncrease(nowUs);
                    newBps = Math.min(currentBps + increase, limit);
                }
                timeLastChangeUs = nowUs;
            }
            case DECREASE -> {
                double decreased = throughput * BETA;
                if (decreased > BACKOFF_TERM_BPS) {
                    decreased -= BACKOFF_TERM_BPS;
                }
                if (decreased > currentBps && linkCapacityFallback && linkCapacity.hasEstimate()) {
                    decreased = BETA * linkCapacity.estimateBps();
                }
                if (decreased < currentBps) {
                    newBps = (long) decreased;
                }
                if (throughput < currentBps) {
                    lastDecreaseBps = currentBps - newBps;
                }
                if (throughput < linkCapacity.lowerBoundBps()) {
                    linkCapacity.reset();
                }
                linkCapacity.onOveruseDetected(throughput);
                state = State.HOLD;
                timeLastChangeUs = nowUs;
                timeLastDecreaseUs = nowUs;
            }
            default -> throw new AssertionError(state);
        }
        currentBps = clamp(newBps);
        return currentBps;
    }

    /**
     * Expected time to climb back to the rate of the last decrease at the near-max increase rate, µs (clamped
     * 2–50 s; 3 s before any decrease). The probe controller and ALR use it to pace recovery.
     */
    public long expectedBandwidthPeriodUs() {
        if (lastDecreaseBps < 0) {
            return 3_000_000;
        }
        double seconds = lastDecreaseBps / (double) nearMaxIncreaseBpsPerSecond();
        return Math.max(2_000_000, Math.min(50_000_000, (long) (seconds * 1_000_000)));
    }

    /** The additive increase rate near the link capacity: one average packet per response time, bit/s per s. */
    long nearMaxIncreaseBpsPerSecond() {
        double frameBytes = currentBps / 8.0 / 30;
        double packetsPerFrame = Math.max(1, Math.ceil(frameBytes / 1200));
        double avgPacketBits = frameBytes / packetsPerFrame * 8;
        double responseTimeS = 2 * (rttUs + 100_000) / 1e6;
        return Math.max(MIN_INCREASE_BPS_PER_SECOND, (long) (avgPacketBits / responseTimeS));
    }

    private long additiveIncrease(long nowUs) {
        if (timeLastChangeUs == Long.MIN_VALUE) {
            return 0;
        }
        return (long) (nearMaxIncreaseBpsPerSecond() * ((nowUs - timeLastChangeUs) / 1e6));
    }

    private long multiplicativeIncrease(long nowUs) {
        double alpha = ALPHA;
        if (timeLastChangeUs != Long.MIN_VALUE) {
            double seconds = Math.min(nowUs - timeLastChangeUs, 1_000_000) / 1e6;
            alpha = Math.pow(ALPHA, seconds);
        }
        return Math.max((long) (currentBps * (alpha - 1)), 1_000);
    }

    private void changeState(BandwidthUsage usage, long nowUs) {
        switch (usage) {
            case NORMAL -> {
                if (state == State.HOLD) {
                    timeLastChangeUs = nowUs;
                    state = State.INCREASE;
                }
            }
            case OVERUSING -> state = State.DECREASE;
            case UNDERUSING -> state = State.HOLD;
            default -> throw new AssertionError(usage);
        }
    }

    private long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }
}
