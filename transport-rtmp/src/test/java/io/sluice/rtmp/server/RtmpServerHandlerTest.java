package io.sluice.rtmp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.chunk.ChunkDecoder;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.netty.RtmpChunkDecoder;
import io.sluice.rtmp.netty.RtmpChunkEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Netty adapter on an EmbeddedChannel: chunk bytes in, chunk bytes out, violations close. */
class RtmpServerHandlerTest {
    private final StreamHub hub = StreamHub.create();
    private final ChunkEncoder clientEncoder = new ChunkEncoder();
    private final ChunkDecoder clientDecoder = new ChunkDecoder();

    @AfterEach
    void tearDown() {
        clientDecoder.close();
        hub.close();
    }

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new RtmpChunkDecoder(), new RtmpChunkEncoder(),
                new RtmpServerHandler(ServerSettings.defaults(), hub, new ConcurrentHashMap<>(), new java.util.concurrent.atomic.LongAdder()));
    }

    private void send(EmbeddedChannel ch, RtmpMessage m) {
        ByteBuf b = Unpooled.buffer();
        try {
            clientEncoder.encode(m, b);
        } finally {
            m.release();
        }
        ch.writeInbound(b);
    }

    private List<CommandMessage> receivedCommands(EmbeddedChannel ch) {
        List<Object> msgs = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            try {
                clientDecoder.decode(b, msgs);
            } finally {
                b.release();
            }
        }
        List<CommandMessage> commands = new ArrayList<>();
        for (Object o : msgs) {
            RtmpMessage m = (RtmpMessage) o;
            try {
                if (m.messageTypeId() == MessageTypeId.COMMAND_AMF0) {
                    commands.add(RtmpMessages.decodeCommand(m));
                }
            } finally {
                m.release();
            }
        }
        return commands;
    }

    @Test
    void connectCreateStreamAndPublishOverChunks() {
        EmbeddedChannel ch = channel();
        send(ch, RtmpMessages.encode(Commands.connect(1, "live", "rtmp://127.0.0.1/live"), 3, 0, ByteBufAllocator.DEFAULT));
        send(ch, RtmpMessages.encode(Commands.createStream(2), 3, 0, ByteBufAllocator.DEFAULT));
        send(ch, RtmpMessages.encode(Commands.publish("x"), 8, 1, ByteBufAllocator.DEFAULT));
        List<CommandMessage> commands = receivedCommands(ch);
        assertEquals(NetStatus.CONNECT_SUCCESS, commands.get(0).status().orElseThrow().code());
        assertEquals(1.0, commands.get(1).arguments().get(0), "stream id");
        assertEquals(NetStatus.PUBLISH_START, commands.get(2).status().orElseThrow().code());
        assertEquals(4096, clientDecoder.chunkSize(), "the server announced its chunk size");
        assertTrue(ch.isOpen());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aViolationClosesTheChannelWithOneWarning() {
        try (RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture()) {
            EmbeddedChannel ch = channel();
            // SetChunkSize 0 on chunk stream 2 (§5.4.1: must be >= 1), followed by more bytes.
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0}));
            assertFalse(ch.isOpen(), "closed");
            List<String> lines = log.lines("WARN", "disconnected", "chunkSize: 0");
            assertEquals(1, lines.size(), String.join("\n", log.lines("WARN")));
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aRefusedPublisherIsAnsweredThenClosed() {
        EmbeddedChannel ch = channel();
        send(ch, RtmpMessages.encode(Commands.connect(1, "live", "rtmp://127.0.0.1/live"), 3, 0, ByteBufAllocator.DEFAULT));
        send(ch, RtmpMessages.encode(Commands.createStream(2), 3, 0, ByteBufAllocator.DEFAULT));
        send(ch, RtmpMessages.encode(Commands.publish("bad name!"), 8, 1, ByteBufAllocator.DEFAULT));
        List<CommandMessage> commands = receivedCommands(ch);
        NetStatus status = commands.get(commands.size() - 1).status().orElseThrow();
        assertEquals(NetStatus.PUBLISH_BAD_NAME, status.code());
        ch.runPendingTasks();
        assertFalse(ch.isOpen(), "closed after the answer was flushed");
        ch.finishAndReleaseAll();
    }
}
