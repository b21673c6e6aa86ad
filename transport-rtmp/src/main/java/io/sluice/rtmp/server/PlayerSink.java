package io.sluice.rtmp.server;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.MediaType;
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
 *
 * <p><b>Shared bytes.</b> With a {@link SharedStream}, each frame is replaced on arrival by its
 * shared chunks ({@link SharedStream#serialize}): the queue then holds frames whose payload is the
 * {@link io.sluice.rtmp.chunk.PrechunkedMessage} bytes and whose DTS is the shared RTMP timestamp,
 * and its GOP-aware drops drop whole shared messages. A frame RTMP cannot carry is dropped here
 * (counted), and so is every later video frame up to the next keyframe, which may reference it.
 */
final class PlayerSink implements StreamSubscriber {
    /** What the player's EventLoop takes out in one step. */
    record Poll(EncodedFrame frame, int generation, List<TrackInfo> tracks, boolean live, boolean closed) {
    }

    private final EncodedFrameQueue queue;
    private final Runnable wakeup;
    private final SharedStream shared;
    private boolean videoSkipping;
    private long unsendable;
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
        this(capacity, wakeup, null);
    }

    /**
     * @param capacity frames queued before drops, &ge; 2
     * @param wakeup   run after every callback, from the publisher's thread
     * @param shared   the stream's shared serialization, or {@code null} to queue the hub's frames as they are
     */
    PlayerSink(int capacity, Runnable wakeup, SharedStream shared) {
        this.queue = new EncodedFrameQueue(capacity, track -> { });
        this.wakeup = wakeup;
        this.shared = shared;
    }

    /** Whether queued frames carry shared chunks ({@link SharedStream#serialize}) rather than the hub's payloads. */
    boolean isShared() {
        return shared != null;
    }

    @Override
    public void onPublish(String streamName, List<TrackInfo> tracks) {
        if (shared != null) {
            shared.onPublish(tracks);
        }
        synchronized (this) {
            videoSkipping = false;
            queue.clear();
            generation++;
            this.tracks = tracks;
            live = true;
        }
        wakeup.run();
    }

    /** @param frame owned by this sink from here on (released by it, or by the player once sent) */
    @Override
    public void onFrame(EncodedFrame frame) {
        if (shared != null) {
            try {
                onFrameBorrowed(frame);
            } finally {
                frame.release();
            }
            return;
        }
        synchronized (this) {
            if (released) {
                frame.release();
                return;
            }
            queue.offer(frame);
        }
        wakeup.run();
    }

    /**
     * With a {@link SharedStream}: queues the frame's shared chunks (a duplicate of them, which the
     * queue owns), without taking a duplicate of the hub's frame first; a frame RTMP cannot carry
     * is dropped (counted), and so is every later video frame up to the next keyframe.
     *
     * @param frame borrowed: the hub releases it
     */
    @Override
    public void onFrameBorrowed(EncodedFrame frame) {
        if (shared == null) {
            onFrame(frame.retainedDuplicate());
            return;
        }
        boolean video = frame.mediaType() == MediaType.VIDEO;
        boolean keyframe = frame.isKeyframe();
        EncodedFrame wire = shared.serialize(frame); // the memo makes this cheap for all but the first player
        synchronized (this) {
            if (released) {
                if (wire != null) {
                    wire.release();
                }
                return;
            }
            if (wire == null) {
                unsendable++;
                videoSkipping |= video; // a later frame may reference this one
                return;
            }
            if (video) {
                if (keyframe) {
                    videoSkipping = false;
                } else if (videoSkipping) {
                    unsendable++;
                    wire.release();
                    return;
                }
            }
            queue.offer(wire);
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

    /** Frames dropped so far: by the queue's GOP-aware policy, and (shared) frames RTMP cannot carry. */
    long dropped() {
        long n;
        synchronized (this) {
            n = unsendable;
        }
        return queue.dropped() + n;
    }

    /** Releases queued frames; frames arriving later are released at once. Idempotent. */
    synchronized void release() {
        released = true;
        queue.clear();
    }
}
