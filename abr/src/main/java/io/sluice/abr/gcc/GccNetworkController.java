package io.sluice.abr.gcc;

import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TargetTransferRate;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.core.spi.RateChangeReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Send-side Google Congestion Control (draft-ietf-rmcat-gcc-02, as libwebrtc's {@code GoogCcNetworkController}
 * implements it): the target is the loss-based rate ({@link SendSideBandwidthEstimation}) capped by the
 * delay-based estimate ({@link DelayBasedBwe}, from transport-wide feedback), the receiver's REMB and the configured
 * maximum. Probing ({@link ProbeController}, {@link ProbeBitrateEstimator}) finds capacity above the estimate;
 * {@link AlrDetector} tells when the sender is application-limited, and then the delay-based estimate is capped at
 * {@link GccConfig#alrEstimateCapFactor()} × the acknowledged rate so that it cannot run away from what the sender
 * actually sends (pion/interceptor#299), except while the sender drops media in front of its pacer
 * ({@link #onMediaDropped}). The pacer is told {@code pacingFactor × target}.
 *
 * <p>Departures from libwebrtc's defaults, each measured in the simulation ({@code GccScenarios}): on overuse the
 * delay-based cut goes to β × the receive rate of the last 500 ms ({@link ReceiveRate}, draft §5.5's {@code R_hat})
 * when that is below β × the acknowledged rate, and before any acknowledged rate exists (instead of halving); and
 * halvings before the first acknowledged rate are spaced by one response time
 * ({@link AimdRateControl#initialTimeToReduceFurther}). Together they let a flow joining a busy bottleneck keep what
 * its probes got through instead of halving to the minimum, and follow a capacity collapse within one window
 * (see {@link DelayBasedBwe#incomingPacketFeedback(long, List, long, long, long)}). After a large cut (the target
 * under {@link #LARGE_CUT_FRACTION} × the acknowledged rate) the pacer runs at the target, not
 * {@code pacingFactor} × it, for {@link #LARGE_CUT_PACING_US}, so that the queue the capacity drop filled can drain.
 *
 * <p>Known limits, measured in the simulation ({@code GccScenarios}): two flows on 4 Mbit/s (the second joining
 * 10 s later) share within [0.5, 2] only from about 20 s after the join (3.6 : 1 before; AIMD's 15 % cuts close the
 * gap by 15 % per overuse cycle of ~3 s), and against a long Reno flow GCC keeps 6/17/25 % of a 1/2/4 Mbit/s link
 * (RFC 8867 §5.6 asks for 25 %). With an encoder that ramps to a raised rate over a second and sends 0.9 × what it is
 * asked ({@code EncoderModel.likeX264}, calibrated on the bottleneck bench), the 1 → 2.5 Mbit/s step of §5.1 is not
 * reached to 90 % within its 15 s (only AIMD moves the estimate, see {@link #STABLE_PROBE_MIN_USAGE}) and steady
 * utilization is 0.39–0.77; with Sluice's {@code AdaptiveRateController} in the loop compensating that undershoot
 * and following the estimate every 200 ms ({@code AdaptedEncoderModel}, an encoder that changes its rate in place),
 * 0.83–0.87 and the step in 2.2–6.4 s depending on the encoder's shortfall.
 *
 * <p>Loss comes from transport-wide feedback (packets reported not received), aggregated per second; RTCP receiver
 * report loss ({@link #onTransportLossReport}) is used only until the first feedback arrives. The RTT for the rate
 * controller's response time is the RTCP RTT ({@link #onRoundTripTime}) when one was given, else the mean of the
 * last 32 feedback RTTs (feedback arrival − newest send time).
 *
 * <p>Constraints: the first {@link #onTargetRateConstraints} sets the start rate and starts exponential probing; later
 * calls change only the min and max (a raised max is probed once, as libwebrtc does).
 *
 * <p>A target that has not changed for {@link #TARGET_REPEAT_INTERVAL_US} is announced again (same value and
 * reason), so that an application which rate-limits its increases gets to apply the last one.
 *
 * <p>Sans-IO, not thread-safe. Every non-empty target carries the {@link RateChangeReason} of its last move; a cap
 * applied because the sender is application-limited is reported as {@link RateChangeReason#APPLICATION_LIMITED}.
 */
public final class GccNetworkController implements NetworkController {
    private static final long LOSS_UPDATE_INTERVAL_US = 1_000_000;
    private static final int MAX_FEEDBACK_RTTS = 32;
    private static final double PROBE_DROP_THROUGHPUT_FRACTION = 0.85;
    /**
     * After a probe sent while the sender was not application-limited raised the estimate, the ALR cap waits this
     * long, µs, so that the application can follow: Sluice's {@code AdaptiveRateController} raises the encoder at
     * most once a second, x264 (1 s VBV) then needs about a second to spend a raised budget, and the acknowledged
     * rate lags the sent rate. Without it the cap took a probed estimate back to 1.2 × the old acknowledged rate
     * within about a second (bottleneck bench, RFC 8867 §5.1: estimate spikes to 1.2–4 Mbit/s, each gone within a
     * second, utilization 0.37–0.44). Measured with {@code EncoderModel.likeX264} ({@code GccScenarios x264}): 90 %
     * of the 0.6 → 1 Mbit/s step in 6.4 s (never without the hold), §5.2 share ratio 0.61–1.07 (0.66–1.82); 3 and
     * 4 s gave 9.3 s and ratios up to 2.36. A sender still application-limited when the hold ends is capped then.
     * Probes sent while application-limited, or within {@link #ALR_PROBE_MEMORY_US} of it (periodic ALR probes and
     * the further probes they trigger), get no hold: an application-limited sender's estimate stays near its send
     * rate (pion/interceptor#299).
     */
    static final long ALR_CAP_HOLD_US = 2_000_000;
    /**
     * How long the ALR cap is held off after a probe the sender asked for ({@link #onProbeRequest}) raised the
     * estimate, µs: the sender switches to its next rung at that rung's next keyframe, which a live source may place
     * up to a GOP (2–4 s) later; capped before that, the estimate would fall back under the rung it is about to send.
     */
    static final long REQUESTED_PROBE_CAP_HOLD_US = 5_000_000;
    /** A probe result within this long of {@link #onProbeRequest} is that request's, µs (a cluster lasts ~15 ms; feedback follows within an RTT). */
    private static final long REQUESTED_PROBE_RESULT_US = 1_000_000;
    /** A probe sent within this long of application-limited time counts as sent while application-limited, µs. */
    private static final long ALR_PROBE_MEMORY_US = 1_000_000;
    /**
     * Stable-period probes need the sender to have sent at least this × the mean of its targets over the last
     * second (not × the target now: under AIMD's additive increase a small flow's target runs further ahead of what
     * it sent a second ago than a large flow's, so only the larger of two flows sharing a link ever probed and took
     * the link, 2-9 × the other's rate in the simulation). A real encoder gets there only with Sluice's
     * {@code AdaptiveRateController} compensating its undershoot (x264 sends 0.83-0.99 × its setting); without it a
     * step up is found by AIMD alone (1 → 2.25 Mbit/s in 10+ s). Lower values were tried in the simulation and not
     * kept: 0.85-0.9 let whichever flow's usage happened to pass probe, and two-flow share ratios went anywhere
     * between 0.24 and 5.5.
     *
     * <p>A stable probe's result counts only when the path carried it unsaturated (received at ≥ 90 % of its send
     * rate, {@link ProbeBitrateEstimator#lastEstimateSaturated}): a saturated path may be shared, and a FIFO gives a
     * probing flow a share in proportion to what it sends, not spare capacity. The further probes it starts (at 2 ×
     * each result) follow the same rule, so the chain stops at its first saturated cluster (bottleneck bench, §5.2:
     * a chain 254 → 631 → 1108 → 2065 → 3248 kbit/s into a path the other flow filled was followed 50–100 ms later by
     * an overuse that cut the prober to 0.85 × its pre-probe receive rate, 152 kbit/s). Measured with the
     * application in the loop ({@code GccScenarios adapted}: {@code AdaptedEncoderModel}, encoder output 0.83-1.0 ×
     * its setting, 9 values): two flows on §5.2's schedule outside [0.5, 2] in 36 of 225 five-second windows (92
     * with session 8's rules, 50 with the first cluster's rule alone), a late joiner on 2 Mbit/s in 15 of 72 (54,
     * 18), §5.1 steady utilization 0.81-0.86 (0.59-0.84).
     */
    private static final double STABLE_PROBE_MIN_USAGE = 0.95;
    private static final long SEND_RATE_WINDOW_US = 1_000_000;
    /**
     * An unchanged target is announced again after this long, µs. Why: an application that raises its encoder at
     * most once a second and only when told (Sluice's {@code AdaptiveRateController}) misses a probe's result for
     * good when the probe comes within a second of its last increase and nothing changes afterwards (bottleneck
     * bench, RFC 8867 §5.1's 1 → 2.5 Mbit/s step: the estimate went to 3.1 Mbit/s at 24.55 s, the encoder stayed
     * at 0.67). Not enough on its own in that run: the ALR cap took the estimate back to 1.04 Mbit/s at 25.46 s,
     * before a repeat at 25.6 s; {@link #ALR_CAP_HOLD_US} is the other half.
     */
    static final long TARGET_REPEAT_INTERVAL_US = 1_000_000;
    /**
     * A target below this fraction of the acknowledged rate is a large cut: the path carried far more than it is now
     * asked to, so its capacity fell (AIMD's own cuts go to 0.85 × what was received). Measured against the
     * acknowledged rate rather than the previous target so that a flow whose probes overshot (a late joiner on a
     * busy link) is not taken for one: against the target, the simulation's late joiner on 2 Mbit/s shared at 2.2–2.3.
     */
    static final double LARGE_CUT_FRACTION = 0.7;
    /**
     * For this long after a large cut the pacer runs at the target itself rather than {@code pacingFactor} × it, µs.
     * Why: after a cut the target is about β (0.85) × what the path carried, so a pacer draining the encoder's
     * pre-cut backlog at 1.1 × the target offers 0.94 × the new capacity, and the bottleneck queue the step filled
     * drains at 6 % of the capacity a second (bottleneck bench, RFC 8867 §5.1's 2.5 → 0.6 Mbit/s step: 360 ms of
     * queue for 4 s). AIMD's own 15 % cuts are not large cuts, so two flows sharing a link are paced as before.
     */
    static final long LARGE_CUT_PACING_US = 2_000_000;

    private static final Comparator<PacketResult> BY_RECEIVE_TIME = Comparator.comparingLong(PacketResult::receiveTimeUs);

    private static final Logger log = LoggerFactory.getLogger(GccNetworkController.class);
    private final GccConfig config;
    /** The last {@link #MAX_FEEDBACK_RTTS} feedback RTTs, µs: a ring, oldest at {@link #feedbackRttStart}. */
    private final long[] feedbackRtts = new long[MAX_FEEDBACK_RTTS];
    private int feedbackRttStart;
    private int feedbackRttCount;
    /** One feedback's received packets by arrival time (reused per feedback, never kept). */
    private final List<PacketResult> received = new ArrayList<>();
    private final AcknowledgedBitrateEstimator ackedBitrate = new AcknowledgedBitrateEstimator();
    private final ProbeBitrateEstimator probeEstimator = new ProbeBitrateEstimator();
    private final ReceiveRate receiveRate = new ReceiveRate();
    /**
     * With {@link GccConfig#relay()}: the highest {@link ReceiveRate#recentDeliveredRateBps()} seen over
     * the last {@link #RELAY_FLOOR_HORIZON_US}, as a monotonic deque of {timeUs, bit/s}.
     */
    private final java.util.ArrayDeque<long[]> recentDeliveredMax = new java.util.ArrayDeque<>();
    /**
     * How long a delivered rate floors the decrease, µs. One keyframe's burst keeps the detector at overuse for
     * several feedbacks while its queue drains, and each may cut once per RTT; the floor must outlast the burst (an
     * 88 kB keyframe takes 200 ms through 3.5 Mbit/s) or the second cut lands at β × the stream's average again. After
     * a real capacity drop the floor holds the estimate up for this long at most.
     */
    static final long RELAY_FLOOR_HORIZON_US = 1_000_000;
    /**
     * With {@link GccConfig#relay()}: the highest acknowledged rate over the last {@link #RELAY_CAP_HORIZON_US}, as
     * a monotonic deque of {timeUs, bit/s}; the ALR cap is {@code alrEstimateCapFactor} × that instead of × the
     * acknowledged rate now.
     */
    private final java.util.ArrayDeque<long[]> recentAckedMax = new java.util.ArrayDeque<>();
    /**
     * How long an acknowledged rate holds up a relay's ALR cap, µs. A relay's source can stall (a WHIP publisher's
     * encoder drops a simulcast layer for seconds): with only audio acknowledged, the cap brought a viewer on a
     * 6 Mbit/s path to 125 kbit/s within 5 s (after the probe hold), the rung selector went to the lowest rung, and
     * the viewer climbed back through probes and trials for 11 s after the video resumed. Longer than such stalls,
     * short enough that a rung the viewer left for good stops holding up the cap.
     */
    static final long RELAY_CAP_HORIZON_US = 10_000_000;
    private final AlrDetector alr;
    private final ProbeController probes;
    private TargetRateConstraints constraints;
    private DelayBasedBwe delayBased;
    private SendSideBandwidthEstimation lossBased;
    private long lastTargetBps = -1;
    private double lastLoss;
    private RateChangeReason delayReason = RateChangeReason.INITIAL;
    private long rtcpRttUs = -1;
    private long rttUs = AimdRateControl.DEFAULT_RTT_US;
    private boolean feedbackSeen;
    private long lostSinceLossUpdate;
    private long expectedSinceLossUpdate;
    private long nextLossUpdateUs = Long.MIN_VALUE;
    private boolean previouslyInAlr;
    private long lastUnstableUs;
    private long sendWindowStartUs = Long.MIN_VALUE;
    private long sendWindowBytes;
    private long lastSendRateBps;
    private int stableProbeClusterId = -1;
    /** The last cluster id of the current stable-probe chain (the stable probe and the further probes it started). */
    private int stableChainLastId = -1;
    /** The mean target over the window of {@link #lastSendRateBps}, bit/s (what the sender was asked to send then). */
    private long lastWindowMeanTargetBps;
    private long lastPacketSendUs = Long.MIN_VALUE;
    private double windowTargetIntegral;
    private long lastEmitUs;
    private boolean lastProbeOutsideAlr;
    private long alrCapHoldUntilUs = Long.MIN_VALUE;
    /** When the sender last asked for a probe ({@link #onProbeRequest}), µs. */
    private long requestedProbeUs = Long.MIN_VALUE;
    private long lastInAlrUs = Long.MIN_VALUE;
    private long lastMediaDropUs = Long.MIN_VALUE;
    /** The sender's padding floor, bit/s (0: none); see {@link #onPaddingFloor}. */
    private long paddingFloorBps;
    private long lastOveruseUs = Long.MIN_VALUE;
    private long lastEstimateBps;
    private RateChangeReason lastReason = RateChangeReason.INITIAL;
    private long largeCutUntilUs = Long.MIN_VALUE;
    private boolean pacingAtTarget;

    /** A controller with {@link GccConfig#DEFAULT}. */
    public GccNetworkController() {
        this(GccConfig.DEFAULT);
    }

    public GccNetworkController(GccConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.probes = new ProbeController(config.periodicAlrProbing());
        this.alr = new AlrDetector(config.alrBandwidthUsageRatio());
    }

    /** The configuration. */
    public GccConfig config() {
        return config;
    }

    /** The delay-based estimate, bit/s (0 before start). */
    public long delayBasedEstimateBps() {
        return delayBased == null ? 0 : delayBased.estimateBps();
    }

    /** The acknowledged rate, bit/s, or -1 while unknown. */
    public long acknowledgedBitrateBps() {
        return ackedBitrate.bitrateBps();
    }

    /** Whether the sender is application-limited. */
    public boolean inAlr() {
        return alr.inAlr();
    }

    /** The delay detector's hypothesis. */
    public BandwidthUsage delayDetectorState() {
        return delayBased == null ? BandwidthUsage.NORMAL : delayBased.usage();
    }

    @Override
    public NetworkControlUpdate onTargetRateConstraints(long nowUs, TargetRateConstraints c) {
        Objects.requireNonNull(c, "constraints");
        List<ProbeClusterConfig> clusters = new ArrayList<>();
        if (constraints == null) {
            constraints = c;
            delayBased = new DelayBasedBwe(c.minBitrateBps(), c.startBitrateBps(), c.maxBitrateBps());
            delayBased.rateControl().linkCapacityFallback(!config.relay());
            lossBased = new SendSideBandwidthEstimation(c.minBitrateBps(), c.startBitrateBps(), c.maxBitrateBps());
            clusters.addAll(probes.setBitrates(c.minBitrateBps(), c.startBitrateBps(), c.maxBitrateBps(), nowUs));
            lastUnstableUs = nowUs;
            return emit(nowUs, RateChangeReason.INITIAL, clusters);
        }
        constraints = c;
        delayBased.rateControl().setBounds(c.minBitrateBps(), c.maxBitrateBps());
        lossBased.setBounds(c.minBitrateBps(), c.maxBitrateBps(), nowUs);
        lossBased.updateDelayBasedEstimate(delayBased.estimateBps(), nowUs);
        clusters.addAll(probes.setBitrates(c.minBitrateBps(), -1, c.maxBitrateBps(), nowUs));
        return maybeTrigger(nowUs, RateChangeReason.CONSTRAINTS, false, clusters);
    }

    @Override
    public NetworkControlUpdate onProcessInterval(long nowUs) {
        if (constraints == null) {
            return NetworkControlUpdate.NONE;
        }
        boolean lossCut = lossBased.updateEstimate(nowUs);
        probes.setAlrStartTime(alr.alrStartUs());
        List<ProbeClusterConfig> clusters = new ArrayList<>(probes.process(nowUs));
        noteAlr(nowUs);
        if (clusters.isEmpty() && config.stableProbeIntervalUs() > 0 && !alr.inAlr()
                && nowUs - lastUnstableUs >= config.stableProbeIntervalUs()
                && lastWindowMeanTargetBps > 0 && lastSendRateBps >= STABLE_PROBE_MIN_USAGE * lastWindowMeanTargetBps
                && lossBased.targetBps() < constraints.maxBitrateBps()) {
            List<ProbeClusterConfig> stable = probes.requestStableProbe(nowUs);
            if (!stable.isEmpty()) {
                stableProbeClusterId = stable.get(0).id();
                stableChainLastId = stable.get(stable.size() - 1).id();
            }
            clusters.addAll(stable);
        }
        if (!clusters.isEmpty()) {
            lastUnstableUs = nowUs;
        }
        return maybeTrigger(nowUs, null, lossCut, clusters);
    }

    @Override
    public NetworkControlUpdate onSentPacket(SentPacket packet) {
        alr.onBytesSent(packet.sizeBytes(), packet.sendTimeUs());
        if (!packet.pacing().isProbe()) {
            if (sendWindowStartUs == Long.MIN_VALUE) {
                sendWindowStartUs = packet.sendTimeUs();
            }
            long elapsed = packet.sendTimeUs() - sendWindowStartUs;
            if (lossBased != null && lastPacketSendUs != Long.MIN_VALUE) {
                windowTargetIntegral += (double) lossBased.targetBps() * (packet.sendTimeUs() - lastPacketSendUs);
            }
            lastPacketSendUs = packet.sendTimeUs();
            if (elapsed >= SEND_RATE_WINDOW_US) {
                lastSendRateBps = sendWindowBytes * 8_000_000L / elapsed;
                lastWindowMeanTargetBps = (long) (windowTargetIntegral / elapsed);
                windowTargetIntegral = 0;
                sendWindowStartUs = packet.sendTimeUs();
                sendWindowBytes = 0;
            }
            sendWindowBytes += packet.sizeBytes();
        }
        return NetworkControlUpdate.NONE;
    }

    /** Adds the current recent delivered rate and answers the highest over the horizon, bit/s, or -1. */
    private long updateRecentDeliveredMax(long nowUs) {
        return maxOverHorizon(recentDeliveredMax, nowUs, receiveRate.recentDeliveredRateBps(), RELAY_FLOOR_HORIZON_US);
    }

    /**
     * Adds {@code value} (if &gt; 0) at {@code nowUs} to a monotonic deque of {timeUs, value} and answers the highest
     * value within {@code horizonUs}, or -1.
     */
    private static long maxOverHorizon(java.util.ArrayDeque<long[]> deque, long nowUs, long value, long horizonUs) {
        if (value > 0) {
            while (!deque.isEmpty() && deque.peekLast()[1] <= value) {
                deque.pollLast();
            }
            deque.addLast(new long[] {nowUs, value});
        }
        while (!deque.isEmpty() && deque.peekFirst()[0] < nowUs - horizonUs) {
            deque.pollFirst();
        }
        return deque.isEmpty() ? -1 : deque.peekFirst()[1];
    }

    @Override
    public NetworkControlUpdate onTransportPacketsFeedback(TransportPacketsFeedback feedback) {
        if (constraints == null || feedback.packets().isEmpty()) {
            return NetworkControlUpdate.NONE;
        }
        long nowUs = feedback.feedbackTimeUs();
        feedbackSeen = true;
        List<PacketResult> received = this.received; // reused: nothing below keeps it past this call
        received.clear();
        long lastReceiveUs = Long.MIN_VALUE;
        boolean sorted = true;
        for (PacketResult p : feedback.packets()) {
            if (p.isReceived()) {
                sorted &= p.receiveTimeUs() >= lastReceiveUs;
                lastReceiveUs = p.receiveTimeUs();
                received.add(p);
            }
        }
        if (!sorted) {
            received.sort(BY_RECEIVE_TIME); // stable, as before: ties keep sequence order
        }
        updateFeedbackRtt(nowUs, received);

        boolean inAlr = alr.inAlr();
        noteAlr(nowUs);
        if (previouslyInAlr && !inAlr) {
            ackedBitrate.setAlrEnded(nowUs);
            probes.setAlrEndedTime(nowUs);
        }
        previouslyInAlr = inAlr;
        ackedBitrate.incomingPacketFeedback(received, inAlr);
        receiveRate.onReceived(received);
        long relayFloorBps = config.relay() // see GccConfig#relay
                ? Math.max(updateRecentDeliveredMax(nowUs), receiveRate.rateBps()) : -1;
        long ackedBps = ackedBitrate.bitrateBps();
        long ackedMaxBps = config.relay() ? maxOverHorizon(recentAckedMax, nowUs, ackedBps, RELAY_CAP_HORIZON_US) : -1;
        for (PacketResult p : received) {
            if (p.sent().pacing().isProbe()) {
                probeEstimator.handleProbeAndEstimateBitrate(p);
            }
        }
        int probeCluster = probeEstimator.lastEstimateClusterId();
        boolean inStableChain = probeCluster >= stableProbeClusterId && probeCluster <= stableChainLastId
                && stableProbeClusterId >= 0;
        boolean stableSaturated = probeEstimator.lastEstimateSaturated()
                && inStableChain;
        long probeBps = probeEstimator.fetchAndResetLastEstimatedBitrate();
        if (probeBps > 0 && log.isDebugEnabled()) {
            log.debug("probe {} → {} bit/s{}", probeEstimator.lastEstimateDetail(), probeBps,
                    stableSaturated ? " (saturated stable probe, not used)" : "");
        }
        if (probeBps > 0 && stableSaturated) {
            probeBps = -1; // a full path, perhaps shared: not spare capacity (see STABLE_PROBE_MIN_USAGE)
        }
        if (probeBps > 0 && ackedBps > 0) {
            long limit = Math.min(delayBased.estimateBps(), (long) (ackedBps * PROBE_DROP_THROUGHPUT_FRACTION));
            probeBps = Math.max(probeBps, limit);
        }

        boolean lossCut = false;
        expectedSinceLossUpdate += feedback.packets().size();
        lostSinceLossUpdate += feedback.packets().size() - received.size();
        if (nowUs > nextLossUpdateUs) {
            nextLossUpdateUs = nowUs + LOSS_UPDATE_INTERVAL_US;
            lossCut = lossBased.updatePacketsLost(lostSinceLossUpdate, expectedSinceLossUpdate, nowUs);
            lostSinceLossUpdate = 0;
            expectedSinceLossUpdate = 0;
        }

        long before = delayBased.estimateBps();
        DelayBasedBwe.Result result = delayBased.incomingPacketFeedback(nowUs, received, ackedBps, probeBps,
                receiveRate.rateBps(), relayFloorBps);
        if (log.isDebugEnabled() && delayBased.estimateBps() < 0.9 * before) {
            log.debug("delay-based decrease {} → {} bit/s ({}): acknowledged {} bit/s, received {} bit/s over the last"
                    + " 500 ms, relay floor {}", before, delayBased.estimateBps(), result.usage(), ackedBps,
                    receiveRate.rateBps(), relayFloorBps);
        }
        if (result.usage() != BandwidthUsage.NORMAL || lossCut) {
            lastUnstableUs = nowUs;
        }
        if (result.usage() == BandwidthUsage.OVERUSING || lossCut) {
            lastOveruseUs = nowUs;
        }
        if (result.probe() && delayBased.estimateBps() > before) {
            if (config.relay()
                    || requestedProbeUs != Long.MIN_VALUE && nowUs - requestedProbeUs < REQUESTED_PROBE_RESULT_US) {
                alrCapHoldUntilUs = nowUs + REQUESTED_PROBE_CAP_HOLD_US;
            } else if (lastProbeOutsideAlr) {
                alrCapHoldUntilUs = nowUs + ALR_CAP_HOLD_US;
            }
        }
        boolean capped = false;
        if (inAlr && ackedBps > 0 && nowUs >= alrCapHoldUntilUs
                && (lastMediaDropUs == Long.MIN_VALUE || nowUs - lastMediaDropUs >= ALR_CAP_HOLD_US)) {
            long base = Math.max(Math.max(ackedBps, ackedMaxBps), paddingFloorBps);
            long cap = (long) (config.alrEstimateCapFactor() * base);
            if (delayBased.estimateBps() > cap) {
                delayBased.rateControl().setEstimate(cap, nowUs);
                capped = true;
            }
        }
        List<ProbeClusterConfig> clusters = new ArrayList<>();
        if (result.updated() || capped) {
            long estimate = delayBased.estimateBps();
            if (result.probe() && !capped) {
                lossBased.setSendBitrate(estimate, nowUs);
                delayReason = RateChangeReason.PROBE;
            } else if (estimate < before) {
                delayReason = capped ? RateChangeReason.APPLICATION_LIMITED : RateChangeReason.DELAY;
            } else if (estimate > before) {
                delayReason = RateChangeReason.INCREASE;
            }
            lossBased.updateDelayBasedEstimate(estimate, nowUs);
        }
        if (result.recoveredFromOveruse()) {
            probes.setAlrStartTime(alr.alrStartUs());
            clusters.addAll(probes.requestProbe(nowUs));
        }
        NetworkControlUpdate update = maybeTrigger(nowUs, null, lossCut, clusters);
        if (probeBps > 0 && inStableChain) {
            for (ProbeClusterConfig c : update.probeClusters()) {
                stableChainLastId = Math.max(stableChainLastId, c.id()); // probing further on the chain's result
            }
        }
        return update;
    }

    @Override
    public NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs) {
        if (rttUs <= 0) {
            return NetworkControlUpdate.NONE;
        }
        rtcpRttUs = rttUs;
        setRtt(rttUs);
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onTransportLossReport(long nowUs, long packetsLost, long packetsExpected) {
        if (constraints == null || feedbackSeen) {
            return NetworkControlUpdate.NONE; // transport-wide feedback carries the same loss, per packet
        }
        boolean lossCut = lossBased.updatePacketsLost(packetsLost, packetsExpected, nowUs);
        return maybeTrigger(nowUs, null, lossCut, new ArrayList<>());
    }

    @Override
    public NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps) {
        if (constraints == null) {
            return NetworkControlUpdate.NONE;
        }
        lossBased.updateReceiverEstimate(bitrateBps, nowUs);
        return maybeTrigger(nowUs, RateChangeReason.REMB, false, new ArrayList<>());
    }

    /**
     * Holds the ALR cap for {@link #ALR_CAP_HOLD_US} after each dropped frame (a sender that drops video in front
     * of its pacer is network-limited), and probes for the rate it would send ({@link
     * ProbeController#requestMediaDropProbe}) unless the delay detector saw overuse or loss cut the rate within
     * {@link ProbeController#MEDIA_DROP_PROBING_INTERVAL_US} (after a capacity drop the dropped frames are the
     * encoder's overshoot: probing then would add to the queue). Found in {@code WhipToWhepChromiumTest}: a pipeline copying 595 kbit/s of
     * video with a 5 s GOP had its first frames dropped (over 1 s at the 330 kbit/s start pacing rate) until the
     * source's next keyframe; only audio went out, the cap took the estimate to 1.2 × the audio rate (412 → 115 →
     * 75 kbit/s), and at that rate the next keyframe was over the limit again: video froze until a probe recovered.
     */
    @Override
    public NetworkControlUpdate onMediaDropped(long nowUs) {
        lastMediaDropUs = nowUs;
        if (constraints == null || (lastOveruseUs != Long.MIN_VALUE
                && nowUs - lastOveruseUs < ProbeController.MEDIA_DROP_PROBING_INTERVAL_US)) {
            return NetworkControlUpdate.NONE; // after a step down the encoder's overshoot is dropped: no probe then
        }
        List<ProbeClusterConfig> clusters = new ArrayList<>(probes.requestMediaDropProbe(nowUs));
        if (clusters.isEmpty()) {
            return NetworkControlUpdate.NONE;
        }
        lastUnstableUs = nowUs;
        return maybeTrigger(nowUs, null, false, clusters);
    }

    /**
     * A probe at the sender's next rung (see {@link NetworkController#onProbeRequest}): one cluster at that rate
     * unless a probe is pending; when its result raises the estimate, the ALR cap is held off for
     * {@link #REQUESTED_PROBE_CAP_HOLD_US}.
     */
    @Override
    public NetworkControlUpdate onProbeRequest(long nowUs, long bitrateBps) {
        if (constraints == null) {
            return NetworkControlUpdate.NONE;
        }
        List<ProbeClusterConfig> clusters = new ArrayList<>(probes.requestProbeAt(nowUs,
                Math.min(bitrateBps, constraints.maxBitrateBps())));
        if (clusters.isEmpty()) {
            return NetworkControlUpdate.NONE;
        }
        requestedProbeUs = nowUs;
        return maybeTrigger(nowUs, null, false, clusters);
    }

    /**
     * A padding floor (see {@link NetworkController#onPaddingFloor}): while it lasts, the ALR cap's base is at least
     * this rate. A relay's trial pads at its next rung's rate for about a second while the ALR detector still sees the
     * sender under its target (padding at 553 kbit/s against a 757 kbit/s target drains the ALR budget over ~2 s),
     * and the cap at 1.2 × the 350 kbit/s acknowledged before the trial cut the estimate under the rung on a 1 Mbit/s
     * path with an empty queue: the trial failed with no congestion.
     *
     * @throws IllegalArgumentException if {@code bitrateBps} is negative
     */
    @Override
    public NetworkControlUpdate onPaddingFloor(long nowUs, long bitrateBps) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        paddingFloorBps = bitrateBps;
        return NetworkControlUpdate.NONE;
    }

    /**
     * The streams' total allocation (see {@link NetworkController#onMaxTotalAllocatedBitrate}): probes go no higher
     * than {@link ProbeController#MAX_PROBE_ALLOCATION_FACTOR} × it.
     *
     * @throws IllegalArgumentException if {@code bitrateBps} is negative
     */
    @Override
    public NetworkControlUpdate onMaxTotalAllocatedBitrate(long nowUs, long bitrateBps) {
        probes.setMaxTotalAllocatedBitrate(bitrateBps);
        return NetworkControlUpdate.NONE;
    }

    private void updateFeedbackRtt(long nowUs, List<PacketResult> received) {
        long maxRtt = -1;
        for (PacketResult p : received) {
            maxRtt = Math.max(maxRtt, nowUs - p.sent().sendTimeUs());
        }
        if (maxRtt < 0) {
            return;
        }
        if (feedbackRttCount < MAX_FEEDBACK_RTTS) {
            feedbackRtts[(feedbackRttStart + feedbackRttCount++) % MAX_FEEDBACK_RTTS] = maxRtt;
        } else {
            feedbackRtts[feedbackRttStart] = maxRtt; // the oldest goes
            feedbackRttStart = (feedbackRttStart + 1) % MAX_FEEDBACK_RTTS;
        }
        if (rtcpRttUs < 0) {
            long sum = 0;
            for (int i = 0; i < feedbackRttCount; i++) {
                sum += feedbackRtts[i];
            }
            setRtt(sum / feedbackRttCount);
        }
    }

    private void setRtt(long rtt) {
        rttUs = rtt;
        delayBased.rateControl().setRtt(rtt);
        lossBased.setRtt(rtt);
    }

    private NetworkControlUpdate maybeTrigger(long nowUs, RateChangeReason hint, boolean lossCut,
                                              List<ProbeClusterConfig> clusters) {
        noteProbes(nowUs, clusters);
        long target = lossBased.targetBps();
        double loss = lossBased.lossFraction();
        if (target == lastTargetBps && loss == lastLoss) {
            TargetTransferRate again = null;
            if (nowUs - lastEmitUs >= TARGET_REPEAT_INTERVAL_US) {
                lastEmitUs = nowUs;
                again = new TargetTransferRate(nowUs, target, lastEstimateBps, loss, rttUs, lastReason);
            }
            PacerConfig pacer = null;
            if (pacingAtTarget && nowUs >= largeCutUntilUs) {
                pacer = pacerConfig(nowUs, target); // the large cut's window ended: back to pacingFactor
            }
            return again == null && pacer == null && clusters.isEmpty() ? NetworkControlUpdate.NONE
                    : new NetworkControlUpdate(again, pacer, clusters);
        }
        return emit(nowUs, reason(target, hint, lossCut), clusters);
    }

    private void noteAlr(long nowUs) {
        if (alr.inAlr()) {
            lastInAlrUs = nowUs;
        }
    }

    /**
     * Remembers whether the clusters about to be sent leave while the sender is application-limited, or was within
     * {@link #ALR_PROBE_MEMORY_US}: a probe's own bytes can end ALR, and the further probes it triggers are the same
     * ALR probe.
     */
    private void noteProbes(long nowUs, List<ProbeClusterConfig> clusters) {
        if (!clusters.isEmpty()) {
            noteAlr(nowUs);
            lastProbeOutsideAlr = lastInAlrUs == Long.MIN_VALUE || nowUs - lastInAlrUs > ALR_PROBE_MEMORY_US;
        }
    }

    private RateChangeReason reason(long target, RateChangeReason hint, boolean lossCut) {
        if (hint == RateChangeReason.CONSTRAINTS
                && (target == constraints.minBitrateBps() || target == constraints.maxBitrateBps())) {
            return hint;
        }
        if (target < lastTargetBps) {
            if (lossCut) {
                return RateChangeReason.LOSS;
            }
            if (target == lossBased.receiverLimitBps()) {
                return RateChangeReason.REMB;
            }
            if (hint != null && target != lossBased.delayBasedLimitBps()) {
                return hint;
            }
            return delayReason == RateChangeReason.APPLICATION_LIMITED ? delayReason : RateChangeReason.DELAY;
        }
        if (target > lastTargetBps && target == lossBased.delayBasedLimitBps()
                && delayReason == RateChangeReason.PROBE) {
            return RateChangeReason.PROBE;
        }
        return target > lastTargetBps || hint == null ? RateChangeReason.INCREASE : hint;
    }

    private NetworkControlUpdate emit(long nowUs, RateChangeReason reason, List<ProbeClusterConfig> clusters) {
        long target = lossBased.targetBps();
        lastTargetBps = target;
        lastLoss = lossBased.lossFraction();
        alr.setEstimatedBitrate(target);
        clusters.addAll(probes.setEstimatedBitrate(target, nowUs));
        noteProbes(nowUs, clusters);
        long estimate = Math.max(target, Math.min(Math.min(delayBased.estimateBps(), lossBased.receiverLimitBps()),
                constraints.maxBitrateBps()));
        TargetTransferRate rate = new TargetTransferRate(nowUs, target, estimate, lastLoss, rttUs, reason);
        lastEmitUs = nowUs;
        lastEstimateBps = estimate;
        lastReason = reason;
        long acked = ackedBitrate.bitrateBps();
        if (acked > 0 && target < LARGE_CUT_FRACTION * acked) {
            largeCutUntilUs = nowUs + LARGE_CUT_PACING_US;
        }
        return new NetworkControlUpdate(rate, pacerConfig(nowUs, target), clusters);
    }

    /**
     * The pacer's rates for this target: {@code pacingFactor} × it, or the target itself after a large cut (then
     * flagged {@link PacerConfig#afterLargeCut()}).
     */
    private PacerConfig pacerConfig(long nowUs, long target) {
        pacingAtTarget = nowUs < largeCutUntilUs;
        double factor = pacingAtTarget ? 1.0 : config.pacingFactor();
        return new PacerConfig((long) (factor * target), Math.min(config.paddingRateBps(), target), pacingAtTarget);
    }
}
