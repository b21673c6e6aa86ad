package io.sluice.core.hub;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TrackInfo;
import io.sluice.core.feedback.KeyframeRequestReason;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@link StreamHub#source}: a hub stream as a pipeline source (encoded frames only). */
final class HubSource implements MediaSource, StreamSubscriber {
    private final StreamHub hub;
    private final String name;
    private final Duration waitForPublisher;
    private final EncodedFrameQueue queue;
    private final CountDownLatch published = new CountDownLatch(1);
    private volatile List<TrackInfo> tracks;
    private volatile boolean ended;
    private volatile boolean aborted;
    private StreamHub.Subscription subscription;

    HubSource(StreamHub hub, String name, Duration waitForPublisher, int queueFrames) {
        this.hub = hub;
        this.name = name;
        this.waitForPublisher = waitForPublisher;
        this.queue = new EncodedFrameQueue(queueFrames, id -> {
            StreamHub.Subscription s = subscription;
            if (s != null) {
                s.requestKeyframe(id, KeyframeRequestReason.FRAMES_DROPPED);
            }
        });
    }

    @Override
    public String name() {
        return "hub:" + name;
    }

    /**
     * Subscribes and waits for the publisher.
     *
     * @throws MediaSourceException if no publisher appears within the wait, or the hub refuses
     */
    @Override
    public List<TrackInfo> open() {
        subscription = hub.subscribe(name, this);
        try {
            if (!published.await(waitForPublisher.toMillis(), TimeUnit.MILLISECONDS) || aborted) {
                throw new MediaSourceException(name(), "no publisher within " + waitForPublisher.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MediaSourceException(name(), "interrupted while waiting for a publisher");
        }
        return tracks;
    }

    /** @throws MediaSourceException if a track is asked for as {@link Delivery#DECODED} */
    @Override
    public void select(Map<Integer, Delivery> delivery) {
        if (delivery.containsValue(Delivery.DECODED)) {
            throw new MediaSourceException(name(), "hub streams carry encoded frames only: build the pipeline with copy(true)");
        }
    }

    @Override
    public boolean isLive() {
        return true;
    }

    @Override
    public MediaFrame read() throws InterruptedException {
        while (!aborted) {
            EncodedFrame f = queue.poll(20, TimeUnit.MILLISECONDS);
            if (f != null) {
                return f;
            }
            if (ended) {
                return queue.poll(0, TimeUnit.MILLISECONDS);
            }
        }
        return null;
    }

    @Override
    public void abort() {
        aborted = true;
        published.countDown();
    }

    @Override
    public void close() {
        StreamHub.Subscription s = subscription;
        if (s != null) {
            s.close();
        }
        queue.clear();
    }

    @Override
    public void onPublish(String streamName, List<TrackInfo> publishedTracks) {
        if (tracks == null) {
            tracks = publishedTracks;
            published.countDown();
        }
    }

    @Override
    public void onFrame(EncodedFrame frame) {
        if (ended || aborted) {
            frame.release();
            return;
        }
        queue.offer(frame);
    }

    @Override
    public void onUnpublish(String streamName) {
        ended = true;
    }

    @Override
    public void onClosed(String streamName) {
        ended = true;
    }
}
