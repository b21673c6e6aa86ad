package io.sluice.webrtc.server;

import java.util.EnumMap;
import java.util.Map;

/**
 * When a session reached each step of its setup, in milliseconds since its offer was accepted:
 * the time-to-first-frame breakdown logged at debug level once the first keyframe is sent.
 *
 * <p>Not thread-safe; confined to the UDP event loop like the session.
 */
final class SessionTimeline {
    /** The setup steps, in their usual order. */
    enum Step {
        /** The first STUN binding request from the peer. */
        FIRST_STUN,
        /** The peer nominated a pair (USE-CANDIDATE). */
        ICE_NOMINATED,
        /** The first DTLS datagram from the peer (a client's ClientHello). */
        DTLS_FIRST_RECEIVED,
        /** The first DTLS datagram sent. */
        DTLS_FIRST_SENT,
        /** The DTLS handshake finished and SRTP is keyed. */
        DTLS_CONNECTED,
        /** The first SRTP packet sent. */
        FIRST_RTP,
        /** The first video keyframe sent. */
        FIRST_KEYFRAME
    }

    private final long originNanos;
    private final Map<Step, Long> reached = new EnumMap<>(Step.class);

    /** @param originNanos the session's {@link io.sluice.core.time.Ticker#nanoTime()} at the offer */
    SessionTimeline(long originNanos) {
        this.originNanos = originNanos;
    }

    /**
     * Records {@code step} at {@code nowNanos} unless it was recorded before.
     *
     * @return true the first time
     */
    boolean mark(Step step, long nowNanos) {
        return reached.putIfAbsent(step, nowNanos) == null;
    }

    /** Whether {@code step} was reached. */
    boolean reached(Step step) {
        return reached.containsKey(step);
    }

    /** {@code "FIRST_STUN +12 ms, ICE_NOMINATED +13 ms, …"}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Step, Long> e : reached.entrySet()) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(e.getKey()).append(" +").append((e.getValue() - originNanos) / 1_000_000).append(" ms");
        }
        return b.toString();
    }
}
