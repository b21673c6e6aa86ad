package io.sluice.core;

import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.TransportStats;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a {@link StreamPipeline}'s counters.
 *
 * @param elapsed     wall time since {@link StreamPipeline#start()}
 * @param mediaTimeUs highest PTS (µs) read from the source so far
 * @param tracks      one entry per output track
 * @param transports  one entry per transport
 * @param rate        the rate controller's last decision (target, estimate, size, reason); {@code null} without
 *                    a rate controller or before its first decision
 */
public record PipelineStats(Duration elapsed, long mediaTimeUs, List<Track> tracks, List<Transport> transports,
                            RateDecision rate) {

    /**
     * Counters of one output track (an encoder's output, or a passthrough track).
     *
     * @param track              the output track
     * @param framesIn           raw frames given to the encoder (passthrough: packets read)
     * @param framesOut          encoded frames output after the frame transforms (a frame a transform dropped, e.g.
     *                           an SFrame decryptor without the key, is not counted)
     * @param framesDropped      raw frames dropped before encoding because the encoder fell behind (live only)
     * @param encodeLatencyP50Us median time in µs from the source producing a raw frame to the encoder
     *                           emitting its packet, queueing included, over the last 1024 frames
     * @param encodeLatencyP99Us 99th percentile of the same
     * @param bitrateBps         output bitrate (after the transforms) in bit/s over the last ~128 frames of media time
     * @param queueDepth         raw frames waiting for the encoder now
     */
    public record Track(TrackInfo track, long framesIn, long framesOut, long framesDropped,
                        long encodeLatencyP50Us, long encodeLatencyP99Us, long bitrateBps, int queueDepth) {
    }

    /**
     * One transport.
     *
     * @param uri        destination
     * @param stats      the transport's own counters (bytes, frames, drops inside the transport, state)
     * @param queueDepth frames waiting in the pipeline's queue in front of the transport
     * @param queueDrops frames the pipeline dropped in that queue (GOP-aware, see {@link EncodedFrameQueue})
     */
    public record Transport(URI uri, TransportStats stats, int queueDepth, long queueDrops) {
    }
}
