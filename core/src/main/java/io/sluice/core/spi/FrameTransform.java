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
     * @param frame ownership passes to the transform (it releases or returns it)
     * @return the transformed frame (ownership passes to the caller), or {@code null} to drop it
     */
    EncodedFrame apply(EncodedFrame frame);

    @Override
    default void close() {
    }
}
