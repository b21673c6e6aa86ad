package io.sluice.core.hub;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.List;

/**
 * Receives one stream from a {@link StreamHub}. Callbacks run on the publisher's thread while the
 * hub holds the stream's lock, so they must return quickly and must not block: hand the frame to a
 * Netty channel or a bounded queue and drop there (GOP-aware) if the consumer is slow.
 */
public interface StreamSubscriber {
    /**
     * The stream is live: sent once at subscribe time if it already is, and each time a publisher
     * starts. Frames follow, starting at a keyframe (the GOP cache, then live frames).
     */
    void onPublish(String streamName, List<TrackInfo> tracks);

    /** One frame; ownership passes to the subscriber, which must release it. */
    void onFrame(EncodedFrame frame);

    /** The publisher left. The subscription stays open and resumes if a publisher comes back. */
    void onUnpublish(String streamName);

    /** The hub closed the subscription (hub shutdown, or {@link StreamHub.Subscription#close()}). */
    default void onClosed(String streamName) {
    }
}
