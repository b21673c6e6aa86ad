package io.sluice.rtmp.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.rtmp.handshake.RtmpHandshake;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RtmpHandshakeHandlerTest {
    /** Records user events and inbound bytes after the handshake. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();
        final StringBuilder bytes = new StringBuilder();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            bytes.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
    }

    private static void pump(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf b;
        while ((b = from.readOutbound()) != null) {
            to.writeInbound(b);
        }
    }

    @Test
    void clientAndServerCompleteAndPassOnWhatFollows() {
        Recorder clientRec = new Recorder();
        Recorder serverRec = new Recorder();
        EmbeddedChannel client = new EmbeddedChannel(new RtmpHandshakeHandler(RtmpHandshake.client(), Duration.ofSeconds(5)), clientRec);
        EmbeddedChannel server = new EmbeddedChannel(new RtmpHandshakeHandler(RtmpHandshake.server(), Duration.ofSeconds(5)), serverRec);
        pump(client, server); // C0+C1
        pump(server, client); // S0+S1+S2
        // The client pipelines its first chunk bytes right behind C2: the server must pass them on.
        ByteBuf c2 = client.readOutbound();
        ByteBuf both = Unpooled.wrappedBuffer(c2, Unpooled.copiedBuffer("chunks", StandardCharsets.ISO_8859_1));
        server.writeInbound(both);
        assertEquals(List.of(RtmpHandshakeHandler.RtmpHandshakeCompleted.INSTANCE), clientRec.events);
        assertEquals(List.of(RtmpHandshakeHandler.RtmpHandshakeCompleted.INSTANCE), serverRec.events);
        assertEquals("chunks", serverRec.bytes.toString());
        assertNull(client.pipeline().get(RtmpHandshakeHandler.class), "removed after completion");
        assertNull(server.pipeline().get(RtmpHandshakeHandler.class));
        assertFalse(client.finish());
        assertFalse(server.finish());
    }

    @Test
    void aSilentPeerTimesOut() throws InterruptedException {
        EmbeddedChannel server = new EmbeddedChannel(new RtmpHandshakeHandler(RtmpHandshake.server(), Duration.ofMillis(50)));
        Thread.sleep(80);
        server.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertFalse(server.isOpen(), "closed on timeout");
        try {
            server.checkException();
        } catch (Exception e) {
            assertTrue(e instanceof RtmpHandshakeHandler.HandshakeTimeoutException, e.toString());
        }
        server.finishAndReleaseAll();
    }

    @Test
    void aWrongVersionFailsTheChannel() {
        EmbeddedChannel server = new EmbeddedChannel(new RtmpHandshakeHandler(RtmpHandshake.server(), Duration.ofSeconds(5)));
        boolean failed = false;
        try {
            server.writeInbound(Unpooled.wrappedBuffer(new byte[] {6, 0, 0, 0}));
        } catch (Exception e) {
            failed = true;
            assertTrue(e.getMessage().contains("version"), e.getMessage());
        }
        assertTrue(failed);
        server.finishAndReleaseAll();
    }
}
