package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;
import java.util.Objects;

/**
 * Set Peer Bandwidth (type 6, §5.4.5): limits the peer's output bandwidth. Payload: 32-bit
 * window size in bytes, then the 8-bit limit type.
 *
 * @param windowSize bytes, 0..4294967295
 * @param limitType  how to apply it
 */
public record SetPeerBandwidth(long windowSize, LimitType limitType) implements ControlMessage {
    /** Limit type (§5.4.5). */
    public enum LimitType {
        /** 0: limit output to the window size. */
        HARD,
        /** 1: limit to the window size or the limit already in effect, whichever is smaller. */
        SOFT,
        /** 2: treat as Hard if the previous limit was Hard, else ignore. */
        DYNAMIC
    }

    /** @throws IllegalArgumentException if {@code windowSize} is out of the unsigned 32-bit range */
    public SetPeerBandwidth {
        RtmpMessages.checkUnsigned32("windowSize", windowSize);
        Objects.requireNonNull(limitType, "limitType");
    }

    @Override
    public int messageTypeId() {
        return MessageTypeId.SET_PEER_BANDWIDTH;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeInt((int) windowSize);
        out.writeByte(limitType.ordinal());
    }
}
