package io.sluice.webrtc.whip.client;

import io.sluice.webrtc.ice.CandidatePair;

/**
 * WebRTC counters of one {@link WhipTransport} beyond {@link io.sluice.core.spi.TransportStats}, with its
 * conventions (µs with a {@code Us} suffix, 0 when not measured, retransmissions inside packet counts).
 *
 * @param selectedPair       the ICE pair media flows on, or null before ICE connects
 * @param srtpProfile        the negotiated SRTP profile name, or null before DTLS completes
 * @param rtpPacketsSent     RTP packets sent, retransmissions included (as on the server and in W3C webrtc-stats)
 * @param retransmissions    of those, packets resent for NACKs (RTX or plain)
 * @param nacksReceived      sequence numbers the server asked for in generic NACKs about our SSRCs (RFC 4585 §6.2.1)
 * @param keyframeRequests   PLI and FIR about our video received (before throttling)
 * @param lossFraction       fraction lost from the latest receiver report about our video (else audio), 0..1
 * @param rttUs              round-trip time from the latest receiver report, µs (0 if unknown)
 * @param rtcpDropped        incoming SRTCP packets dropped (authentication, replay, malformed)
 * @param paddingPacketsSent of {@code rtpPacketsSent}, the pacer's padding (probes, padding rate); 0 without a controller
 * @param pacerQueuedBytes   RTP octets waiting in the pacer queue
 * @param pacerQueueDelayUs  how long the packet that has waited longest in the pacer queue has waited, µs
 * @param targetBitrateBps   the network controller's latest target, bit/s (0 without a controller)
 */
public record WhipStats(CandidatePair selectedPair, String srtpProfile, long rtpPacketsSent, long retransmissions,
                        long nacksReceived, long keyframeRequests, double lossFraction, long rttUs,
                        long rtcpDropped, long paddingPacketsSent, long pacerQueuedBytes, long pacerQueueDelayUs,
                        long targetBitrateBps) {
}
