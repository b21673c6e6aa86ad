package io.sluice.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.List;
import java.util.Objects;

/**
 * Reassembles RTMP messages from the chunk stream a peer sends (RTMP spec §5.3), without I/O:
 * feed bytes to {@link #decode(ByteBuf, List)}, get complete {@link RtmpMessage}s.
 *
 * <p><b>Chunking.</b> Handles the four {@link ChunkHeaderType}s, chunk stream ids 2..65599 in
 * 1-, 2- and 3-byte basic headers, interleaved chunk streams, timestamp deltas and Extended
 * Timestamps (including on type 3 chunks whose chunk stream last used one). RTMP timestamps are
 * 32-bit ms and wrap after about 49.7 days; this decoder unwraps them into a {@code long} by
 * taking every new absolute timestamp as the nearest value (±2<sup>31</sup> ms) to the last one
 * decoded on the connection, never below 0.
 *
 * <p><b>Control messages it acts on itself.</b> A SetChunkSize (type 1) changes the incoming
 * chunk size as soon as that message is complete, before the next chunk is parsed, and an Abort
 * (type 2) drops the partial message of its chunk stream; both are still returned to the caller.
 *
 * <p><b>Limits</b> ({@link ChunkDecoderConfig}): a chunk size outside 1..maxChunkSize, a message
 * length above maxMessageSize, or above maxCommandSize for a command/data/shared-object message
 * (both checked on the header, before any allocation), more than maxChunkStreams distinct chunk
 * stream ids, incomplete messages holding more than {@link #maxBufferedBytes()} in total (or more
 * than a shared {@link ChunkBufferBudget} has left), a type 1/2/3 header on a chunk stream that never had
 * a type 0, or a new message header while the chunk stream's previous message is incomplete all
 * throw {@link RtmpProtocolException}. After a failure the decoder has released its buffers and
 * refuses further input ({@link #isFailed()}).
 *
 * <p><b>Buffers.</b> Only complete chunks are consumed: the bytes of a chunk that is not yet fully
 * available stay unread in the input, so at most one chunk (basic header + 11 + 4 + chunk size
 * bytes) waits in the caller's buffer. A message that fits in one chunk is a retained slice of the
 * input (no copy); longer ones are gathered into a buffer from the allocator that grows (doubling,
 * at most to the message length) as chunks arrive, each growth reserved against the limits first.
 *
 * <p>Not thread-safe; confine to one EventLoop. Call {@link #close()} when the connection ends to
 * release partial messages.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#53-chunking">RTMP spec §5.3 Chunking</a>
 */
public final class ChunkDecoder implements AutoCloseable {
    /** The chunk size both directions start with (§5.4.1): 128 bytes. */
    public static final int DEFAULT_CHUNK_SIZE = 128;

    private static final int SET_CHUNK_SIZE = 1;
    private static final int ABORT = 2;
    private static final int[] MESSAGE_HEADER_LENGTH = {11, 7, 3, 0};
    /** Message types 15..20: AMF3 data, shared object, command; AMF0 data, shared object, command. */
    private static final int FIRST_COMMAND_TYPE = 15;
    private static final int LAST_COMMAND_TYPE = 20;

    private final ChunkDecoderConfig config;
    private final ByteBufAllocator alloc;
    private final ChunkBufferBudget budget;
    /** Whether {@link #budget}'s priority reserve is open to this decoder. */
    private boolean budgetPriority;
    private int maxBufferedBytes;
    /** Capacity of the partial messages' buffers, all reserved (also in {@link #budget}). */
    private long bufferedBytes;
    private boolean stopAfterMessage;
    private final IntObjectMap<ChunkStream> streams = new IntObjectHashMap<>();
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private long bytesRead;
    private boolean haveTimestamp;
    private long lastTimestamp;
    private boolean failed;

    /** Per chunk stream: the last header's fields and the message being reassembled. */
    private static final class ChunkStream {
        long timestamp;
        long timestampDelta;
        int messageLength;
        int messageTypeId;
        int messageStreamId;
        boolean extendedTimestamp;
        ByteBuf partial;
        int received;
        /** Bytes reserved for {@link #partial}: its capacity. */
        int reserved;
    }

    /** A decoder with {@link ChunkDecoderConfig#defaults()} and the default allocator. */
    public ChunkDecoder() {
        this(ChunkDecoderConfig.defaults(), ByteBufAllocator.DEFAULT);
    }

