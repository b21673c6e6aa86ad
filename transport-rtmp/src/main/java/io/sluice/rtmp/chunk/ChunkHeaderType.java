package io.sluice.rtmp.chunk;

/**
 * The four chunk message header formats, selected by the 2-bit {@code fmt} field of the chunk
 * basic header (RTMP spec §5.3.1.2). Each successive type drops fields that repeat the previous
 * chunk of the same chunk stream.
 *
 * <p>Every chunk starts with a basic header (§5.3.1.1): {@code fmt} (2 bits) and a chunk stream
 * id. Ids 2..63 fit in the first byte; 64..319 use a 2-byte form (first byte id 0, then
 * {@code id - 64}); 64..65599 a 3-byte form (first byte id 1, then {@code id - 64} little-endian).
 * <pre>
 *  0 1 2 3 4 5 6 7      0                   1                   2
 * +-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |fmt|   cs id   |    |fmt|     0     |   cs id - 64  |    |fmt|     1     |        cs id - 64             |
 * +-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * A 3-byte timestamp or delta of {@code 0xFFFFFF} means the real value follows the message
 * header as a 4-byte Extended Timestamp (§5.3.1.3).
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#5312-chunk-message-header">RTMP spec §5.3.1.2</a>
 */
public enum ChunkHeaderType {
    /**
     * Type 0, 11 bytes: starts a chunk stream and follows a timestamp that went backwards.
     * Timestamp is absolute, in ms; message stream id is little-endian.
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                   timestamp                   |message length |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |     message length (cont)     |message type id| msg stream id |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           message stream id (cont)            |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     */
    TYPE_0(0, 11),
    /**
     * Type 1, 7 bytes: same message stream id; carries the timestamp delta (ms), length and type.
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                timestamp delta                |message length |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |     message length (cont)     |message type id|
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     */
    TYPE_1(1, 7),
    /**
     * Type 2, 3 bytes: same stream id, length and type; carries only the timestamp delta (ms).
     * <pre>
     *  0                   1                   2
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                timestamp delta                |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * </pre>
     */
    TYPE_2(2, 3),
    /**
     * Type 3, no message header: a continuation chunk of the current message, or a new message
     * repeating the previous one's length, type, stream id and timestamp delta. If the last
     * type 0/1/2 header of the chunk stream used an Extended Timestamp, a type 3 chunk carries
     * the 4-byte Extended Timestamp too (§5.3.1.3; ffmpeg and nginx-rtmp do so).
     */
    TYPE_3(3, 0);

    private static final ChunkHeaderType[] BY_FMT = values();

    private final int fmt;
    private final int messageHeaderLength;

    ChunkHeaderType(int fmt, int messageHeaderLength) {
        this.fmt = fmt;
        this.messageHeaderLength = messageHeaderLength;
    }

    /** The 2-bit {@code fmt} value, 0..3. */
    public int fmt() {
        return fmt;
    }

    /** Bytes of the chunk message header, without basic header and extended timestamp: 11, 7, 3 or 0. */
    public int messageHeaderLength() {
        return messageHeaderLength;
    }

    /**
     * @param fmt the 2-bit field, 0..3
     * @return the header type
     * @throws IllegalArgumentException if {@code fmt} is not 0..3
     */
    public static ChunkHeaderType ofFmt(int fmt) {
        if (fmt < 0 || fmt > 3) {
            throw new IllegalArgumentException("fmt: " + fmt + " (expected: 0..3)");
        }
        return BY_FMT[fmt];
    }
}
