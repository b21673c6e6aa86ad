package io.sluice.rtmp.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.amf.Amf0;
import io.sluice.rtmp.chunk.RtmpMessage;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RtmpMessagesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static String encodeHex(ControlMessage m) {
        RtmpMessage msg = RtmpMessages.encode(m, ALLOC);
        try {
            assertEquals(2, msg.chunkStreamId());
            assertEquals(0, msg.messageStreamId());
            assertEquals(m.messageTypeId(), msg.messageTypeId());
            assertEquals(m, RtmpMessages.decodeControl(msg));
            return ByteBufUtil.hexDump(msg.content());
        } finally {
            msg.release();
        }
    }

    @Test
    @DisplayName("control messages: known payloads (§5.4, §6.2) and round-trips")
    void controlMessages() {
        assertEquals("00001000", encodeHex(new SetChunkSize(4096)));
        assertEquals("00000006", encodeHex(new Abort(6)));
        assertEquals("ffffffff", encodeHex(new Acknowledgement(0xFFFFFFFFL)));
        assertEquals(new Acknowledgement(5), Acknowledgement.ofBytesReceived((1L << 32) + 5));
        assertEquals("004c4b40", encodeHex(new WindowAcknowledgementSize(5_000_000)));
        assertEquals("004c4b4002", encodeHex(new SetPeerBandwidth(5_000_000, SetPeerBandwidth.LimitType.DYNAMIC)));
        assertEquals("000000000001", encodeHex(UserControl.streamBegin(1)));
        assertEquals("00030000000100000bb8", encodeHex(UserControl.setBufferLength(1, 3000)));
        UserControl ping = UserControl.pingRequest(123456);
        assertEquals("00060001e240", encodeHex(ping));
        assertEquals(new UserControl(UserControl.PING_RESPONSE, 123456, 0), UserControl.pingResponse(ping));
        assertEquals("00070001e240", encodeHex(UserControl.pingResponse(ping)));
        assertEquals("001f00000001", encodeHex(new UserControl(31, 1, 0))); // unknown event types survive
    }

    @Test
    void controlMessageValidation() {
        assertThrows(IllegalArgumentException.class, () -> new SetChunkSize(0));
        assertThrows(IllegalArgumentException.class, () -> new Acknowledgement(-1));
        assertThrows(IllegalArgumentException.class, () -> new WindowAcknowledgementSize(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> new UserControl(70000, 0, 0));
        assertEquals("SetChunkSize: chunkSize: 2147483648 (expected: 1..2147483647)",
                decodeFails(1, "80000000").getMessage());
        assertEquals("messageTypeId 5: payload length: 2 (expected: >= 4)", decodeFails(5, "0001").getMessage());
        assertEquals("SetPeerBandwidth: limit type: 3 (expected: 0..2)", decodeFails(6, "0000000103").getMessage());
        assertTrue(decodeFails(8, "00").getMessage().contains("expected: 1..6"));
        assertTrue(MessageTypeId.isControl(4));
        assertFalse(MessageTypeId.isControl(8));
    }

    private static RtmpProtocolException decodeFails(int type, String hex) {
        RtmpMessage m = new RtmpMessage(2, type, 0, 0, Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex)));
        try {
            return assertThrows(RtmpProtocolException.class, () -> RtmpMessages.decodeControl(m));
        } finally {
            m.release();
        }
    }

    private static CommandMessage roundTrip(CommandMessage c) {
        RtmpMessage m = RtmpMessages.encode(c, ChunkStreamIds.COMMAND, 0, ALLOC);
        try {
            assertEquals(MessageTypeId.COMMAND_AMF0, m.messageTypeId());
            CommandMessage back = RtmpMessages.decodeCommand(m);
            assertEquals(c, back);
            return back;
        } finally {
            m.release();
        }
    }

    @Test
    @DisplayName("publisher command sequence round-trips (§7.2)")
    void commandsRoundTrip() {
        CommandMessage connect = roundTrip(Commands.connect(1, "live", "rtmp://127.0.0.1:1935/live"));
        assertEquals(List.of("app", "type", "flashVer", "tcUrl"), List.copyOf(((Map<?, ?>) connect.commandObject()).keySet()));
        roundTrip(Commands.releaseStream(2, "key?token=abc"));
        roundTrip(Commands.fcPublish(3, "key"));
        roundTrip(Commands.createStream(4));
        CommandMessage publish = roundTrip(Commands.publish("key"));
        assertEquals(List.of("key", "live"), publish.arguments());
        assertEquals(0.0, publish.transactionId());
        roundTrip(Commands.play("key"));
        roundTrip(Commands.fcUnpublish(5, "key"));
        roundTrip(Commands.deleteStream(6, 1));
    }

    @Test
    @DisplayName("server responses: _result of connect and createStream, onStatus, _error")
    void serverResponses() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("fmsVer", "FMS/3,0,1,123");
        props.put("capabilities", 31.0);
        NetStatus ok = new NetStatus(NetStatus.LEVEL_STATUS, NetStatus.CONNECT_SUCCESS, "Connection succeeded.");
        CommandMessage result = roundTrip(Commands.result(1, props, ok.toInfoObject()));
        assertTrue(result.isResult());
        assertEquals(ok, result.status().orElseThrow());

        CommandMessage created = roundTrip(Commands.result(4, null, 1.0));
        assertEquals(1.0, created.argument(0).orElseThrow());
        assertTrue(created.status().isEmpty());

        NetStatus bad = new NetStatus(NetStatus.LEVEL_ERROR, NetStatus.PUBLISH_BAD_NAME, "Already publishing");
        CommandMessage onStatus = roundTrip(Commands.onStatus(bad));
        assertEquals("onStatus", onStatus.name());
        assertTrue(onStatus.status().orElseThrow().isError());
        assertEquals("Already publishing", onStatus.status().orElseThrow().description());

        CommandMessage error = roundTrip(Commands.error(2, bad));
        assertTrue(error.isError());
        assertEquals(bad, error.status().orElseThrow());
    }

    @Test
    void malformedCommands() {
        RtmpMessage notAString = new RtmpMessage(3, 20, 0, 0, Unpooled.wrappedBuffer(HexFormat.of().parseHex("003ff0000000000000")));
        assertThrows(RtmpProtocolException.class, () -> RtmpMessages.decodeCommand(notAString));
        notAString.release();
        RtmpMessage truncated = new RtmpMessage(3, 20, 0, 0, Unpooled.wrappedBuffer(HexFormat.of().parseHex("020007636f6e")));
        assertThrows(RtmpProtocolException.class, () -> RtmpMessages.decodeCommand(truncated));
        truncated.release();
        RtmpMessage wrongType = new RtmpMessage(3, 18, 0, 0, Unpooled.EMPTY_BUFFER);
        assertThrows(RtmpProtocolException.class, () -> RtmpMessages.decodeCommand(wrongType));
        wrongType.release();
    }

    @Test
    void amf3WrappedCommandIsRead() {
        RtmpMessage c = RtmpMessages.encode(Commands.createStream(2), 3, 0, ALLOC);
        RtmpMessage amf3 = new RtmpMessage(3, MessageTypeId.COMMAND_AMF3, 0, 0,
                Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(new byte[] {0}), c.content().retain()));
        c.release();
        assertEquals(Commands.createStream(2), RtmpMessages.decodeCommand(amf3));
        amf3.release();
    }

    @Test
    @DisplayName("@setDataFrame onMetaData as an ECMA array")
    void setDataFrame() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("width", 1280.0);
        meta.put("height", 720.0);
        meta.put("videocodecid", 7.0);
        meta.put("audiocodecid", 10.0);
        DataMessage data = Commands.setDataFrame(meta);
        RtmpMessage m = RtmpMessages.encode(data, ChunkStreamIds.STREAM, 1, 0, ALLOC);
        try {
            assertEquals(MessageTypeId.DATA_AMF0, m.messageTypeId());
            assertEquals(Amf0.ECMA_ARRAY, m.content().getByte(m.content().readerIndex() + 3 + 13 + 3 + 10));
            DataMessage back = RtmpMessages.decodeData(m);
            assertEquals(data, back);
            assertInstanceOf(Amf0.EcmaArray.class, back.values().get(1));
            assertEquals(meta, back.metadata().orElseThrow());
        } finally {
            m.release();
        }
        assertEquals(meta, new DataMessage("onMetaData", List.of(meta)).metadata().orElseThrow());
        assertTrue(new DataMessage("onTextData", List.of()).metadata().isEmpty());
    }
}
