package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * The send queue in front of the {@link Pacer}: one FIFO per priority, drained audio first, then
 * retransmissions (RTX, RFC 4588), then video, so audio never waits behind video and a NACKed packet
 * overtakes new video (libwebrtc's {@code PrioritizedPacketQueue} order; padding is made only when all
 * three are empty). Packets of one SSRC stay in order. Counts queued bytes and knows the oldest
 * enqueue time, for the pacer's queue time limit and the queue-delay stat. Not thread-safe.
 */
final class PacerQueue {
    /** Priorities, highest first. */
    static final int AUDIO = 0;
    static final int RETRANSMISSION = 1;
    static final int VIDEO = 2;

    /**
     * A packet waiting. @param packet owned by the queue until polled; @param expiresNanos when a retransmission
     * is no longer worth sending, ns ({@link Long#MAX_VALUE} for media)
     */
    record Queued(ByteBuf packet, SendStream stream, long rtpTimestamp, boolean retransmission, long enqueuedNanos,
                  long expiresNanos) {
    }

    @SuppressWarnings("unchecked")
    private final ArrayDeque<Queued>[] queues = new ArrayDeque[] {new ArrayDeque<>(), new ArrayDeque<>(),
            new ArrayDeque<>()};
    private long bytes;
    private int size;

    static int priority(SendStream s, boolean retransmission) {
        return s.kind == io.sluice.webrtc.sdp.MediaKind.AUDIO ? AUDIO : retransmission ? RETRANSMISSION : VIDEO;
    }

    void add(Queued q) {
        queues[priority(q.stream(), q.retransmission())].addLast(q);
        bytes += q.packet().readableBytes();
        size++;
    }

    /** The packet to send next, or null. */
    Queued peek() {
        for (ArrayDeque<Queued> q : queues) {
            Queued head = q.peekFirst();
            if (head != null) {
                return head;
            }
        }
        return null;
    }

    /** Removes and returns {@link #peek()}. */
    Queued poll() {
        for (ArrayDeque<Queued> q : queues) {
            Queued head = q.pollFirst();
            if (head != null) {
                bytes -= head.packet().readableBytes();
                size--;
                return head;
            }
        }
        return null;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Bytes queued (RTP octets). */
    long bytes() {
        return bytes;
    }

    /** Packets queued. */
    int size() {
        return size;
    }

    /** When the packet that has waited longest was queued, ns; {@code nowNanos} if empty. */
    long oldestEnqueuedNanos(long nowNanos) {
        long oldest = nowNanos;
        for (ArrayDeque<Queued> q : queues) {
            Queued head = q.peekFirst();
            if (head != null && head.enqueuedNanos() - oldest < 0) {
                oldest = head.enqueuedNanos();
            }
        }
        return oldest;
    }

    /** Releases every queued packet. */
    void clear() {
        Queued q;
        while ((q = poll()) != null) {
            q.packet().release();
        }
    }
}
