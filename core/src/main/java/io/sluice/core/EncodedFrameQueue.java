package io.sluice.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A bounded, thread-safe FIFO of {@link EncodedFrame}s that, when full, drops in a way decoders
 * survive. Used between a pipeline's encoders and each transport, and by transports for their own
 * send and reconnect buffers.
 *
 * <h2>Drop policy (when the queue holds {@code capacity} frames)</h2>
 * <ol>
 *   <li><b>Video before audio.</b> Audio frames are dropped only when no video frame is queued.</li>
 *   <li><b>Whole GOP runs, never a dangling reference.</b> Video is evicted from the head of the queue
 *       as a run: the oldest queued video frame of a track and every following frame of that track up
 *       to (not including) its next queued keyframe. If no later keyframe is queued, all of the track's
 *       queued video goes and the track enters <i>skip-until-keyframe</i>: every further non-keyframe
 *       offered for it is dropped until a keyframe arrives. So a consumer never receives a frame whose
 *       reference frame was dropped.</li>
 *   <li>An incoming video non-keyframe for a track in skip-until-keyframe is dropped at once.</li>
 *   <li>Each time a track enters skip-until-keyframe the {@code keyframeNeeded} callback runs with its
 *       track id, so the encoder can cut the wait short.</li>
 * </ol>
 * With {@link #put} the producer waits for room instead (for sources that are not live).
 *
 * <p>Ownership: {@link #offer}/{@link #put} take ownership of the frame (a dropped frame is released
 * here); {@link #poll} gives ownership to the caller; {@link #clear()} releases what is queued.
 */
public final class EncodedFrameQueue {
    private final int capacity;
    private final IntConsumer keyframeNeeded;
    private final ArrayDeque<EncodedFrame> frames = new ArrayDeque<>();
    private final Map<Integer, Boolean> skipping = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private long queuedBytes;
    private long dropped;
    private long droppedBytes;

    /**
     * @param capacity       maximum queued frames, &ge; 2
     * @param keyframeNeeded called (under no lock of the caller's) with a video track id when that track
     *                       starts skipping until its next keyframe; may be {@code id -> {}}
     */
    public EncodedFrameQueue(int capacity, IntConsumer keyframeNeeded) {
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 2)");
        }
        this.capacity = capacity;
        this.keyframeNeeded = keyframeNeeded;
    }

    /**
     * Adds a frame, dropping per the class's policy when full. Never blocks.
     *
     * @param frame ownership passes to the queue
     * @return {@code false} if {@code frame} itself was dropped
     */
    public boolean offer(EncodedFrame frame) {
        int needKeyframe = -1;
        boolean accepted;
        lock.lock();
        try {
            if (frame.mediaType() == MediaType.VIDEO) {
                int track = frame.trackId();
                if (frame.isKeyframe()) {
                    skipping.remove(track);
                } else if (skipping.containsKey(track)) {
                    dropOne(frame);
                    return false;
                }
            }
            while (frames.size() >= capacity) {
                int entered = evictVideoRun();
                if (entered == Integer.MIN_VALUE) {
                    // No video queued: drop the oldest audio frame.
                    dropOne(frames.pollFirst());
                } else if (entered >= 0) {
                    needKeyframe = entered;
                }
            }
            if (frame.mediaType() == MediaType.VIDEO && !frame.isKeyframe() && skipping.containsKey(frame.trackId())) {
                dropOne(frame); // the eviction above just cut this track's GOP
                accepted = false;
            } else {
                frames.addLast(frame);
                queuedBytes += frame.size();
                notEmpty.signal();
                accepted = true;
            }
        } finally {
            lock.unlock();
        }
        if (needKeyframe >= 0) {
            keyframeNeeded.accept(needKeyframe);
        }
        return accepted;
    }

    /**
     * Adds a frame, waiting while the queue is full (no drops).
     *
     * @param frame ownership passes to the queue (released here if interrupted)
     * @throws InterruptedException if interrupted while waiting
     */
    public void put(EncodedFrame frame) throws InterruptedException {
        lock.lock();
        try {
            while (frames.size() >= capacity) {
                try {
                    notFull.await();
                } catch (InterruptedException e) {
                    frame.release();
                    throw e;
                }
            }
            frames.addLast(frame);
            queuedBytes += frame.size();
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest frame, waiting up to {@code timeout}.
     *
     * @return the frame (ownership passes to the caller) or {@code null} on timeout
     */
    public EncodedFrame poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (frames.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            EncodedFrame f = frames.pollFirst();
            queuedBytes -= f.size();
            notFull.signal();
            return f;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Lets a live consumer start at the present: when the queued media spans at least {@code minSpanUs} (newest
     * minus oldest DTS) and a video keyframe other than the head is queued, drops every frame queued before the
     * newest such keyframe (counted as drops). Decoders survive: what is left starts at a keyframe.
     *
     * @param minSpanUs the backlog worth skipping, µs
     * @return frames dropped (0 if the backlog is shorter or no later keyframe is queued)
     */
    public int skipToNewestKeyframe(long minSpanUs) {
        lock.lock();
        try {
            if (frames.size() < 2 || spanUs() < minSpanUs) {
                return 0;
            }
            int index = -1;
            int i = 0;
            for (EncodedFrame f : frames) {
                if (f.mediaType() == MediaType.VIDEO && f.isKeyframe()) {
                    index = i;
                }
                i++;
            }
            for (int n = 0; n < index; n++) {
                EncodedFrame f = frames.pollFirst();
                queuedBytes -= f.size();
                dropOne(f);
            }
            if (index > 0) {
                notFull.signalAll();
            }
            return Math.max(0, index);
        } finally {
            lock.unlock();
        }
    }

    /** The media queued now: newest minus oldest DTS, µs; 0 with fewer than two frames. */
    public long queuedSpanUs() {
        lock.lock();
        try {
            return spanUs();
        } finally {
            lock.unlock();
        }
    }

    /** Newest minus oldest DTS, µs; 0 with fewer than two frames. Holding the lock. */
    private long spanUs() {
        return frames.size() < 2 ? 0 : frames.peekLast().dtsUs() - frames.peekFirst().dtsUs();
    }

    /** Frames queued now. */
    public int size() {
        lock.lock();
        try {
            return frames.size();
        } finally {
            lock.unlock();
        }
    }

    /** Payload bytes queued now. */
    public long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Frames dropped since creation. */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    /** Payload bytes dropped since creation. */
    public long droppedBytes() {
        lock.lock();
        try {
            return droppedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Releases every queued frame (not counted as drops) and forgets skip states. */
    public void clear() {
        lock.lock();
        try {
            EncodedFrame f;
            while ((f = frames.pollFirst()) != null) {
                f.release();
            }
            queuedBytes = 0;
            skipping.clear();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Evicts the oldest run of video frames of one track (see class doc).
     *
     * @return {@code Integer.MIN_VALUE} if no video is queued; the track id if it entered
     * skip-until-keyframe; -1 otherwise
     */
    private int evictVideoRun() {
        Iterator<EncodedFrame> it = frames.iterator();
        int track = -1;
        boolean first = true;
        while (it.hasNext()) {
            EncodedFrame f = it.next();
            if (f.mediaType() != MediaType.VIDEO) {
                continue;
            }
            if (track < 0) {
                track = f.trackId();
            } else if (f.trackId() != track) {
                continue;
            }
            if (f.isKeyframe() && !first) {
                return -1; // the run ends before the next keyframe, which stays
            }
            first = false;
            it.remove();
            queuedBytes -= f.size();
            dropOne(f);
        }
        if (track < 0) {
            return Integer.MIN_VALUE;
        }
        skipping.put(track, Boolean.TRUE);
        return track;
    }

    private void dropOne(EncodedFrame f) {
        dropped++;
        droppedBytes += f.size();
        f.release();
    }
}
