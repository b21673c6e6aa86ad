package io.sluice.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One complete RTMP message: the header fields the chunk stream carries (RTMP spec §5.3.1.2,
 * §6.1) and its payload. The payload ({@link #content()}) is owned by this holder, which starts
 * with a reference count of 1 and releases the payload when it reaches 0.
 *
 * <p>Instances returned by {@link ChunkDecoder} are owned by the caller, who must release them.
 * {@link ChunkEncoder#encode(RtmpMessage, ByteBuf)} only borrows one.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#61-message-format">RTMP spec §6.1</a>
 */
public final class RtmpMessage extends DefaultByteBufHolder {
    /** Lowest chunk stream id (§5.3.1.1; 0 and 1 mark the 2- and 3-byte basic header forms). */
    public static final int MIN_CHUNK_STREAM_ID = 2;
    /** Highest chunk stream id: 65535 + 64 (3-byte basic header). */
    public static final int MAX_CHUNK_STREAM_ID = 65599;
    /** Largest message payload the 3-byte message length field can describe. */
    public static final int MAX_MESSAGE_LENGTH = 0xFFFFFF;

    private final int chunkStreamId;
    private final int messageTypeId;
    private final int messageStreamId;
    private final long timestamp;

    /**
     * @param chunkStreamId   chunk stream the message travels on, 2..65599 (2 is reserved for protocol control messages)
     * @param messageTypeId   message type id, 0..255 (e.g. 8 audio, 9 video, 20 AMF0 command)
     * @param messageStreamId message stream id, an unsigned 32-bit value (0 for the NetConnection)
     * @param timestamp       timestamp in ms, &ge; 0, not wrapped at 2<sup>32</sup> (the chunk layer wraps it on the wire)
     * @param payload         the message body; ownership passes to this message
     * @throws IllegalArgumentException if an id is out of range or the timestamp is negative
     */
    public RtmpMessage(int chunkStreamId, int messageTypeId, int messageStreamId, long timestamp, ByteBuf payload) {
        super(payload);
        if (chunkStreamId < MIN_CHUNK_STREAM_ID || chunkStreamId > MAX_CHUNK_STREAM_ID) {
            throw new IllegalArgumentException("chunkStreamId: " + chunkStreamId + " (expected: 2..65599)");
        }
        if (messageTypeId < 0 || messageTypeId > 255) {
            throw new IllegalArgumentException("messageTypeId: " + messageTypeId + " (expected: 0..255)");
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp: " + timestamp + " (expected: >= 0)");
        }
        this.chunkStreamId = chunkStreamId;
        this.messageTypeId = messageTypeId;
        this.messageStreamId = messageStreamId;
        this.timestamp = timestamp;
    }

    /** Chunk stream id, 2..65599. */
    public int chunkStreamId() {
        return chunkStreamId;
    }

    /** Message type id, 0..255. */
    public int messageTypeId() {
        return messageTypeId;
    }

    /** Message stream id, unsigned 32-bit (read with {@link Integer#toUnsignedLong(int)} if it may exceed 2<sup>31</sup>−1). */
    public int messageStreamId() {
        return messageStreamId;
    }

    /** Timestamp in ms, unwrapped (may exceed 2<sup>32</sup>−1 on long streams). */
    public long timestamp() {
        return timestamp;
    }

    /** Payload length in bytes. */
    public int length() {
        return content().readableBytes();
    }

    @Override
    public RtmpMessage replace(ByteBuf content) {
        return new RtmpMessage(chunkStreamId, messageTypeId, messageStreamId, timestamp, content);
    }

    @Override
    public RtmpMessage copy() {
        return replace(content().copy());
    }

    @Override
    public RtmpMessage duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public RtmpMessage retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public RtmpMessage retain() {
        super.retain();
        return this;
    }

    @Override
    public RtmpMessage retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public RtmpMessage touch() {
        super.touch();
        return this;
    }

    @Override
    public RtmpMessage touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "RtmpMessage{csid=" + chunkStreamId + " type=" + messageTypeId + " msid=" + Integer.toUnsignedString(messageStreamId)
                + " ts=" + timestamp + "ms len=" + (refCnt() > 0 ? length() : -1) + '}';
    }
}
