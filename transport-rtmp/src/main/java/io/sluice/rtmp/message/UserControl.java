package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * User Control Message (type 4, §6.2 and §7.1.7). Payload: 16-bit event type, then event data:
 * a 32-bit value (a message stream id, or a timestamp for pings), plus a 32-bit buffer length in
 * ms for SetBufferLength. Unknown event types are kept as they are.
 *
 * @param eventType    event type, 0..65535 (see the constants)
 * @param eventData    the first 32-bit event data field (stream id or timestamp), unsigned
 * @param bufferLength ms, only for {@link #SET_BUFFER_LENGTH}; 0 otherwise
 */
public record UserControl(int eventType, long eventData, long bufferLength) implements ControlMessage {
    /** Stream Begin (0): the stream id in {@code eventData} became functional. */
    public static final int STREAM_BEGIN = 0;
    /** Stream EOF (1): playback of the stream id in {@code eventData} is over. */
    public static final int STREAM_EOF = 1;
    /** StreamDry (2): no more data on the stream for now. */
    public static final int STREAM_DRY = 2;
    /** SetBufferLength (3): client buffer length in ms for a stream id. */
    public static final int SET_BUFFER_LENGTH = 3;
    /** StreamIsRecorded (4). */
    public static final int STREAM_IS_RECORDED = 4;
    /** PingRequest (6): {@code eventData} is the server's timestamp, echoed in a PingResponse. */
    public static final int PING_REQUEST = 6;
    /** PingResponse (7): echoes the PingRequest timestamp. */
    public static final int PING_RESPONSE = 7;

    /** @throws IllegalArgumentException if a field is out of range */
    public UserControl {
        if (eventType < 0 || eventType > 0xFFFF) {
            throw new IllegalArgumentException("eventType: " + eventType + " (expected: 0..65535)");
        }
        RtmpMessages.checkUnsigned32("eventData", eventData);
        RtmpMessages.checkUnsigned32("bufferLength", bufferLength);
    }

    /** Stream Begin for a message stream id. */
    public static UserControl streamBegin(long messageStreamId) {
        return new UserControl(STREAM_BEGIN, messageStreamId, 0);
    }

    /** Stream EOF for a message stream id. */
    public static UserControl streamEof(long messageStreamId) {
        return new UserControl(STREAM_EOF, messageStreamId, 0);
    }

    /** SetBufferLength for a message stream id, in ms. */
    public static UserControl setBufferLength(long messageStreamId, long bufferLengthMs) {
        return new UserControl(SET_BUFFER_LENGTH, messageStreamId, bufferLengthMs);
    }

    /** PingRequest with the sender's timestamp in ms (modulo 2<sup>32</sup>). */
    public static UserControl pingRequest(long timestampMs) {
        return new UserControl(PING_REQUEST, timestampMs & 0xFFFFFFFFL, 0);
    }

    /** The PingResponse answering {@code request}. */
    public static UserControl pingResponse(UserControl request) {
        return new UserControl(PING_RESPONSE, request.eventData, 0);
    }

    @Override
    public int messageTypeId() {
        return MessageTypeId.USER_CONTROL;
    }

    @Override
    public void writePayload(ByteBuf out) {
        out.writeShort(eventType);
        out.writeInt((int) eventData);
        if (eventType == SET_BUFFER_LENGTH) {
            out.writeInt((int) bufferLength);
        }
    }
}
