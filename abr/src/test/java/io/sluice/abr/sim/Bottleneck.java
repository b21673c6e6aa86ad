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
    private long burstBytes;
    private double tokens;
    private long tokensAtUs = Long.MIN_VALUE;
    /** The line rate a packet leaves at while the token bucket holds enough, bit/s. */
    private static final long LINE_BPS = 1_000_000_000L;

    public Bottleneck(EventLoop loop, Capacity capacity, long queueLimitUs) {
        this.loop = loop;
        this.capacity = capacity;
        this.queueLimitUs = queueLimitUs;
    }

    /**
     * Serves as a token bucket of {@code bytes} (Linux {@code tbf}'s {@code burst}) instead of a constant-rate
     * server: tokens accrue at the capacity up to the bucket, and a packet that finds enough leaves at line rate
     * (1 Gbit/s). The bottleneck bench's tbf has a 5,000-octet bucket; a probe cluster smaller than that crosses it at
     * its own rate, whatever the capacity.
     */
    public Bottleneck burst(long bytes) {
        burstBytes = bytes;
        return this;
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
        long depart = burstBytes > 0 ? bucketDepart(head.sizeBytes()) : capacity.serve(loop.nowUs(), head.sizeBytes());
        LongConsumer done = t -> {
            queue.pollFirst();
            queuedBytes -= head.sizeBytes();
            deliveredBits += head.sizeBytes() * 8L;
            head.listener().delivered(head.arriveUs(), t);
            startService();
        };
        loop.schedule(depart, () -> done.accept(depart));
    }

    private long bucketDepart(int sizeBytes) {
        long now = loop.nowUs();
        double rateBytesPerUs = capacity.rateBpsAt(now) / 8e6;
        tokens = tokensAtUs == Long.MIN_VALUE ? burstBytes
                : Math.min(burstBytes, tokens + rateBytesPerUs * (now - tokensAtUs));
        tokensAtUs = now;
        long wire = Math.max(1, sizeBytes * 8_000_000L / LINE_BPS);
        if (tokens >= sizeBytes) {
            tokens -= sizeBytes;
            return now + wire;
        }
        long waitUs = (long) Math.ceil((sizeBytes - tokens) / Math.max(1e-9, rateBytesPerUs));
        tokens = 0;
        tokensAtUs = now + waitUs;
        return now + waitUs + wire;
    }
}
