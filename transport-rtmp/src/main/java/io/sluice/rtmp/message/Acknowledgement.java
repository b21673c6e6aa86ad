package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * Acknowledgement (type 3, §5.4.3): sent after receiving a window's worth of bytes. Payload:
 * 32-bit sequence number, the bytes received so far (modulo 2<sup>32</sup>).
 *
 * @param sequenceNumber bytes received, 0..4294967295
 */
public record Acknowledgement(long sequenceNumber) implements ControlMessage {
    /** @throws IllegalArgumentException if out of the unsigned 32-bit range */
    public Acknowledgement {
        RtmpMessages.checkUnsigned32("sequenceNumber", sequenceNumber);
    }

    /** An Acknowledgement for a running byte count, taken modulo 2<sup>32</sup>. */
    public static Acknowledgement ofBytesReceived(long bytesReceived) {
        return new Acknowledgement(bytesReceived & 0xFFFFFFFFL);
    }

    @Override
    public int messageTypeId() {
        return MessageTypeId.ACKNOWLEDGEMENT;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeInt((int) sequenceNumber);
    }
}
