package io.sluice.core.spi;

/**
 * How a transport talks back to its pipeline. Implementations (the pipeline's) are thread-safe and
 * return at once; transports call them from any thread, including Netty event loops.
 */
public interface TransportFeedback {
    /**
     * The transport's state changed.
     *
     * @param cause why, for {@link TransportState#RECONNECTING} and {@link TransportState#FAILED}; else null
     */
    void onStateChanged(TransportState state, Throwable cause);

    /**
     * A receiver needs a keyframe (RTCP PLI/FIR, a new RTMP player, a reconnect).
     *
     * @param trackId video track id
     * @param reason  short text for logs, e.g. {@code "PLI from 192.0.2.1"}
     */
    void onKeyframeRequest(int trackId, String reason);

    /**
     * Whether {@link #onKeyframeRequest} on this track gets a fresh keyframe within a frame or two: {@code true}
     * when the pipeline encodes the track, {@code false} when it copies it from a source whose next keyframe comes
     * when the source has one (a whole GOP away, seconds). Transports use it to decide whether dropping queued
     * video and asking for a keyframe (to start a connection fresh, or to get past a backlog) costs a frame
     * interval or a GOP. Default: {@code false}, the safe assumption.
     *
     * @param trackId video track id
     */
    default boolean keyframesOnRequest(int trackId) {
        return false;
    }

    /** A new bandwidth figure for rate control. */
    void onBandwidthEstimate(BandwidthEstimate estimate);

    /** The transport's {@link Transport#isWritable()} changed; the pipeline waits for {@code true} when not live. */
    void onWritabilityChanged(boolean writable);
}