    /**
     * @param config limits to enforce
     * @param alloc  allocator for multi-chunk message payloads
     */
    public ChunkDecoder(ChunkDecoderConfig config, ByteBufAllocator alloc) {
        this(config, alloc, null);
    }

    /**
     * @param config limits to enforce
     * @param alloc  allocator for multi-chunk message payloads
     * @param budget shared by other decoders (e.g. a server's connections) for the bytes of their
     *               incomplete messages, or {@code null} for none
     */
    public ChunkDecoder(ChunkDecoderConfig config, ByteBufAllocator alloc, ChunkBufferBudget budget) {
        this.config = Objects.requireNonNull(config, "config");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.budget = budget;
        this.maxBufferedBytes = config.maxBufferedBytes();
    }

    /** Most bytes of incomplete messages held at once: {@link ChunkDecoderConfig#maxBufferedBytes()} unless set since. */
    public int maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /**
     * Changes the limit on bytes of incomplete messages, e.g. to raise a small limit once the peer
     * has connected or authenticated. Bytes already held are kept even when above a lowered limit.
     *
     * @param bytes 1..2^31-1
     * @throws IllegalArgumentException if below 1
     */
    public void setMaxBufferedBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxBufferedBytes: " + bytes + " (expected: 1..2147483647)");
        }
        this.maxBufferedBytes = bytes;
    }

    /**
     * Lets this decoder reserve the part of its shared {@link ChunkBufferBudget} kept for priority decoders
     * (a server sets it for a connection whose {@code publish} was accepted). No effect without a budget.
     */
    public void setBudgetPriority(boolean priority) {
        this.budgetPriority = priority;
    }

    /** Bytes the incomplete messages hold now (their buffers' capacity). */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /**
     * Whether {@link #decode} returns as soon as it has completed one message, leaving further
     * chunks unread, so that the caller can act on each message (e.g. a {@code connect}) before the
     * next one is decoded under the limits in force. Default {@code false}.
     */
    public void setStopAfterMessage(boolean stop) {
        this.stopAfterMessage = stop;
    }

    /** The limits this decoder enforces. */
    public ChunkDecoderConfig config() {
        return config;
    }

    /** The incoming chunk size in bytes: 128 until the peer's SetChunkSize. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Bytes consumed so far, for Acknowledgement sequence numbers (§5.4.3); not wrapped. */
    public long bytesRead() {
        return bytesRead;
    }

    /** Whether a protocol violation was detected; the decoder then accepts no more input. */
    public boolean isFailed() {
        return failed;
    }

    /**
     * Sets the incoming chunk size, as a SetChunkSize message from the peer does. The decoder
     * applies SetChunkSize messages itself; this is for callers that learn the size otherwise.
     *
     * @param chunkSize bytes, 1..{@link ChunkDecoderConfig#maxChunkSize()}
     * @throws IllegalArgumentException if out of range
     */
    public void setChunkSize(int chunkSize) {
        if (chunkSize < 1 || chunkSize > config.maxChunkSize()) {
            throw new IllegalArgumentException(chunkSizeError(chunkSize));
        }
        this.chunkSize = chunkSize;
    }

    private String chunkSizeError(int chunkSize) {
        return "chunkSize: " + Integer.toUnsignedString(chunkSize) + " (expected: 1.." + config.maxChunkSize() + ")";
    }

    /**
     * Reads every complete chunk in {@code in} and adds each message completed by them to
     * {@code out}. Bytes of a trailing incomplete chunk are left unread: call again with them
     * followed by more data.
     *
     * <p>Returned single-chunk messages may be slices of {@code in}: do not overwrite or move its
     * consumed bytes while {@code in.refCnt() > 1} (Netty's {@code ByteToMessageDecoder} cumulator
     * already copies instead of compacting a shared buffer).
     *
     * @param in  chunk stream bytes; borrowed (its reader index advances past consumed chunks)
     * @param out receives complete messages, each owned by the caller
     * @throws RtmpProtocolException on a protocol violation or exceeded limit (see class doc)
     * @throws IllegalStateException if the decoder failed or was closed before
     */
    public void decode(ByteBuf in, List<? super RtmpMessage> out) {
        if (failed) {
            throw new IllegalStateException("chunk decoder failed or closed; no more input accepted");
        }
        int size = out.size();
        while (decodeChunk(in, out)) {
            if (stopAfterMessage && out.size() > size) {
                return;
            }
        }
    }

    /** @return whether a chunk was consumed */
    private boolean decodeChunk(ByteBuf in, List<? super RtmpMessage> out) {
        int readable = in.readableBytes();
        if (readable < 1) {
            return false;
        }
        int start = in.readerIndex();
        int b0 = in.getUnsignedByte(start);
        int fmt = b0 >>> 6;
        int chunkStreamId = b0 & 0x3F;
        int basicHeaderLength = 1;
        if (chunkStreamId == 0) {
            if (readable < 2) {
                return false;
            }
            chunkStreamId = 64 + in.getUnsignedByte(start + 1);
            basicHeaderLength = 2;
        } else if (chunkStreamId == 1) {
            if (readable < 3) {
                return false;
            }
            chunkStreamId = 64 + in.getUnsignedByte(start + 1) + (in.getUnsignedByte(start + 2) << 8);
            basicHeaderLength = 3;
        }
        ChunkStream cs = streams.get(chunkStreamId);
        if (fmt != 0 && cs == null) {
            throw fail("chunkStreamId " + chunkStreamId + ": type " + fmt + " chunk header without a prior type 0 header");
        }
        int headerLength = basicHeaderLength + MESSAGE_HEADER_LENGTH[fmt];
        if (readable < headerLength) {
            return false;
        }
        int p = start + basicHeaderLength;
        long timestampField = fmt < 3 ? in.getUnsignedMedium(p) : 0;
        boolean extended = fmt < 3 ? timestampField == 0xFFFFFF : cs.extendedTimestamp;
        if (extended) {
            headerLength += 4;
            if (readable < headerLength) {
                return false;
            }
            long ext = in.getUnsignedInt(start + headerLength - 4);
            if (fmt < 3) {
                timestampField = ext;
            }
        }

        boolean continuation = cs != null && cs.partial != null;
        int messageLength;
        if (fmt == 0 || fmt == 1) {
            messageLength = in.getUnsignedMedium(p + 3);
            if (messageLength > config.maxMessageSize()) {
                throw fail("chunkStreamId " + chunkStreamId + ": messageLength: " + messageLength
                        + " (expected: <= " + config.maxMessageSize() + ")");
            }
            int typeId = in.getUnsignedByte(p + 6);
            if (typeId >= FIRST_COMMAND_TYPE && typeId <= LAST_COMMAND_TYPE && messageLength > config.maxCommandSize()) {
                throw fail("chunkStreamId " + chunkStreamId + ": messageTypeId " + typeId + " messageLength: "
                        + messageLength + " (expected: <= " + config.maxCommandSize() + " for a command or data message)");
            }
        } else {
            messageLength = cs.messageLength;
        }
        if (fmt != 3 && continuation) {
            throw fail("chunkStreamId " + chunkStreamId + ": type " + fmt + " chunk header while a message has "
                    + (cs.messageLength - cs.received) + " of " + cs.messageLength + " bytes missing");
        }
        int remaining = continuation ? cs.messageLength - cs.received : messageLength;
        int payloadLength = Math.min(remaining, chunkSize);
        if (readable < headerLength + payloadLength) {
            return false;
        }

        // The whole chunk is available: commit the header to the chunk stream state.
        if (cs == null) {
            if (streams.size() >= config.maxChunkStreams()) {
                throw fail("chunkStreamId " + chunkStreamId + ": too many chunk streams (expected: <= "
                        + config.maxChunkStreams() + ")");
            }
            cs = new ChunkStream();
            streams.put(chunkStreamId, cs);
        }
        if (!continuation) {
            switch (fmt) {
                case 0 -> {
                    cs.messageStreamId = in.getIntLE(p + 7);
                    cs.messageTypeId = in.getUnsignedByte(p + 6);
                    cs.messageLength = messageLength;
                    cs.timestamp = unwrap(timestampField);
                    cs.timestampDelta = timestampField; // §5.3.1.2.4: a type 3 after a type 0 repeats its timestamp as delta
                    cs.extendedTimestamp = extended;
                }
                case 1 -> {
                    cs.messageTypeId = in.getUnsignedByte(p + 6);
                    cs.messageLength = messageLength;
                    cs.timestampDelta = timestampField;
                    cs.timestamp += timestampField;
                    cs.extendedTimestamp = extended;
                }
                case 2 -> {
                    cs.timestampDelta = timestampField;
                    cs.timestamp += timestampField;
                    cs.extendedTimestamp = extended;
                }
                default -> cs.timestamp += cs.timestampDelta;
            }
            haveTimestamp = true;
            lastTimestamp = cs.timestamp;
        }
        in.skipBytes(headerLength);
        bytesRead += headerLength + payloadLength;

        if (!continuation && payloadLength == messageLength) {
            // Single-chunk message: hand out a slice of the input, no copy.
            ByteBuf payload = payloadLength == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(payloadLength);
            emit(chunkStreamId, cs, payload, out);
            return true;
        }
        if (!continuation) {
            reserve(chunkStreamId, payloadLength);
            cs.reserved = payloadLength;
            cs.partial = alloc.buffer(payloadLength, messageLength);
            cs.received = 0;
        } else if (cs.reserved - cs.received < payloadLength) {
            int grown = (int) Math.min(cs.messageLength, Math.max(2L * cs.reserved, (long) cs.received + payloadLength));
            reserve(chunkStreamId, grown - cs.reserved);
            cs.reserved = grown;
            cs.partial.capacity(grown);
        }
        cs.partial.writeBytes(in, payloadLength);
        cs.received += payloadLength;
        if (cs.received == cs.messageLength) {
            ByteBuf payload = cs.partial;
            unreserve(cs);
            cs.partial = null;
            cs.received = 0;
            emit(chunkStreamId, cs, payload, out);
        }
        return true;
    }

    /** Reserves {@code bytes} more for a partial message, or fails the decoder naming the limit. */
    private void reserve(int chunkStreamId, int bytes) {
        if (bufferedBytes + bytes > maxBufferedBytes) {
            throw fail("chunkStreamId " + chunkStreamId + ": incomplete messages would hold " + (bufferedBytes + bytes)
                    + " bytes (expected: <= " + maxBufferedBytes + " per connection)");
        }
        if (budget != null && !budget.tryReserve(bytes, budgetPriority)) {
            throw fail("chunkStreamId " + chunkStreamId + ": incomplete messages of all connections hold "
                    + budget.usedBytes() + " bytes, no room for " + bytes + " more (expected: <= "
                    + (budgetPriority ? budget.limitBytes() : budget.limitBytes() - budget.priorityReserveBytes()) + ")");
        }
        bufferedBytes += bytes;
    }

    private void unreserve(ChunkStream cs) {
        bufferedBytes -= cs.reserved;
        if (budget != null) {
            budget.release(cs.reserved);
        }
        cs.reserved = 0;
    }

    private long unwrap(long timestamp32) {
        if (!haveTimestamp) {
            return timestamp32;
        }
        long t = lastTimestamp + (int) (timestamp32 - lastTimestamp); // nearest value with these low 32 bits
        return t < 0 ? timestamp32 : t;
    }

    private void emit(int chunkStreamId, ChunkStream cs, ByteBuf payload, List<? super RtmpMessage> out) {
        RtmpMessage message = new RtmpMessage(chunkStreamId, cs.messageTypeId, cs.messageStreamId, cs.timestamp, payload);
        if (cs.messageTypeId == SET_CHUNK_SIZE || cs.messageTypeId == ABORT) {
            if (payload.readableBytes() < 4) {
                message.release();
                throw fail("chunkStreamId " + chunkStreamId + ": messageTypeId " + cs.messageTypeId
                        + " payload length: " + payload.readableBytes() + " (expected: >= 4)");
            }
            int value = payload.getInt(payload.readerIndex());
            if (cs.messageTypeId == ABORT) {
                abort(value);
            } else if (value < 1 || value > config.maxChunkSize()) { // bit 0 set reads negative: rejected (§5.4.1)
                message.release();
                throw fail("SetChunkSize: " + chunkSizeError(value));
            } else {
                chunkSize = value;
            }
        }
        out.add(message);
    }

    /**
     * Drops the partially received message of a chunk stream, as an Abort message (§5.4.2) asks.
     * The decoder applies Abort messages itself; unknown ids are ignored.
     *
     * @param chunkStreamId the chunk stream whose partial message to drop
     */
    public void abort(int chunkStreamId) {
        ChunkStream cs = streams.get(chunkStreamId);
        if (cs != null && cs.partial != null) {
            unreserve(cs);
            cs.partial.release();
            cs.partial = null;
            cs.received = 0;
        }
    }

    private RtmpProtocolException fail(String message) {
        close();
        return new RtmpProtocolException(message);
    }

    /** Releases partial messages; the decoder accepts no more input. Idempotent. */
    @Override
    public void close() {
        failed = true;
        for (ChunkStream cs : streams.values()) {
            if (cs.partial != null) {
                unreserve(cs);
                cs.partial.release();
                cs.partial = null;
            }
        }
    }
}
