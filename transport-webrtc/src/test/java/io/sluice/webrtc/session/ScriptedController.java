package io.sluice.webrtc.session;

import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TargetTransferRate;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.core.spi.RateChangeReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link NetworkController} test double: records every call, starts with a fixed pacing configuration,
 * answers each feedback with a target (reason {@link RateChangeReason#DELAY}), and hands out scripted
 * updates from its process intervals. The real controller (GCC) lives in the abr module.
 */
final class ScriptedController implements NetworkController {
    final List<SentPacket> sent = new ArrayList<>();
    final List<TransportPacketsFeedback> feedbacks = new ArrayList<>();
    final List<Long> processTimesUs = new ArrayList<>();
    final List<long[]> rtts = new ArrayList<>();
    final List<long[]> lossReports = new ArrayList<>();
    final List<long[]> rembs = new ArrayList<>();
    /** Updates the next process intervals return, in order. */
    final ArrayDeque<NetworkControlUpdate> script = new ArrayDeque<>();
    /** Probe clusters the next feedbacks ask for, one per feedback, in order. */
    final ArrayDeque<ProbeClusterConfig> probesOnFeedback = new ArrayDeque<>();
    private final PacerConfig initial;
    private final List<ProbeClusterConfig> initialProbes;
    TargetRateConstraints constraints;

    ScriptedController(long pacingBps, long paddingBps, ProbeClusterConfig... initialProbes) {
        this.initial = new PacerConfig(pacingBps, paddingBps);
        this.initialProbes = List.of(initialProbes);
    }

    static NetworkControlUpdate pacer(long pacingBps, long paddingBps) {
        return new NetworkControlUpdate(null, new PacerConfig(pacingBps, paddingBps), List.of());
    }

    static NetworkControlUpdate probe(long nowUs, int id, long bps) {
        return new NetworkControlUpdate(null, null, List.of(new ProbeClusterConfig(nowUs, id, bps, 15_000, 5)));
    }

    @Override
    public NetworkControlUpdate onTargetRateConstraints(long nowUs, TargetRateConstraints c) {
        constraints = c;
        return new NetworkControlUpdate(new TargetTransferRate(nowUs, c.startBitrateBps(), c.startBitrateBps(), 0, 0,
                RateChangeReason.INITIAL), initial, initialProbes);
    }

    @Override
    public NetworkControlUpdate onProcessInterval(long nowUs) {
        processTimesUs.add(nowUs);
        NetworkControlUpdate u = script.pollFirst();
        return u == null ? NetworkControlUpdate.NONE : u;
    }

    @Override
    public NetworkControlUpdate onSentPacket(SentPacket packet) {
        sent.add(packet);
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onTransportPacketsFeedback(TransportPacketsFeedback feedback) {
        feedbacks.add(feedback);
        long target = 400_000 + feedbacks.size();
        ProbeClusterConfig probe = probesOnFeedback.pollFirst();
        return new NetworkControlUpdate(new TargetTransferRate(feedback.feedbackTimeUs(), target, target * 2, 0.25,
                30_000, RateChangeReason.DELAY), null, probe == null ? List.of() : List.of(probe));
    }

    @Override
    public NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs) {
        rtts.add(new long[] {nowUs, rttUs});
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onTransportLossReport(long nowUs, long packetsLost, long packetsExpected) {
        lossReports.add(new long[] {nowUs, packetsLost, packetsExpected});
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps) {
        rembs.add(new long[] {nowUs, bitrateBps});
        return NetworkControlUpdate.NONE;
    }
}
