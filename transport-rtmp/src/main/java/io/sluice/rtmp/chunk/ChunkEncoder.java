package io.sluice.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

/**
 * Splits RTMP messages into chunks (RTMP spec §5.3), without I/O: {@link #encode(RtmpMessage,
 * ByteBuf)} writes the chunks of one message.
 *
 * <p><b>Header choice</b>, per chunk stream: {@link ChunkHeaderType#TYPE_0} for its first message,
 * when the message stream id changes, when the timestamp goes backwards or jumps by 2<sup>32</sup>
 * ms or more; {@link ChunkHeaderType#TYPE_1} when length or type change; {@link ChunkHeaderType#TYPE_2}
 * when only the timestamp delta changes; {@link ChunkHeaderType#TYPE_3} when the delta repeats too,
 * and for every continuation chunk. A type 3 never directly follows a type 0 for a new message:
 * the spec then reuses the type 0's absolute timestamp as the delta (§5.3.1.2.4), which
 * nginx-rtmp does not implement, so a type 2 is sent instead. Timestamps are written modulo
 * 2<sup>32</sup>; values or deltas of {@code 0xFFFFFF} and above use the 4-byte Extended Timestamp,
 * repeated on the message's type 3 chunks (§5.3.1.3).
 *
 * <p>The outgoing chunk size starts at 128. Encoding a SetChunkSize message (type 1) switches to
 * the size it announces after its own chunks, as the peer will; {@link #setChunkSize(int)} does
 * the same directly.
 *
 * <p>Not thread-safe; confine to one EventLoop.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#53-chunking">RTMP spec §5.3 Chunking</a>
 */
public final class ChunkEncoder {
    private static final int SET_CHUNK_SIZE = 1;

    private final IntObjectMap<ChunkStream> streams = new IntObjectHashMap<>();
    private int chunkSize = ChunkDecoder.DEFAULT_CHUNK_SIZE;

    private static final class ChunkStream {
        long timestamp;
        long timestampDelta;
        int messageLength;
        int messageTypeId;
        int messageStreamId;
        ChunkHeaderType lastHeaderType;
    }

