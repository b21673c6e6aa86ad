package io.sluice.rtmp.chunk;

/**
 * Limits a {@link ChunkDecoder} enforces on what a peer sends. Immutable; build with
 * {@link #builder()}. Every limit exists so that a hostile peer cannot make the decoder hold more
 * than {@code maxBufferedBytes} bytes of incomplete messages (whatever the number of chunk streams it
 * spreads them over), nor make the caller's buffer hold more than one chunk of {@code maxChunkSize}
 * bytes.
 */
public final class ChunkDecoderConfig {
    /** Default {@link #maxChunkSize()}: 65536 bytes (ffmpeg sends 4096, OBS 4096, nginx-rtmp up to 4096). */
    public static final int DEFAULT_MAX_CHUNK_SIZE = 65536;
    /** Default {@link #maxMessageSize()}: 8 MiB, above any sane video frame. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 8 << 20;
    /** Default {@link #maxChunkStreams()}: 64 (publishers use a handful: 2..8). */
    public static final int DEFAULT_MAX_CHUNK_STREAMS = 64;
    /** Default {@link #maxBufferedBytes()}: 16 MiB, two messages of the default maximum size. */
    public static final int DEFAULT_MAX_BUFFERED_BYTES = 16 << 20;
    /** Default {@link #maxCommandSize()}: 64 KiB (a connect from ffmpeg or OBS is under 1 KiB). */
    public static final int DEFAULT_MAX_COMMAND_SIZE = 64 << 10;

    private static final ChunkDecoderConfig DEFAULTS = builder().build();

    private final int maxChunkSize;
    private final int maxMessageSize;
    private final int maxChunkStreams;
    private final int maxBufferedBytes;
    private final int maxCommandSize;

    private ChunkDecoderConfig(Builder b) {
        this.maxChunkSize = b.maxChunkSize;
        this.maxMessageSize = b.maxMessageSize;
        this.maxChunkStreams = b.maxChunkStreams;
        this.maxBufferedBytes = b.maxBufferedBytes;
        this.maxCommandSize = b.maxCommandSize;
    }

    /**
     * The defaults: {@value #DEFAULT_MAX_CHUNK_SIZE}, {@value #DEFAULT_MAX_MESSAGE_SIZE}, {@value #DEFAULT_MAX_CHUNK_STREAMS},
     * {@value #DEFAULT_MAX_BUFFERED_BYTES}, {@value #DEFAULT_MAX_COMMAND_SIZE}.
     */
    public static ChunkDecoderConfig defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder preloaded with this configuration. */
    public Builder toBuilder() {
        return new Builder().maxChunkSize(maxChunkSize).maxMessageSize(maxMessageSize).maxChunkStreams(maxChunkStreams)
                .maxBufferedBytes(maxBufferedBytes).maxCommandSize(maxCommandSize);
    }

    /** Largest chunk size a peer may set with SetChunkSize, in bytes. */
    public int maxChunkSize() {
        return maxChunkSize;
    }

    /** Largest message length accepted, in bytes; checked against the header before allocating. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** Most chunk stream ids the peer may use on one connection (each keeps header state). */
    public int maxChunkStreams() {
        return maxChunkStreams;
    }

    /**
     * Most bytes of incomplete messages the decoder may hold at once, summed over its chunk streams
     * (the capacity of their reassembly buffers); a chunk that would go past it fails the decoder.
     */
    public int maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /**
     * Largest command, data or shared-object message (types 15..20: AMF0/AMF3 commands such as
     * {@code connect}, {@code @setDataFrame} metadata), in bytes; checked against the header.
     */
    public int maxCommandSize() {
        return maxCommandSize;
    }

    @Override
    public String toString() {
        return "ChunkDecoderConfig{maxChunkSize=" + maxChunkSize + ", maxMessageSize=" + maxMessageSize
                + ", maxChunkStreams=" + maxChunkStreams + ", maxBufferedBytes=" + maxBufferedBytes
                + ", maxCommandSize=" + maxCommandSize + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private int maxChunkSize = DEFAULT_MAX_CHUNK_SIZE;
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int maxChunkStreams = DEFAULT_MAX_CHUNK_STREAMS;
        private int maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
        private int maxCommandSize = DEFAULT_MAX_COMMAND_SIZE;

        private Builder() {
        }

        /**
         * @param maxChunkSize bytes, 128..0x7FFFFFFF (the spec's maximum); default {@value #DEFAULT_MAX_CHUNK_SIZE}
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxChunkSize(int maxChunkSize) {
            if (maxChunkSize < ChunkDecoder.DEFAULT_CHUNK_SIZE) {
                throw new IllegalArgumentException("maxChunkSize: " + maxChunkSize + " (expected: 128..2147483647)");
            }
            this.maxChunkSize = maxChunkSize;
            return this;
        }

        /**
         * @param maxMessageSize bytes, 1..16777215 (the 3-byte length field); default 8 MiB
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxMessageSize(int maxMessageSize) {
            if (maxMessageSize < 1 || maxMessageSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
                throw new IllegalArgumentException("maxMessageSize: " + maxMessageSize + " (expected: 1..16777215)");
            }
            this.maxMessageSize = maxMessageSize;
            return this;
        }

        /**
         * @param maxChunkStreams 1..65598 distinct chunk stream ids; default {@value #DEFAULT_MAX_CHUNK_STREAMS}
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxChunkStreams(int maxChunkStreams) {
            if (maxChunkStreams < 1 || maxChunkStreams > RtmpMessage.MAX_CHUNK_STREAM_ID - 1) {
                throw new IllegalArgumentException("maxChunkStreams: " + maxChunkStreams + " (expected: 1..65598)");
            }
            this.maxChunkStreams = maxChunkStreams;
            return this;
        }

        /**
         * @param maxBufferedBytes bytes of incomplete messages held at once, 1..2^31-1; default 16 MiB
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxBufferedBytes(int maxBufferedBytes) {
            if (maxBufferedBytes < 1) {
                throw new IllegalArgumentException("maxBufferedBytes: " + maxBufferedBytes + " (expected: 1..2147483647)");
            }
            this.maxBufferedBytes = maxBufferedBytes;
            return this;
        }

        /**
         * @param maxCommandSize bytes of one command/data/shared-object message, 1..16777215; default 64 KiB
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxCommandSize(int maxCommandSize) {
            if (maxCommandSize < 1 || maxCommandSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
                throw new IllegalArgumentException("maxCommandSize: " + maxCommandSize + " (expected: 1..16777215)");
            }
            this.maxCommandSize = maxCommandSize;
            return this;
        }

        /** The configuration. */
        public ChunkDecoderConfig build() {
            return new ChunkDecoderConfig(this);
        }
    }
}
