package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * Window Acknowledgement Size (type 5, §5.4.4): how many bytes the peer may receive before it
 * must send an {@link Acknowledgement}. Payload: 32-bit size in bytes.
 *
 * @param windowSize bytes, 0..4294967295
 */
public record WindowAcknowledgementSize(long windowSize) implements ControlMessage {
    /** @throws IllegalArgumentException if out of the unsigned 32-bit range */
    public WindowAcknowledgementSize {
        RtmpMessages.checkUnsigned32("windowSize", windowSize);
    }

    @Override
    public int messageTypeId() {
        return MessageTypeId.WINDOW_ACKNOWLEDGEMENT_SIZE;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeInt((int) windowSize);
    }
}
