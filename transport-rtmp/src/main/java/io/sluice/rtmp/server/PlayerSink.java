package io.sluice.rtmp.server;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamSubscriber;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hand-off between a {@link io.sluice.core.hub.StreamHub} stream (callbacks on the publisher's
 * thread) and one RTMP player (drained on the player's EventLoop): a GOP-aware bounded
 * {@link EncodedFrameQueue} plus the publication state, read together under one monitor so the
 * player sees every publication change exactly where it happened in the frame sequence.
 *
 * <p>A publication change ({@link #onPublish}) empties the queue: frames of the previous publisher
 * that were not sent yet are stale. Each callback runs {@code wakeup}, which must be cheap and
 * thread-safe (it schedules a drain on the player's EventLoop).
 */
final class PlayerSink implements StreamSubscriber {
    /** What the player's EventLoop takes out in one step. */
    record Poll(EncodedFrame frame, int generation, List<TrackInfo> tracks, boolean live, boolean closed) {
    }

    private final EncodedFrameQueue queue;
    private final Runnable wakeup;
    private int generation;
    private List<TrackInfo> tracks = List.of();
    private boolean live;
    private boolean closed;
    private boolean released;

    /**
     * @param capacity frames queued before drops, &ge; 2
     * @param wakeup   run after every callback, from the publisher's thread
     */
    PlayerSink(int capacity, Runnable wakeup) {
        this.queue = new EncodedFrameQueue(capacity, track -> { });
        this.wakeup = wakeup;
    }

    @Override
    public void onPublish(String streamName, List<TrackInfo> tracks) {
        synchronized (this) {
            queue.clear();
            generation++;
            this.tracks = tracks;
            live = true;
        }
        wakeup.run();
    }

    @Override
    public void onFrame(EncodedFrame frame) {
        synchronized (this) {
            if (released) {
                frame.release();
                return;
            }
            queue.offer(frame);
        }
        wakeup.run();
    }

    @Override
    public void onUnpublish(String streamName) {
        synchronized (this) {
            live = false;
        }
        wakeup.run();
    }

    @Override
    public void onClosed(String streamName) {
        synchronized (this) {
            closed = true;
        }
        wakeup.run();
    }

    /** The next frame (owned by the caller; may be {@code null}) with the state it belongs to. */
    synchronized Poll poll() {
        EncodedFrame f = null;
        if (!released) {
            try {
                f = queue.poll(0, TimeUnit.NANOSECONDS); // never waits with a zero timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Poll(f, generation, tracks, live, closed);
    }

    /** The generation (publication count) now. */
    synchronized int generation() {
        return generation;
    }

    /** Frames dropped by the queue's GOP-aware policy so far. */
    long dropped() {
        return queue.dropped();
    }

    /** Releases queued frames; frames arriving later are released at once. Idempotent. */
    synchronized void release() {
        released = true;
        queue.clear();
    }
}
