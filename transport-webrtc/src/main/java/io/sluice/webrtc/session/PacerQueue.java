package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.Iterator;

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
    /** The earliest enqueue time of the three heads, when {@link #headsMinKnown} (a poll forgets it). */
    private long headsMin;
    private boolean headsMinKnown;

    static int priority(SendStream s, boolean retransmission) {
        return s.kind == io.sluice.webrtc.sdp.MediaKind.AUDIO ? AUDIO : retransmission ? RETRANSMISSION : VIDEO;
    }

    void add(Queued q) {
        ArrayDeque<Queued> to = queues[priority(q.stream(), q.retransmission())];
        if (size == 0) {
            headsMin = q.enqueuedNanos();
            headsMinKnown = true;
        } else if (to.isEmpty() && headsMinKnown && q.enqueuedNanos() - headsMin < 0) {
            headsMin = q.enqueuedNanos(); // a new head, earlier than the others
        }
        to.addLast(q);
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
                headsMinKnown = false;
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
        if (size == 0) {
            return nowNanos;
        }
        if (!headsMinKnown) { // after a poll: the heads' earliest again
            long oldest = Long.MAX_VALUE;
            boolean first = true;
            for (ArrayDeque<Queued> q : queues) {
                Queued head = q.peekFirst();
                if (head != null && (first || head.enqueuedNanos() - oldest < 0)) {
                    oldest = head.enqueuedNanos();
                    first = false;
                }
            }
            headsMin = oldest;
            headsMinKnown = true;
        }
        return headsMin - nowNanos < 0 ? headsMin : nowNanos;
    }

    /**
     * Removes and releases the queued media packets (not retransmissions) of {@code stream} whose RTP timestamp is
     * not {@code keepRtpTimestamp}, keeping the order of the rest.
     *
     * @return the RTP octets removed
     */
    long discardMedia(SendStream stream, long keepRtpTimestamp) {
        long removed = 0;
        for (Iterator<Queued> it = queues[priority(stream, false)].iterator(); it.hasNext(); ) {
            Queued q = it.next();
            if (q.stream() == stream && !q.retransmission() && q.rtpTimestamp() != keepRtpTimestamp) {
                it.remove();
                int n = q.packet().readableBytes();
                removed += n;
                bytes -= n;
                size--;
                q.packet().release();
            }
        }
        if (removed > 0) {
            headsMinKnown = false;
        }
        return removed;
    }

    /** Releases every queued packet. */
    void clear() {
        Queued q;
        while ((q = poll()) != null) {
            q.packet().release();
        }
    }
}
