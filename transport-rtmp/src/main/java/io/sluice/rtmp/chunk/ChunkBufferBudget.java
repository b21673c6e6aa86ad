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
 */
public final class ChunkBufferBudget {
    private final long limitBytes;
    private final AtomicLong used = new AtomicLong();

    /**
     * @param limitBytes the most bytes all decoders together may hold, &gt; 0
     * @throws IllegalArgumentException if not positive
     */
    public ChunkBufferBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: > 0)");
        }
        this.limitBytes = limitBytes;
    }

    /** The limit, bytes. */
    public long limitBytes() {
        return limitBytes;
    }

    /** Bytes reserved now. */
    public long usedBytes() {
        return used.get();
    }

    /**
     * Reserves {@code bytes} if they fit.
     *
     * @param bytes &gt;= 0
     * @return whether they were reserved (nothing is reserved when {@code false})
     */
    boolean tryReserve(long bytes) {
        long u;
        do {
            u = used.get();
            if (u + bytes > limitBytes) {
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
        return "ChunkBufferBudget{" + used.get() + "/" + limitBytes + " bytes}";
    }
}
