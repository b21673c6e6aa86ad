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

    /**
     * One frame, lent: what the hub calls. The frame (and its payload) stays the hub's and is valid
     * only during this call: the subscriber neither releases it nor keeps it, and takes its own
     * reference ({@link EncodedFrame#retainedDuplicate()}) if it needs the frame later. The default
     * does exactly that and hands the duplicate to {@link #onFrame}, which then owns and releases
     * it; a subscriber that transforms every frame at once (e.g. serializes it into bytes shared by
     * many connections) overrides this and saves the per-subscriber duplicate.
     *
     * @param frame borrowed: released by the hub, not by the subscriber
     */
    default void onFrameBorrowed(EncodedFrame frame) {
        onFrame(frame.retainedDuplicate());
    }

    /** The publisher left. The subscription stays open and resumes if a publisher comes back. */
    void onUnpublish(String streamName);

    /** The hub closed the subscription (hub shutdown, or {@link StreamHub.Subscription#close()}). */
    default void onClosed(String streamName) {
    }
}
