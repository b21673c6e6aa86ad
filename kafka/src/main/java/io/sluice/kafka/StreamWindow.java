package io.sluice.kafka;

import java.util.Objects;

/**
 * One stream's aggregate over the sliding window ending now.
 *
 * @param stream          the stream name
 * @param windowNanos     the configured window (e.g. 10 s), ns
 * @param spanNanos       the time the samples in the window actually cover (shorter while a stream is
 *                        new), ns
 * @param live            whether a publisher was live at the last sample
 * @param ingestBitrateBps the publisher's payload rate over the span, bit/s (0 with fewer than two samples)
 * @param viewersNow      viewers at the last sample
 * @param viewersMax      most viewers at any sample in the window
 * @param viewersAvg      mean viewers over the samples in the window
 * @param freezes         freezes reported for the stream within the window
 * @param p95LatencyUs    95th percentile of the latencies reported within the window, µs; -1 if none
 *                        was reported (unknown)
 * @param latencySamples  how many latencies were reported within the window
 */
public record StreamWindow(String stream, long windowNanos, long spanNanos, boolean live, long ingestBitrateBps,
                           int viewersNow, int viewersMax, double viewersAvg, int freezes, long p95LatencyUs,
                           int latencySamples) {
    public StreamWindow {
        Objects.requireNonNull(stream, "stream");
    }
}
