package io.sluice.abr.sim;

import java.util.ArrayDeque;
import java.util.function.LongConsumer;

/**
 * A drop-tail bottleneck queue in front of a {@link Capacity}. A packet that would push the queue past
 * {@code queueLimitUs} worth of bytes at the current capacity is dropped. Shared by all flows of a simulation.
 */
public final class Bottleneck {
    /** What happened to a packet at the bottleneck. */
    public interface Listener {
        /** The packet left the bottleneck at {@code departUs} after arriving at {@code arriveUs}. */
        void delivered(long arriveUs, long departUs);

        /** The packet was dropped (queue full). */
        void dropped(long arriveUs);
    }

    private record Queued(int sizeBytes, long arriveUs, Listener listener) {
    }

    private static final int MIN_LIMIT_BYTES = 3_000;

    private final EventLoop loop;
    private final Capacity capacity;
    private final long queueLimitUs;
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean busy;
    private long deliveredBits;

    public Bottleneck(EventLoop loop, Capacity capacity, long queueLimitUs) {
        this.loop = loop;
        this.capacity = capacity;
        this.queueLimitUs = queueLimitUs;
    }

    public Capacity capacity() {
        return capacity;
    }

    /** Total bits delivered so far. */
    public long deliveredBits() {
        return deliveredBits;
    }

    /** A packet arrives now. */
    public void enqueue(int sizeBytes, Listener listener) {
        long now = loop.nowUs();
        long limit = Math.max(MIN_LIMIT_BYTES, (long) (capacity.rateBpsAt(now) / 8 * queueLimitUs / 1e6));
        if (queuedBytes + sizeBytes > limit) {
            listener.dropped(now);
            return;
        }
        queue.addLast(new Queued(sizeBytes, now, listener));
        queuedBytes += sizeBytes;
        if (!busy) {
            startService();
        }
    }

    private void startService() {
        Queued head = queue.peekFirst();
        if (head == null) {
            busy = false;
            return;
        }
        busy = true;
        long depart = capacity.serve(loop.nowUs(), head.sizeBytes());
        LongConsumer done = t -> {
            queue.pollFirst();
            queuedBytes -= head.sizeBytes();
            deliveredBits += head.sizeBytes() * 8L;
            head.listener().delivered(head.arriveUs(), t);
            startService();
        };
        loop.schedule(depart, () -> done.accept(depart));
    }
}
