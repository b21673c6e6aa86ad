package io.sluice.core.hub;

import io.sluice.core.feedback.KeyframeRequestReason;

/**
 * What a {@link StreamHub} publisher hears from its subscribers, given to
 * {@link StreamHub#publish(String, java.util.List, PublisherFeedback)}. Viewer bandwidth estimates are
 * pulled, not pushed: {@link StreamHub.Publication#subscriberEstimates()}.
 *
 * <p>Callbacks run on the requesting subscriber's thread (a Netty event loop, a pipeline sender); when
 * a subscriber asks from inside its own frame callback, that is while the hub holds the stream's lock,
 * so they must not block. Rate limiting is the publisher's: one request per viewer PLI
 * reaches it, so a publisher that feeds an encoder puts a
 * {@link io.sluice.core.feedback.KeyframeRequestThrottle} in front of it.
 */
@FunctionalInterface
public interface PublisherFeedback {
    /** Ignores everything: for publishers that cannot act on feedback (an RTMP publisher has no message for a keyframe request). */
    PublisherFeedback NONE = (trackId, reason) -> { };

    /**
     * A subscriber needs a keyframe on {@code trackId} sooner than the next one.
     *
     * @param trackId one of the publication's {@link io.sluice.core.TrackInfo#trackId() track ids}
     * @param reason  why; never {@code null}
     */
    void onKeyframeRequest(int trackId, KeyframeRequestReason reason);
}
