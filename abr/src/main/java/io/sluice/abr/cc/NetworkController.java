package io.sluice.abr.cc;

/**
 * A congestion controller for one RTP session (all its SSRCs share one transport-wide sequence space), shaped
 * after libwebrtc's {@code NetworkControllerInterface}. Sans-IO: every input carries the time; every output is
 * the returned {@link NetworkControlUpdate}. Not thread-safe: confined to the session's thread.
 *
 * <p>Call order: {@link #onTargetRateConstraints} once first (its update holds the start target, the
 * pacing rate and the initial probe clusters), then any of the others as events happen, and
 * {@link #onProcessInterval} every {@link #PROCESS_INTERVAL_US} µs.
 */
public interface NetworkController {
    /** How often {@link #onProcessInterval} is due, µs (libwebrtc: 25 ms). */
    long PROCESS_INTERVAL_US = 25_000;

    /**
     * The application's bounds; the first call starts the controller.
     *
     * @param nowUs current time, µs
     */
    NetworkControlUpdate onTargetRateConstraints(long nowUs, TargetRateConstraints constraints);

    /** Periodic work: ALR and probe timers, loss-based decay. @param nowUs current time, µs */
    NetworkControlUpdate onProcessInterval(long nowUs);

    /** A packet with a transport-wide sequence number left the pacer. */
    NetworkControlUpdate onSentPacket(SentPacket packet);

    /** Transport-wide feedback arrived, matched to what was sent. */
    NetworkControlUpdate onTransportPacketsFeedback(TransportPacketsFeedback feedback);

    /**
     * A round-trip time measured from RTCP (RFC 3550 §6.4.1 LSR/DLSR) or feedback.
     *
     * @param nowUs current time, µs
     * @param rttUs the round-trip time, µs
     */
    NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs);

    /**
     * Loss from RTCP receiver reports (RFC 3550 §6.4.1), cumulative over the report's interval.
     *
     * @param nowUs           current time, µs
     * @param packetsLost     packets lost since the previous report
     * @param packetsExpected packets expected since the previous report
     */
    NetworkControlUpdate onTransportLossReport(long nowUs, long packetsLost, long packetsExpected);

    /**
     * The receiver's REMB (draft-alvestrand-rmcat-remb-03), an upper bound.
     *
     * @param nowUs      current time, µs
     * @param bitrateBps the receiver's estimate, bit/s
     */
    NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps);

    /**
     * The sender dropped a media frame in front of the pacer (the pacer already held too much; with a copied track,
     * video then stays dropped until the source's next keyframe). While it does, the sender sends less than it has
     * because of the network, not because it has nothing to send: a controller must not take that for
     * application-limited (and cap its estimate to the little that still goes, which deepens the drop). Called per
     * dropped frame. Default: ignored.
     *
     * @param nowUs current time, µs
     */
    default NetworkControlUpdate onMediaDropped(long nowUs) {
        return NetworkControlUpdate.NONE;
    }

    /**
     * The sender could send up to {@code bitrateBps} (its next rung or simulcast layer) and asks whether the path
     * carries it: the controller sends a probe cluster at that rate (padding or RTX) unless another probe is
     * pending, and an estimate the probe raises is kept long enough for the sender to start sending that much
     * (a controller that caps an application-limited sender's estimate near its send rate holds that cap off).
     * libwebrtc's counterpart is {@code ProbeController::OnMaxTotalAllocatedBitrate}, which probes when a simulcast
     * sender's allocation grows. Default: ignored.
     *
     * @param nowUs      current time, µs
     * @param bitrateBps the rate to probe, bit/s
     */
    default NetworkControlUpdate onProbeRequest(long nowUs, long bitrateBps) {
        return NetworkControlUpdate.NONE;
    }

    /**
     * The sender pads the path up to {@code bitrateBps} (media counts towards it) to learn whether it carries that
     * much before sending it as media (a relay's trial before it moves a viewer to a higher rung); 0 ends it. Up to
     * that rate the sender is not application-limited: a controller that caps an application-limited sender's
     * estimate near its acknowledged rate caps it no lower than this rate meanwhile, so that only congestion (delay,
     * loss) ends the trial, not what the path was asked to carry before it. Default: ignored.
     *
     * @param nowUs      current time, µs
     * @param bitrateBps the padding floor, bit/s, &ge; 0 (0: none)
     */
    default NetworkControlUpdate onPaddingFloor(long nowUs, long bitrateBps) {
        return NetworkControlUpdate.NONE;
    }

    /**
     * The most the sender's streams could send together, bit/s (libwebrtc's {@code max_total_allocated_bitrate}: a
     * relay's top rung plus its audio); 0 when unknown. A controller need not probe far above it: libwebrtc's
     * {@code ProbeController} probes at most 2 × it. Default: ignored.
     *
     * @param nowUs      current time, µs
     * @param bitrateBps the allocation, bit/s, &ge; 0 (0: unknown)
     */
    default NetworkControlUpdate onMaxTotalAllocatedBitrate(long nowUs, long bitrateBps) {
        return NetworkControlUpdate.NONE;
    }
}
