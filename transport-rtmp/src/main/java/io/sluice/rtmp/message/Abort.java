package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * Abort Message (type 2, §5.4.2): discard the partially received message of a chunk stream.
 * Payload: 32-bit chunk stream id.
 *
 * @param chunkStreamId the chunk stream whose message to discard
 */
public record Abort(int chunkStreamId) implements ControlMessage {
    @Override
    public int messageTypeId() {
        return MessageTypeId.ABORT;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeInt(chunkStreamId);
    }
}
