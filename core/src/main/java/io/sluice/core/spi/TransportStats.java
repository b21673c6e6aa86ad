package io.sluice.core.spi;

/**
 * A snapshot of one transport's counters.
 *
 * <p>Conventions shared by every Sluice stats record ({@code TransportStats}, {@code BandwidthEstimate},
 * the WebRTC session and WHIP stats): durations in µs with a {@code Us} suffix, rates in bit/s with a
 * {@code Bps} suffix; <b>0 means "not measured"</b> (a measured round-trip time is reported as at
 * least 1 µs); RTP packet counts include retransmissions, which are also counted on their own (as W3C
 * webrtc-stats {@code packetsSent} does).
 *
 * @param state         current state
 * @param bytesSent     payload bytes handed to the network or file since open
 * @param framesSent    frames sent since open
 * @param framesDropped frames dropped (back-pressure, disconnection, GOP-aware drops)
 * @param queuedBytes   bytes waiting to be written now
 * @param rttUs         round-trip time in µs, 0 if not measured
 */
public record TransportStats(TransportState state, long bytesSent, long framesSent, long framesDropped,
                             long queuedBytes, long rttUs) {
}
