package io.sluice.webrtc.session;

/**
 * A snapshot of one {@link RtpSession}'s counters. Conventions (the same in every Sluice stats record,
 * see {@link io.sluice.core.spi.TransportStats}): durations in µs with a {@code Us} suffix, rates in
 * bit/s with a {@code Bps} suffix; 0 means "not measured" (a measured RTT is at least 1 µs); packet
 * counts include retransmissions, which are also counted on their own (as W3C webrtc-stats
 * {@code packetsSent} does).
 *
 * @param rtpPacketsSent   RTP packets handed to the driver, retransmissions included
 * @param retransmissions  of those, packets resent for NACKs (RTX when negotiated, RFC 4588)
 * @param nacksReceived    sequence numbers the peer asked for in generic NACKs about our SSRCs (RFC 4585 §6.2.1)
 * @param keyframeRequests PLI/FIR received about our video (sending session), or PLI sent (receiving session)
 * @param nacksSent        sequence numbers this session asked for (receiving session)
 * @param rttUs            round-trip time from the peer's last report block about our SSRCs, µs, 0 if not measured
 * @param fractionLost     sending: the fraction lost the peer last reported for our video (else audio);
 *                         receiving: the fraction of video lost in our last reported interval; 0..1
 * @param jitterUs         interarrival jitter of the same stream, µs, 0 if not measured
 * @param rembBps          the peer's last REMB, bit/s, 0 if none (draft-alvestrand-rmcat-remb)
 * @param twccFeedbacks    transport-wide CC feedback packets received
 * @param twccPacketsAcked packets those feedbacks reported received
 * @param twccPacketsLost  packets those feedbacks reported not received
 * @param twccFeedbacksSent transport-wide CC feedback packets this session sent about what it received
 * @param paddingPacketsSent of {@code rtpPacketsSent}, padding sent by the pacer (RTX of recent packets, RFC 4588,
 *                         or padding-only packets, RFC 3550 §5.1) to fill probe clusters or the padding rate
 * @param pacerQueuedBytes RTP octets waiting in the pacer queue at the last send or timeout
 * @param pacerQueueDelayUs how long the packet that had waited longest in the pacer queue had waited then, µs
 * @param targetBitrateBps the network controller's latest target transfer rate, bit/s, 0 without a controller
 * @param retransmissionsSkipped NACKed packets in the history not retransmitted, or whose queued retransmission
 *                         was dropped: too old, before a keyframe sent, resent within an RTT, or over the
 *                         retransmission rate limit (see {@link RtpSession})
 */
public record RtpSessionStats(long rtpPacketsSent, long retransmissions, long nacksReceived, long keyframeRequests,
                              long nacksSent, long rttUs, double fractionLost, long jitterUs, long rembBps,
                              long twccFeedbacks, long twccPacketsAcked, long twccPacketsLost, long twccFeedbacksSent,
                              long paddingPacketsSent,
                              long pacerQueuedBytes, long pacerQueueDelayUs, long targetBitrateBps,
                              long retransmissionsSkipped) {
    /** All zero: a session that has not started. */
    public static final RtpSessionStats EMPTY = new RtpSessionStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
