package io.sluice.core.spi;

/**
 * A snapshot of one transport's counters.
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
