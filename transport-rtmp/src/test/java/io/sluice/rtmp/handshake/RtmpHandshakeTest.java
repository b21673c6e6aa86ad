package io.sluice.rtmp.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RtmpHandshakeTest {

    private static byte[] drain(RtmpHandshake h) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = h.pollOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    /** Feeds {@code bytes} to {@code h} in pieces of {@code step}; returns the bytes left unread. */
    private static byte[] feed(RtmpHandshake h, byte[] bytes, int step) {
        ByteBuf rest = Unpooled.buffer();
        for (int i = 0; i < bytes.length; i += step) {
            ByteBuf piece = Unpooled.wrappedBuffer(bytes, i, Math.min(step, bytes.length - i));
            h.feed(piece);
            rest.writeBytes(piece);
            piece.release();
        }
        byte[] left = ByteBufUtil.getBytes(rest);
        rest.release();
        return left;
    }

    @Test
    @DisplayName("client and server against each other, byte-exact (§5.2.2–5.2.4)")
    void clientAgainstServer() {
        RtmpHandshake client = RtmpHandshake.client(0x01020304, new Random(1));
        RtmpHandshake server = RtmpHandshake.server(0x0a0b0c0d, new Random(2));

        byte[] c0c1 = drain(client);
        assertEquals(1 + 1536, c0c1.length);
        assertEquals(3, c0c1[0]);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0, 0, 0}, Arrays.copyOfRange(c0c1, 1, 9));
        assertEquals(0, drain(server).length);

        assertEquals(0, feed(server, c0c1, 100).length);
        byte[] s0s1s2 = drain(server);
        assertEquals(1 + 2 * 1536, s0s1s2.length);
        assertEquals(3, s0s1s2[0]);
        assertArrayEquals(new byte[] {10, 11, 12, 13, 0, 0, 0, 0}, Arrays.copyOfRange(s0s1s2, 1, 9));
        // S2: time = C1 time, time2 = server time, random echo of C1
        assertArrayEquals(new byte[] {1, 2, 3, 4, 10, 11, 12, 13}, Arrays.copyOfRange(s0s1s2, 1537, 1545));
        assertArrayEquals(Arrays.copyOfRange(c0c1, 9, 1537), Arrays.copyOfRange(s0s1s2, 1545, 3073));
        assertFalse(server.isComplete());

        // Client gets S0+S1+S2 plus pipelined chunk bytes; the extra bytes are left to the caller.
        byte[] withExtra = Arrays.copyOf(s0s1s2, s0s1s2.length + 3);
        withExtra[withExtra.length - 1] = 42;
        byte[] left = feed(client, withExtra, 7);
        assertArrayEquals(new byte[] {0, 0, 42}, left);
        assertTrue(client.isComplete());
        assertTrue(client.peerEchoMatched());
        byte[] c2 = drain(client);
        assertEquals(1536, c2.length);
        assertArrayEquals(new byte[] {10, 11, 12, 13, 1, 2, 3, 4}, Arrays.copyOfRange(c2, 0, 8));
        assertArrayEquals(Arrays.copyOfRange(s0s1s2, 9, 1537), Arrays.copyOfRange(c2, 8, 1536));

        byte[] c2AndChunk = Arrays.copyOf(c2, c2.length + 1);
        c2AndChunk[1536] = 3;
        assertArrayEquals(new byte[] {3}, feed(server, c2AndChunk, c2AndChunk.length));
        assertTrue(server.isComplete());
        assertTrue(server.peerEchoMatched());
        assertNull(server.pollOutbound());
    }

    @Test
    void byteByByte() {
        RtmpHandshake client = RtmpHandshake.client();
        RtmpHandshake server = RtmpHandshake.server();
        feed(server, drain(client), 1);
        feed(client, drain(server), 1);
        feed(server, drain(client), 1);
        assertTrue(client.isComplete());
        assertTrue(server.isComplete());
        assertTrue(client.peerEchoMatched() && server.peerEchoMatched());
    }

    @Test
    @DisplayName("a wrong echo completes but is reported; garbage with a bad version fails")
    void garbage() {
        RtmpHandshake client = RtmpHandshake.client();
        drain(client);
        byte[] junk = new byte[1 + 2 * 1536];
        new Random(5).nextBytes(junk);
        junk[0] = 3;
        feed(client, junk, 999);
        assertTrue(client.isComplete());
        assertFalse(client.peerEchoMatched());
        drain(client);

        RtmpHandshake server = RtmpHandshake.server();
        ByteBuf rtmpe = Unpooled.wrappedBuffer(new byte[] {6, 0, 0});
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> server.feed(rtmpe));
        assertEquals("RTMP version: 6 (expected: 3); RTMPE is not supported", e.getMessage());
        assertThrows(IllegalStateException.class, () -> server.feed(rtmpe));
        rtmpe.release();

        RtmpHandshake c2 = RtmpHandshake.client();
        ByteBuf http = Unpooled.wrappedBuffer("GET / HTTP/1.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals("RTMP version: 71 (expected: 3)", assertThrows(RtmpProtocolException.class, () -> c2.feed(http)).getMessage());
        http.release();
        assertNull(c2.pollOutbound()); // released on failure
    }

    @Test
    void truncatedHandshakeWaits() {
        RtmpHandshake server = RtmpHandshake.server();
        byte[] partial = new byte[1 + 1000];
        partial[0] = 3;
        feed(server, partial, 50);
        assertFalse(server.isComplete());
        assertNull(server.pollOutbound());
        server.releaseOutbound();
    }
}
