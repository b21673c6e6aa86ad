package io.sluice.webrtc.whip.client;

import io.sluice.webrtc.ice.CandidatePair;

/**
 * WebRTC counters of one {@link WhipTransport} beyond {@link io.sluice.core.spi.TransportStats}.
 *
 * @param selectedPair       the ICE pair media flows on, or null before ICE connects
 * @param srtpProfile        the negotiated SRTP profile name, or null before DTLS completes
 * @param rtpPacketsSent     RTP packets sent (retransmissions excluded)
 * @param retransmissions    packets resent for NACKs (RTX or plain)
 * @param nacksReceived      RTCP generic NACK packets received
 * @param keyframeRequests   PLI and FIR received
 * @param lossFraction       fraction lost from the latest receiver report, 0..1
 * @param rttUs              round-trip time from the latest receiver report, µs (0 if unknown)
 * @param rtcpDropped        incoming SRTCP packets dropped (authentication, replay, malformed)
 */
public record WhipStats(CandidatePair selectedPair, String srtpProfile, long rtpPacketsSent, long retransmissions,
                        long nacksReceived, long keyframeRequests, double lossFraction, long rttUs,
                        long rtcpDropped) {
}
