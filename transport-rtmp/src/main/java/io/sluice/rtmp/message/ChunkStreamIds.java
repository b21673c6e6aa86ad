package io.sluice.rtmp.message;

/**
 * Conventional chunk stream ids, as ffmpeg (rtmppkt.h) and OBS use them. Only 2 is fixed by the
 * spec (§5.4: protocol control messages); the others are free choices, any of 3..65599 works.
 */
public final class ChunkStreamIds {
    /** Protocol control and user control messages (spec §5.4, §6.2). */
    public static final int PROTOCOL_CONTROL = 2;
    /** NetConnection commands: connect, createStream, releaseStream, FCPublish, deleteStream. */
    public static final int COMMAND = 3;
    /** Audio messages. */
    public static final int AUDIO = 4;
    /** Video messages. */
    public static final int VIDEO = 6;
    /** NetStream commands and data: publish, play, {@code @setDataFrame}. */
    public static final int STREAM = 8;

    private ChunkStreamIds() {
    }
}
