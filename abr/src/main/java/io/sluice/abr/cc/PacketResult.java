package io.sluice.abr.cc;

import java.util.Objects;

/**
 * What a transport-wide feedback says about one sent packet.
 *
 * @param sent          the packet as it was sent
 * @param receiveTimeUs arrival time at the receiver, µs on the <em>receiver's</em> clock (only differences between
 *                      arrivals mean anything), or {@link #NOT_RECEIVED}
 */
public record PacketResult(SentPacket sent, long receiveTimeUs) {
    /** {@link #receiveTimeUs} of a packet the feedback reports not received. */
    public static final long NOT_RECEIVED = Long.MIN_VALUE;

    public PacketResult {
        Objects.requireNonNull(sent, "sent");
    }

    /** Whether the receiver got it. */
    public boolean isReceived() {
        return receiveTimeUs != NOT_RECEIVED;
    }
}
