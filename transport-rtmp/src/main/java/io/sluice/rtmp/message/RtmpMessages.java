package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.amf.Amf0Decoder;
import io.sluice.rtmp.amf.Amf0Encoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes typed messages ({@link ControlMessage}, {@link CommandMessage}, {@link DataMessage})
 * into {@link RtmpMessage}s and decodes them back. Stateless and thread-safe.
 *
 * <p>Ownership: {@code encode*} return a new {@link RtmpMessage} owned by the caller;
 * {@code decode*} borrow the message (they neither release it nor move its reader index).
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">RTMP spec §5.4 (control), §6.2 (user control), §7.1 (command, data)</a>
 */
public final class RtmpMessages {
    private RtmpMessages() {
    }

    static void checkUnsigned32(String name, long value) {
        if (value < 0 || value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 0..4294967295)");
        }
    }

    /**
     * A control message on chunk stream 2, message stream 0, timestamp 0 (§5.4).
     *
     * @param message the message
     * @param alloc   allocator for the payload
     * @return a new message, owned by the caller
     */
    public static RtmpMessage encode(ControlMessage message, ByteBufAllocator alloc) {
        ByteBuf payload = alloc.buffer(10);
        message.writePayload(payload);
        return new RtmpMessage(ChunkStreamIds.PROTOCOL_CONTROL, message.messageTypeId(), 0, 0, payload);
    }

    /**
     * An AMF0 command message (type 20).
     *
     * @param message         the command
     * @param chunkStreamId   2..65599, e.g. {@link ChunkStreamIds#COMMAND} for NetConnection commands
     * @param messageStreamId 0 for NetConnection commands, the created stream id for publish/play
     * @param alloc           allocator for the payload
     * @return a new message with timestamp 0, owned by the caller
     * @throws IllegalArgumentException if a value has no AMF0 form
     */
    public static RtmpMessage encode(CommandMessage message, int chunkStreamId, int messageStreamId, ByteBufAllocator alloc) {
        ByteBuf payload = alloc.buffer();
        try {
            Amf0Encoder.writeAll(payload, message.name(), message.transactionId(), message.commandObject());
            for (Object a : message.arguments()) {
                Amf0Encoder.write(payload, a);
            }
            return new RtmpMessage(chunkStreamId, MessageTypeId.COMMAND_AMF0, messageStreamId, 0, payload);
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
    }

    /**
     * An AMF0 data message (type 18).
     *
     * @param message         the data message
     * @param chunkStreamId   2..65599, e.g. {@link ChunkStreamIds#STREAM}
     * @param messageStreamId the stream it belongs to
     * @param timestamp       ms, &ge; 0
     * @param alloc           allocator for the payload
     * @return a new message, owned by the caller
     * @throws IllegalArgumentException if a value has no AMF0 form
     */
    public static RtmpMessage encode(DataMessage message, int chunkStreamId, int messageStreamId, long timestamp,
                                     ByteBufAllocator alloc) {
        ByteBuf payload = alloc.buffer();
        try {
            Amf0Encoder.write(payload, message.handler());
            for (Object v : message.values()) {
                Amf0Encoder.write(payload, v);
            }
            return new RtmpMessage(chunkStreamId, MessageTypeId.DATA_AMF0, messageStreamId, timestamp, payload);
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
    }

    /**
     * Decodes a protocol or user control message (types 1–6).
     *
     * @param message borrowed
     * @throws RtmpProtocolException if the type is not 1–6 or the payload is too short
     */
    public static ControlMessage decodeControl(RtmpMessage message) {
        ByteBuf p = message.content();
        int i = p.readerIndex();
        int type = message.messageTypeId();
        switch (type) {
            case MessageTypeId.SET_CHUNK_SIZE -> {
                need(message, 4);
                int size = p.getInt(i);
                if (size < 1) {
                    throw new RtmpProtocolException("SetChunkSize: chunkSize: " + Integer.toUnsignedString(size)
                            + " (expected: 1..2147483647)");
                }
                return new SetChunkSize(size);
            }
            case MessageTypeId.ABORT -> {
                need(message, 4);
                return new Abort(p.getInt(i));
            }
            case MessageTypeId.ACKNOWLEDGEMENT -> {
                need(message, 4);
                return new Acknowledgement(p.getUnsignedInt(i));
            }
            case MessageTypeId.WINDOW_ACKNOWLEDGEMENT_SIZE -> {
                need(message, 4);
                return new WindowAcknowledgementSize(p.getUnsignedInt(i));
            }
            case MessageTypeId.SET_PEER_BANDWIDTH -> {
                need(message, 5);
                int limit = p.getUnsignedByte(i + 4);
                if (limit > 2) {
                    throw new RtmpProtocolException("SetPeerBandwidth: limit type: " + limit + " (expected: 0..2)");
                }
                return new SetPeerBandwidth(p.getUnsignedInt(i), SetPeerBandwidth.LimitType.values()[limit]);
            }
            case MessageTypeId.USER_CONTROL -> {
                need(message, 2);
                int event = p.getUnsignedShort(i);
                long data = p.readableBytes() >= 6 ? p.getUnsignedInt(i + 2) : 0;
                long buffer = event == UserControl.SET_BUFFER_LENGTH && p.readableBytes() >= 10 ? p.getUnsignedInt(i + 6) : 0;
                return new UserControl(event, data, buffer);
            }
            default -> throw new RtmpProtocolException("messageTypeId: " + type + " (expected: 1..6, a control message)");
        }
    }

    private static void need(RtmpMessage message, int length) {
        if (message.length() < length) {
            throw new RtmpProtocolException("messageTypeId " + message.messageTypeId() + ": payload length: "
                    + message.length() + " (expected: >= " + length + ")");
        }
    }

    /**
     * Decodes an AMF0 (type 20) or AMF3-wrapped (type 17, leading 0x00 format byte) command.
     *
     * @param message borrowed
     * @throws RtmpProtocolException if the type is wrong, the AMF0 is malformed, or the body does
     *                               not start with a String name and a Number transaction id
     */
    public static CommandMessage decodeCommand(RtmpMessage message) {
        List<Object> values = amfValues(message, MessageTypeId.COMMAND_AMF0, MessageTypeId.COMMAND_AMF3);
        if (values.size() < 2 || !(values.get(0) instanceof String name) || !(values.get(1) instanceof Double txn)) {
            throw new RtmpProtocolException("command message: expected a String name and a Number transaction id, got "
                    + (values.size() > 2 ? values.subList(0, 2) : values));
        }
        Object commandObject = values.size() > 2 ? values.get(2) : null;
        List<Object> args = values.size() > 3 ? values.subList(3, values.size()) : List.of();
        return new CommandMessage(name, txn, commandObject, args);
    }

    /**
     * Decodes an AMF0 (type 18) or AMF3-wrapped (type 15) data message.
     *
     * @param message borrowed
     * @throws RtmpProtocolException if the type is wrong, the AMF0 is malformed, or the first value is not a String
     */
    public static DataMessage decodeData(RtmpMessage message) {
        List<Object> values = amfValues(message, MessageTypeId.DATA_AMF0, MessageTypeId.DATA_AMF3);
        if (values.isEmpty() || !(values.get(0) instanceof String handler)) {
            throw new RtmpProtocolException("data message: expected a String handler name first");
        }
        return new DataMessage(handler, values.subList(1, values.size()));
    }

    private static List<Object> amfValues(RtmpMessage message, int amf0Type, int amf3Type) {
        int type = message.messageTypeId();
        if (type != amf0Type && type != amf3Type) {
            throw new RtmpProtocolException("messageTypeId: " + type + " (expected: " + amf0Type + " or " + amf3Type + ")");
        }
        ByteBuf body = message.content().duplicate();
        if (type == amf3Type && body.isReadable() && body.getByte(body.readerIndex()) == 0) {
            body.skipBytes(1); // AMF3 message wrappers start with a format byte 0 followed by AMF0 values
        }
        return new ArrayList<>(Amf0Decoder.DEFAULT.readAll(body));
    }
}
