package io.sluice.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One RTMP message already split into chunks by {@link ChunkEncoder#encodeStandalone}: a type 0
 * header, then type 3 continuation chunks. The bytes depend on no connection's chunk stream state,
 * only on the chunk size, so a server serializes a frame once and writes
 * {@link #retainedDuplicate()}s of the same bytes to every player (as nginx-rtmp shares its chain
 * links between players). The chunks ({@link #content()}) are owned by this holder, which starts
 * with a reference count of 1.
 *
 * <p>Whoever sends it on a connection must make sure the peer's incoming chunk size is
 * {@link #chunkSize()}, and tell that connection's {@link ChunkEncoder} with
 * {@link ChunkEncoder#forget(int)}: {@code io.sluice.rtmp.netty.RtmpChunkEncoder} does both.
 */
public final class PrechunkedMessage extends DefaultByteBufHolder {
    private final int chunkStreamId;
    private final int messageTypeId;
    private final long timestamp;
    private final int chunkSize;

    private PrechunkedMessage(ByteBuf chunks, int chunkStreamId, int messageTypeId, long timestamp, int chunkSize) {
        super(chunks);
        this.chunkStreamId = chunkStreamId;
        this.messageTypeId = messageTypeId;
        this.timestamp = timestamp;
        this.chunkSize = chunkSize;
    }

    /**
     * Wraps chunks that {@link ChunkEncoder#encodeStandalone} wrote for a message with these
     * values (e.g. carried apart from their holder for a while); not checked.
     *
     * @param chunks ownership passes to the new message
     * @throws IllegalArgumentException if the chunk stream id or chunk size is out of range
     */
    public static PrechunkedMessage wrap(ByteBuf chunks, int chunkStreamId, int messageTypeId, long timestamp, int chunkSize) {
        if (chunkStreamId < RtmpMessage.MIN_CHUNK_STREAM_ID || chunkStreamId > RtmpMessage.MAX_CHUNK_STREAM_ID
                || chunkSize < 1 || chunkSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
            chunks.release();
            throw new IllegalArgumentException("chunkStreamId: " + chunkStreamId + ", chunkSize: " + chunkSize
                    + " (expected: 2..65599, 1..16777215)");
        }
        return new PrechunkedMessage(chunks, chunkStreamId, messageTypeId, timestamp, chunkSize);
    }

    /**
     * Chunks a message.
     *
     * @param message   borrowed (not released)
     * @param chunkSize the chunk size, bytes, 1..16777215
     * @param alloc     allocates the chunks' buffer (direct, for the socket)
     * @return a new message owned by the caller
     * @throws IllegalArgumentException if the payload is longer than 16777215 bytes or the chunk size is out of range
     */
    public static PrechunkedMessage of(RtmpMessage message, int chunkSize, ByteBufAllocator alloc) {
        if (chunkSize < 1 || chunkSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 1..16777215)");
        }
        int length = message.length();
        ByteBuf out = alloc.directBuffer(ChunkEncoder.standaloneSize(length, message.chunkStreamId(), message.timestamp(), chunkSize));
        try {
            ChunkEncoder.encodeStandalone(message, chunkSize, out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        return new PrechunkedMessage(out, message.chunkStreamId(), message.messageTypeId(), message.timestamp(), chunkSize);
    }

    /** Chunk stream id, 2..65599. */
    public int chunkStreamId() {
        return chunkStreamId;
    }

    /** Message type id, 0..255. */
    public int messageTypeId() {
        return messageTypeId;
    }

    /** Timestamp in ms as given (the chunks carry it modulo 2<sup>32</sup>). */
    public long timestamp() {
        return timestamp;
    }

    /** The chunk size the message was split with, bytes. */
    public int chunkSize() {
        return chunkSize;
    }

    @Override
    public PrechunkedMessage replace(ByteBuf content) {
        return new PrechunkedMessage(content, chunkStreamId, messageTypeId, timestamp, chunkSize);
    }

    @Override
    public PrechunkedMessage copy() {
        return (PrechunkedMessage) super.copy();
    }

    @Override
    public PrechunkedMessage duplicate() {
        return (PrechunkedMessage) super.duplicate();
    }

    @Override
    public PrechunkedMessage retainedDuplicate() {
        return (PrechunkedMessage) super.retainedDuplicate();
    }

    @Override
    public PrechunkedMessage retain() {
        super.retain();
        return this;
    }

    @Override
    public PrechunkedMessage retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PrechunkedMessage touch() {
        super.touch();
        return this;
    }

    @Override
    public PrechunkedMessage touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "PrechunkedMessage{csid=" + chunkStreamId + ", type=" + messageTypeId + ", ts=" + timestamp + ", chunkSize=" + chunkSize + ", bytes=" + (refCnt() > 0 ? content().readableBytes() : "released") + '}';
    }
}
