package io.sluice.webrtc.server;

/**
 * A snapshot of one WHEP or WHIP session's counters and of what the peer's RTCP reported.
 *
 * @param sessionId          the id in the session's {@code Location}
 * @param stream             the hub stream
 * @param endpoint           WHEP (sending) or WHIP (receiving)
 * @param connected          whether ICE and DTLS are up and media may flow
 * @param rtpPacketsSent     RTP packets sent, retransmissions included
 * @param rtpBytesSent       RTP octets sent after SRTP protection
 * @param rtpPacketsReceived RTP packets received and authenticated
 * @param nacksReceived      sequence numbers the peer asked for in generic NACKs (RFC 4585 §6.2.1)
 * @param retransmissions    packets retransmitted (as RTX when negotiated, RFC 4588)
 * @param keyframeRequests   PLI/FIR received (WHEP) or sent (WHIP)
 * @param nacksSent          sequence numbers this side asked for (WHIP)
 * @param srtpDropped        SRTP/SRTCP packets dropped: bad authentication tag, replay, malformed
 * @param rttMicros          round-trip time from the last receiver report, µs, or -1 if unknown
 * @param fractionLost       fraction of packets the peer reported lost, 0..1, from its last RR
 * @param jitterMicros       interarrival jitter the peer reported for video, µs, or -1
 * @param rembBps            the peer's last REMB estimate, bit/s, or -1 (draft-alvestrand-rmcat-remb)
 * @param twccFeedbacks      transport-wide CC feedback packets received (draft-holmer-rmcat-transport-wide-cc-extensions-01)
 * @param twccPacketsAcked   packets those feedbacks reported received
 * @param twccPacketsLost    packets those feedbacks reported not received
 * @param framesPublished    frames passed to the hub (WHIP) or packetized (WHEP)
 */
public record WebRtcSessionStats(String sessionId, String stream, WebRtcEndpoint endpoint, boolean connected,
                                 long rtpPacketsSent, long rtpBytesSent, long rtpPacketsReceived,
                                 long nacksReceived, long retransmissions, long keyframeRequests, long nacksSent,
                                 long srtpDropped, long rttMicros, double fractionLost, long jitterMicros,
                                 long rembBps, long twccFeedbacks, long twccPacketsAcked, long twccPacketsLost,
                                 long framesPublished) {
}
