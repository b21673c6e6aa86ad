package io.sluice.core.spi;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;

/**
 * Rewrites encoded frames between encoder and transports (end-to-end encryption, metadata).
 * Called on the thread of the track's encoder; one instance may see several tracks.
 */
public interface FrameTransform extends AutoCloseable {
    /** The track that transports see after this transform; called once per track before its first frame. */
    default TrackInfo transformTrack(TrackInfo track) {
        return track;
    }

    /**
     * Whether the track this transform outputs for {@code track} is known only from its first output frame
     * ({@link EncodedFrame#track()}), not from {@link #transformTrack}: for example an SFrame decryptor of
     * an {@linkplain TrackInfo#isOpaque() opaque} H.264 track, whose SPS/PPS (resolution,
     * {@code AVCDecoderConfigurationRecord}) are inside the ciphertext. {@link io.sluice.core.StreamPipeline}
     * then opens each transport carrying that track only once the track's first frame has passed every
     * transform, with that frame's track, and holds the transport's other frames until then. Default
     * {@code false}.
     *
     * @param track the track as this transform receives it (after earlier transforms)
     */
    default boolean resolvesTrackFromFrames(TrackInfo track) {
        return false;
    }

    /**
     * @param frame ownership passes to the transform (it releases or returns it)
     * @return the transformed frame (ownership passes to the caller), or {@code null} to drop it
     */
    EncodedFrame apply(EncodedFrame frame);

    @Override
    default void close() {
    }
}
