package io.sluice.webrtc.server;

/**
 * A snapshot of one WHEP or WHIP session's counters and of what the peer's RTCP reported. Units and
 * "not measured" follow {@link io.sluice.core.spi.TransportStats}: µs with a {@code Us} suffix, 0 when
 * not measured.
 *
 * @param sessionId          the id in the session's {@code Location}
 * @param stream             the hub stream
 * @param endpoint           WHEP (sending) or WHIP (receiving)
 * @param connected          whether ICE and DTLS are up and media may flow
 * @param rtpPacketsSent     RTP packets sent, retransmissions included (they are also in {@code retransmissions})
 * @param rtpBytesSent       RTP octets sent after SRTP protection
 * @param rtpPacketsReceived RTP packets received and authenticated
 * @param nacksReceived      sequence numbers the peer asked for in generic NACKs (RFC 4585 §6.2.1)
 * @param retransmissions    packets retransmitted (as RTX when negotiated, RFC 4588)
 * @param keyframeRequests   PLI/FIR received (WHEP) or sent (WHIP)
 * @param nacksSent          sequence numbers this side asked for (WHIP)
 * @param srtpDropped        SRTP/SRTCP packets dropped: bad authentication tag, replay, malformed
 * @param rttUs              round-trip time from the last receiver report, µs, 0 if not measured
 * @param fractionLost       WHEP: fraction of video packets the peer reported lost in its last RR;
 *                           WHIP: fraction of video packets lost in this side's last reported interval; 0..1
 * @param jitterUs           interarrival jitter of that video stream, µs, 0 if not measured
 * @param rembBps            the peer's last REMB estimate, bit/s, 0 if none (draft-alvestrand-rmcat-remb)
 * @param twccFeedbacks      transport-wide CC feedback packets received (draft-holmer-rmcat-transport-wide-cc-extensions-01)
 * @param twccPacketsAcked   packets those feedbacks reported received
 * @param twccPacketsLost    packets those feedbacks reported not received
 * @param framesPublished    frames passed to the hub (WHIP) or packetized (WHEP)
 * @param twccFeedbacksSent  transport-wide CC feedback packets sent to the publisher (WHIP with transport-cc negotiated)
 * @param targetBitrateBps   WHEP with {@link WebRtcServer.Builder#viewerCongestionControl}: the viewer's congestion
 *                           controller's target (its estimate of the path), bit/s; 0 without one
 * @param pacingRateBps      the rate the viewer's pacer sends at, bit/s; 0 when unpaced
 * @param pacerQueueDelayUs  how long the oldest packet the pacer holds has waited, µs
 * @param framesDropped      WHEP: video frames not sent because the pacer held too much (the path carries less than
 *                           the stream), up to the next keyframe each time
 * @param rung               WHEP: the hub stream whose video is being played (the stream itself, or a rung of its
 *                           rendition ladder or simulcast); WHIP: the stream
 * @param rungSwitches       WHEP: how often the played rung changed
 */
public record WebRtcSessionStats(String sessionId, String stream, WebRtcEndpoint endpoint, boolean connected,
                                 long rtpPacketsSent, long rtpBytesSent, long rtpPacketsReceived,
                                 long nacksReceived, long retransmissions, long keyframeRequests, long nacksSent,
                                 long srtpDropped, long rttUs, double fractionLost, long jitterUs,
                                 long rembBps, long twccFeedbacks, long twccPacketsAcked, long twccPacketsLost,
                                 long framesPublished, long twccFeedbacksSent, long targetBitrateBps,
                                 long pacingRateBps, long pacerQueueDelayUs, long framesDropped, String rung,
                                 long rungSwitches) {
}
