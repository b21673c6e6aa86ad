package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * Set Chunk Size (type 1, §5.4.1): the sender's new maximum chunk size, in bytes. Payload: 32
 * bits, the first of which must be 0.
 *
 * @param chunkSize bytes, 1..2147483647
 */
public record SetChunkSize(int chunkSize) implements ControlMessage {
    /** @throws IllegalArgumentException if {@code chunkSize} is not 1..2147483647 */
    public SetChunkSize {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 1..2147483647)");
        }
    }

    @Override
    public int messageTypeId() {
        return MessageTypeId.SET_CHUNK_SIZE;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeInt(chunkSize);
    }
}
