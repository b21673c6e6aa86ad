package io.sluice.rtmp.message;

/**
 * RTMP message type ids (the {@code messageTypeId} byte of a chunk message header).
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#54-protocol-control-messages">RTMP spec §5.4 (1–6), §7.1 (8–22)</a>
 */
public final class MessageTypeId {
    /** Set Chunk Size (§5.4.1). */
    public static final int SET_CHUNK_SIZE = 1;
    /** Abort Message (§5.4.2). */
    public static final int ABORT = 2;
    /** Acknowledgement (§5.4.3). */
    public static final int ACKNOWLEDGEMENT = 3;
    /** User Control Message (§6.2, §7.1.7). */
    public static final int USER_CONTROL = 4;
    /** Window Acknowledgement Size (§5.4.4). */
    public static final int WINDOW_ACKNOWLEDGEMENT_SIZE = 5;
    /** Set Peer Bandwidth (§5.4.5). */
    public static final int SET_PEER_BANDWIDTH = 6;
    /** Audio message (§7.1.5): an FLV audio tag body. */
    public static final int AUDIO = 8;
    /** Video message (§7.1.5): an FLV video tag body. */
    public static final int VIDEO = 9;
    /** Data message, AMF3 (§7.1.2). */
    public static final int DATA_AMF3 = 15;
    /** Shared object message, AMF3 (§7.1.3). */
    public static final int SHARED_OBJECT_AMF3 = 16;
    /** Command message, AMF3 (§7.1.1): a 0x00 format byte, then AMF0 values. */
    public static final int COMMAND_AMF3 = 17;
    /** Data message, AMF0 (§7.1.2), e.g. {@code @setDataFrame}/{@code onMetaData}. */
    public static final int DATA_AMF0 = 18;
    /** Shared object message, AMF0 (§7.1.3). */
    public static final int SHARED_OBJECT_AMF0 = 19;
    /** Command message, AMF0 (§7.1.1), e.g. {@code connect}, {@code publish}, {@code onStatus}. */
    public static final int COMMAND_AMF0 = 20;
    /** Aggregate message (§7.1.6). */
    public static final int AGGREGATE = 22;

    private MessageTypeId() {
    }

    /** Whether {@code messageTypeId} is a protocol control message (1–6) for {@link RtmpMessages#decodeControl}. */
    public static boolean isControl(int messageTypeId) {
        return messageTypeId >= SET_CHUNK_SIZE && messageTypeId <= SET_PEER_BANDWIDTH;
    }
}