    /** The outgoing chunk size in bytes. */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Sets the outgoing chunk size. Send a SetChunkSize message first (or encode one, which calls
     * this itself).
     *
     * @param chunkSize bytes, 1..16777215 (a message never exceeds the 3-byte length field, so larger sizes gain nothing)
     * @throws IllegalArgumentException if out of range
     */
    public void setChunkSize(int chunkSize) {
        if (chunkSize < 1 || chunkSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 1..16777215)");
        }
        this.chunkSize = chunkSize;
    }

    /**
     * Writes the chunks of one message.
     *
     * @param message the message; borrowed (neither released nor its reader index moved)
     * @param out     receives the chunks at its writer index; borrowed
     * @return the header type chosen for the message's first chunk
     * @throws IllegalArgumentException if the payload is longer than 16777215 bytes, or a
     *                                  SetChunkSize payload announces a size out of range
     */
    public ChunkHeaderType encode(RtmpMessage message, ByteBuf out) {
        ByteBuf payload = message.content();
        int length = payload.readableBytes();
        if (length > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message length: " + length + " (expected: <= 16777215)");
        }
        int csid = message.chunkStreamId();
        long timestamp = message.timestamp();
        ChunkStream cs = streams.get(csid);
        ChunkHeaderType type;
        long delta = 0;
        if (cs == null || cs.messageStreamId != message.messageStreamId() || timestamp < cs.timestamp
                || timestamp - cs.timestamp > 0xFFFFFFFFL) {
            type = ChunkHeaderType.TYPE_0;
            if (cs == null) {
                cs = new ChunkStream();
                streams.put(csid, cs);
            }
        } else {
            delta = timestamp - cs.timestamp;
            if (length != cs.messageLength || message.messageTypeId() != cs.messageTypeId) {
                type = ChunkHeaderType.TYPE_1;
            } else if (delta != cs.timestampDelta || cs.lastHeaderType == ChunkHeaderType.TYPE_0) {
                type = ChunkHeaderType.TYPE_2;
            } else {
                type = ChunkHeaderType.TYPE_3;
            }
        }
        long field = type == ChunkHeaderType.TYPE_0 ? timestamp & 0xFFFFFFFFL : delta;
        boolean extended = field >= 0xFFFFFF;

        writeBasicHeader(out, type.fmt(), csid);
        if (type != ChunkHeaderType.TYPE_3) {
            out.writeMedium(extended ? 0xFFFFFF : (int) field);
            if (type != ChunkHeaderType.TYPE_2) {
                out.writeMedium(length);
                out.writeByte(message.messageTypeId());
                if (type == ChunkHeaderType.TYPE_0) {
                    out.writeIntLE(message.messageStreamId());
                }
            }
        }
        writeChunks(out, payload, chunkSize, csid, extended, field);

        if (type != ChunkHeaderType.TYPE_3) {
            cs.timestampDelta = field;
        }
        cs.timestamp = timestamp;
        cs.messageLength = length;
        cs.messageTypeId = message.messageTypeId();
        cs.messageStreamId = message.messageStreamId();
        cs.lastHeaderType = type;

        if (message.messageTypeId() == SET_CHUNK_SIZE && length >= 4) {
            setChunkSize(payload.getInt(payload.readerIndex()));
        }
        return type;
    }

    /**
     * Writes the chunks of one message with a type 0 header on the first chunk and type 3 headers
     * on the continuation chunks, independently of any chunk stream state: the bytes are the same
     * for every connection that uses the same chunk size, so they can be produced once and sent to
     * many peers (see {@link PrechunkedMessage}). Extended timestamps are repeated on the type 3
     * chunks (§5.3.1.3).
     *
     * @param message   the message; borrowed (neither released nor its reader index moved)
     * @param chunkSize the peer's incoming chunk size, bytes, 1..16777215
     * @param out       receives the chunks at its writer index; borrowed
     * @throws IllegalArgumentException if the payload is longer than 16777215 bytes or the chunk size is out of range
     */
    public static void encodeStandalone(RtmpMessage message, int chunkSize, ByteBuf out) {
        ByteBuf payload = message.content();
        int length = payload.readableBytes();
        if (length > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("message length: " + length + " (expected: <= 16777215)");
        }
        if (chunkSize < 1 || chunkSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 1..16777215)");
        }
        int csid = message.chunkStreamId();
        long field = message.timestamp() & 0xFFFFFFFFL;
        boolean extended = field >= 0xFFFFFF;
        writeBasicHeader(out, ChunkHeaderType.TYPE_0.fmt(), csid);
        out.writeMedium(extended ? 0xFFFFFF : (int) field);
        out.writeMedium(length);
        out.writeByte(message.messageTypeId());
        out.writeIntLE(message.messageStreamId());
        writeChunks(out, payload, chunkSize, csid, extended, field);
    }

    /**
     * Bytes {@link #encodeStandalone} writes for a message of this length, chunk stream id and
     * timestamp, to size the buffer.
     */
    public static int standaloneSize(int length, int chunkStreamId, long timestamp, int chunkSize) {
        int basic = chunkStreamId < 64 ? 1 : chunkStreamId < 320 ? 2 : 3;
        int ext = (timestamp & 0xFFFFFFFFL) >= 0xFFFFFF ? 4 : 0;
        int chunks = Math.max(1, (length + chunkSize - 1) / chunkSize);
        return basic + 11 + ext + length + (chunks - 1) * (basic + ext);
    }

    /**
     * Records that chunks of a {@link PrechunkedMessage} on this chunk stream were sent outside
     * this encoder: the peer's header state for the chunk stream is now that message's, so the
     * next message this encoder writes on it starts with a type 0 header.
     *
     * @param chunkStreamId 2..65599
     */
    public void forget(int chunkStreamId) {
        streams.remove(chunkStreamId);
    }

    /**
     * Writes the payload after a first chunk's message header: the extended timestamp if needed,
     * the first chunk's data, then type 3 chunks (repeating the extended timestamp, §5.3.1.3).
     */
    private static void writeChunks(ByteBuf out, ByteBuf payload, int chunkSize, int csid, boolean extended, long field) {
        if (extended) {
            out.writeInt((int) field);
        }
        int index = payload.readerIndex();
        int length = payload.readableBytes();
        int n = Math.min(length, chunkSize);
        out.writeBytes(payload, index, n);
        for (int written = n; written < length; written += n) {
            writeBasicHeader(out, ChunkHeaderType.TYPE_3.fmt(), csid);
            if (extended) {
                out.writeInt((int) field);
            }
            n = Math.min(length - written, chunkSize);
            out.writeBytes(payload, index + written, n);
        }
    }

    private static void writeBasicHeader(ByteBuf out, int fmt, int csid) {
        if (csid < 64) {
            out.writeByte(fmt << 6 | csid);
        } else if (csid < 320) {
            out.writeByte(fmt << 6);
            out.writeByte(csid - 64);
        } else {
            out.writeByte(fmt << 6 | 1);
            out.writeShortLE(csid - 64);
        }
    }
}
