package io.sluice.rtmp.chunk;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte budget that several {@link ChunkDecoder}s (e.g. every connection of one server) draw on
 * for the messages they are reassembling, so that the total a set of peers can make a process
 * hold is bounded and not just each peer's share. Thread-safe.
 *
 * <p>A decoder reserves the capacity of a partial message's buffer before it allocates or grows
 * it and gives it back when the message is complete (it then belongs to the caller), aborted, or
 * the decoder closes. A decoder whose reservation is refused fails with an
 * {@link io.sluice.rtmp.RtmpProtocolException}: that peer is disconnected, the others keep their
 * reservations.
 *
 * <p>Part of the budget can be kept for priority decoders ({@link ChunkDecoder#setBudgetPriority}, e.g.
 * the connections of accepted publishers): the others may fill it only up to
 * {@code limitBytes - priorityReserveBytes}. Without that, peers that hold half-messages (a flood) can
 * fill the budget to the last byte, and a publisher whose next multi-chunk frame then finds no room is
 * disconnected in their place.
 */
public final class ChunkBufferBudget {
    private final long limitBytes;
    private final long priorityReserveBytes;
    private final AtomicLong used = new AtomicLong();

    /**
     * A budget with no part kept for priority decoders.
     *
     * @param limitBytes the most bytes all decoders together may hold, &gt; 0
     * @throws IllegalArgumentException if not positive
     */
    public ChunkBufferBudget(long limitBytes) {
        this(limitBytes, 0);
    }

    /**
     * @param limitBytes           the most bytes all decoders together may hold, &gt; 0
     * @param priorityReserveBytes bytes of the limit only priority decoders may reserve, 0..limitBytes
     * @throws IllegalArgumentException if {@code limitBytes} is not positive or {@code priorityReserveBytes} is out of range
     */
    public ChunkBufferBudget(long limitBytes, long priorityReserveBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: > 0)");
        }
        if (priorityReserveBytes < 0 || priorityReserveBytes > limitBytes) {
            throw new IllegalArgumentException("priorityReserveBytes: " + priorityReserveBytes + " (expected: 0.." + limitBytes + ")");
        }
        this.limitBytes = limitBytes;
        this.priorityReserveBytes = priorityReserveBytes;
    }

    /** The limit, bytes. */
    public long limitBytes() {
        return limitBytes;
    }

    /** Bytes of {@link #limitBytes()} only priority decoders may reserve. */
    public long priorityReserveBytes() {
        return priorityReserveBytes;
    }

    /** Bytes reserved now. */
    public long usedBytes() {
        return used.get();
    }

    /**
     * Reserves {@code bytes} if they fit: under {@link #limitBytes()} for a priority decoder, under
     * {@code limitBytes - priorityReserveBytes} for the others.
     *
     * @param bytes    &gt;= 0
     * @param priority whether the decoder may use the priority reserve
     * @return whether they were reserved (nothing is reserved when {@code false})
     */
    boolean tryReserve(long bytes, boolean priority) {
        long limit = priority ? limitBytes : limitBytes - priorityReserveBytes;
        long u;
        do {
            u = used.get();
            if (u + bytes > limit) {
                return false;
            }
        } while (!used.compareAndSet(u, u + bytes));
        return true;
    }

    /** Gives back {@code bytes} reserved before. */
    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    @Override
    public String toString() {
        return "ChunkBufferBudget{" + used.get() + "/" + limitBytes + " bytes, " + priorityReserveBytes + " kept for priority}";
    }
}
