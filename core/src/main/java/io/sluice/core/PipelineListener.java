package io.sluice.core;

import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.TransportState;
import java.net.URI;
import java.util.List;

/**
 * Receives a {@link StreamPipeline}'s events. Called from pipeline threads (source, encoder,
 * sender, transport event loops): implementations must be thread-safe and must not block.
 * Every method has an empty default.
 */
public interface PipelineListener {
    /** The source is open and every transport accepted its tracks; frames start flowing. */
    default void onStarted(List<TrackInfo> inputTracks, List<TrackInfo> outputTracks) {
    }

    /** A transport changed state; {@code cause} is set for RECONNECTING and FAILED. */
    default void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
    }

    /** A transport asked for a keyframe (it is forwarded to the encoder, rate-limited). */
    default void onKeyframeRequested(URI transport, int trackId, String reason) {
    }

    /** A transport reported a bandwidth estimate. */
    default void onBandwidthEstimate(URI transport, BandwidthEstimate estimate) {
    }

    /**
     * The rate controller changed the video encoder's target bitrate or picture size ({@link RateDecision#reason()}
     * says why: queue, delay, loss, probe, increase).
     */
    default void onRateChanged(RateDecision decision) {
    }

    /**
     * Frames were dropped because a stage fell behind.
     *
     * @param where {@code "encoder"} (raw frame dropped before encoding) or the transport URI
     */
    default void onFramesDropped(int trackId, String where, long count) {
    }

    /** The whole input was sent (all transports drained and closed). */
    default void onEndOfStream() {
    }

    /** The pipeline failed; it stops. A single transport's failure is reported through {@link #onTransportStateChanged} instead, unless it was the last one. */
    default void onError(SluiceException error) {
    }

    /** {@link StreamPipeline#close()} finished freeing everything. */
    default void onClosed() {
    }
}
