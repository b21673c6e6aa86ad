package io.sluice.abr.sim;

import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TargetTransferRate;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.core.spi.RateChangeReason;
import java.util.List;

/**
 * A sender that ignores all feedback and sends a fixed rate (paced at 1.1 ×): the yardstick for what a constant-rate
 * sender can get from a trace within a loss and delay bound.
 */
public final class FixedRateController implements NetworkController {
    private final long rateBps;

    /** @param rateBps the target, bit/s */
    public FixedRateController(long rateBps) {
        this.rateBps = rateBps;
    }

    @Override
    public NetworkControlUpdate onTargetRateConstraints(long nowUs, TargetRateConstraints constraints) {
        return new NetworkControlUpdate(new TargetTransferRate(nowUs, rateBps, rateBps, 0, 0, RateChangeReason.INITIAL),
                new PacerConfig((long) (1.1 * rateBps), 0), List.of());
    }

    @Override
    public NetworkControlUpdate onProcessInterval(long nowUs) {
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onSentPacket(SentPacket packet) {
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onTransportPacketsFeedback(TransportPacketsFeedback feedback) {
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs) {
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onTransportLossReport(long nowUs, long packetsLost, long packetsExpected) {
        return NetworkControlUpdate.NONE;
    }

    @Override
    public NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps) {
        return NetworkControlUpdate.NONE;
    }
}
