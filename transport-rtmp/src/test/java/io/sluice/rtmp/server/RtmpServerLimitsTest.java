package io.sluice.rtmp.server;

import static io.sluice.rtmp.server.RtmpServerTestSupport.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.SetChunkSize;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every quantity a peer controls is bounded, before and after {@code connect}: real sockets
 * against a real server, each attack asserting the connection is closed with a WARN line naming
 * the limit, and what the server holds stays under it.
 */
class RtmpServerLimitsTest {
    private final RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        log.close();
    }

    private RtmpServer server(RtmpServer.Builder b) throws IOException {
        RtmpServer s = b.bindAddress(InetAddress.getLoopbackAddress()).port(0).ioThreads(1).build().start();
        closeables.add(s);
        return s;
    }

    private RtmpServerTestSupport.RawClient client(RtmpServer s, String local) throws IOException {
        RtmpServerTestSupport.RawClient c = new RtmpServerTestSupport.RawClient(s.port(), InetAddress.getByName(local));
        closeables.add(c);
        return c;
    }

    /** A client from 127.0.0.1 past {@code connect} and {@code createStream} whose {@code publishOrPlay} was answered. */
    private RtmpServerTestSupport.RawClient onStream(RtmpServer s, CommandMessage publishOrPlay) throws IOException {
        RtmpServerTestSupport.RawClient c = client(s, "127.0.0.1");
        c.handshake();
        c.connect("live");
        c.awaitCommand("_result");
        c.command(Commands.createStream(2), 0);
        c.awaitCommand("_result");
        c.command(publishOrPlay, 1);
        c.awaitCommand("onStatus");
        return c;
    }

    /** The type 0 header and first {@code chunk} bytes of a {@code length}-byte video message on chunk stream {@code csid} (3..63). */
    private static byte[] firstChunk(int csid, int length, int chunk) {
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeByte(csid).writeMedium(0).writeMedium(length).writeByte(MessageTypeId.VIDEO).writeIntLE(1);
            b.writeZero(Math.min(chunk, length));
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            return bytes;
        } finally {
            b.release();
        }
    }

    private void assertOneWarning(RtmpServerTestSupport.RawClient c, String violation) throws InterruptedException {
        String port = ":" + c.socket.getLocalPort() + ":";
        awaitTrue("WARN line for " + violation, 3000, () -> !log.lines("WARN", port).isEmpty());
        List<String> lines = log.lines("WARN", port);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(violation), lines.get(0));
    }

    /** Sends {@code bytes}, ignoring a reset by a server that closed already. */
    private static void sendIgnoringClose(RtmpServerTestSupport.RawClient c, byte[] bytes) {
        try {
            c.raw(bytes);
        } catch (IOException closed) {
            // the server closed while the attack was writing
        }
    }

    @Test
    void halfMessagesOnManyChunkStreamsBeforeConnectAreBoundedPerConnection() throws Exception {
        RtmpServer server = server(RtmpServer.builder());
        RtmpServerTestSupport.RawClient c = client(server, "127.0.0.1");
        c.handshake();
        c.send(new SetChunkSize(65536));
        AtomicLong most = new AtomicLong();
        for (int csid = 3; csid < 64; csid++) { // 61 messages of 8 MiB started, 64 KiB of each sent: 3.8 MiB unbounded
            sendIgnoringClose(c, firstChunk(csid, 8 << 20, 65536));
            most.accumulateAndGet(server.bufferedBytes(), Math::max);
        }
        assertTrue(c.awaitClosedByServer(3000), "connection not closed");
        assertOneWarning(c, "(expected: <= 65536 per connection)");
        assertTrue(most.get() <= RtmpServer.DEFAULT_MAX_BUFFERED_BYTES_BEFORE_CONNECT, "held " + most.get());
        awaitTrue("bytes given back", 2000, () -> server.bufferedBytes() == 0);
    }

    @Test
    void halfMessagesOfAllConnectionsAreBoundedInTotalAndCannotCrowdOutAPublisher() throws Exception {
        RtmpServer server = server(RtmpServer.builder().maxBufferedBytesTotal(1 << 20));
        RtmpServerTestSupport.RawClient publisher = onStream(server, Commands.publish("x"));
        publisher.send(new SetChunkSize(65536));
        List<RtmpServerTestSupport.RawClient> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // connected, never publishing
            RtmpServerTestSupport.RawClient c = client(server, "127.0.0.1");
            c.handshake();
            c.connect("live");
            c.awaitCommand("_result");
            c.send(new SetChunkSize(65536));
            clients.add(c);
        }
        for (int i = 0; i < 2; i++) { // 6 x 64 KiB each: the 768 KiB that are not kept for publishers
            for (int csid = 3; csid < 9; csid++) {
                clients.get(i).raw(firstChunk(csid, 1 << 20, 65536));
            }
        }
        awaitTrue("768 KiB held", 3000, () -> server.bufferedBytes() == 768 << 10);
        RtmpServerTestSupport.RawClient third = clients.get(2);
        sendIgnoringClose(third, firstChunk(3, 1 << 20, 65536));
        assertTrue(third.awaitClosedByServer(3000), "third connection not closed");
        assertOneWarning(third, "of all connections hold 786432 bytes, no room for 65536 more (expected: <= 786432)");
        assertFalse(clients.get(0).awaitClosedByServer(300), "the first connections stay open");
        assertFalse(clients.get(1).awaitClosedByServer(10));
        assertEquals(768 << 10, server.bufferedBytes());

        // the publisher's frames still find room: the last 256 KiB are kept for it
        for (int csid = 4; csid < 8; csid++) {
            publisher.raw(firstChunk(csid, 1 << 20, 65536));
        }
        awaitTrue("the whole 1 MiB held", 3000, () -> server.bufferedBytes() == 1 << 20);
        assertFalse(publisher.awaitClosedByServer(300), "the publisher stays connected");
        // and past the whole budget, it is closed too
        sendIgnoringClose(publisher, firstChunk(8, 1 << 20, 65536));
        assertTrue(publisher.awaitClosedByServer(3000), "publisher past the total not closed");
        assertOneWarning(publisher, "of all connections hold 1048576 bytes, no room for 65536 more (expected: <= 1048576)");
        assertEquals(768 << 10, server.bufferedBytes());
    }

    @Test
    void aHugeConnectIsRefusedOnItsHeader() throws Exception {
        RtmpServer server = server(RtmpServer.builder());
        RtmpServerTestSupport.RawClient c = client(server, "127.0.0.1");
        c.handshake();
        // an 8 MB AMF0 command on chunk stream 3: header and the first 128 bytes
        ByteBuf b = Unpooled.buffer();
        b.writeByte(3).writeMedium(0).writeMedium(8_000_000).writeByte(MessageTypeId.COMMAND_AMF0).writeIntLE(0).writeZero(128);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        sendIgnoringClose(c, bytes);
        assertTrue(c.awaitClosedByServer(3000));
        assertOneWarning(c, "messageTypeId 20 messageLength: 8000000 (expected: <= 65536 for a command or data message)");
        assertEquals(0, server.bufferedBytes());
    }

    @Test
    void aLongAppIsRefusedAndNotEchoed() throws Exception {
        RtmpServer server = server(RtmpServer.builder());
        RtmpServerTestSupport.RawClient c = client(server, "127.0.0.1");
        c.handshake();
        c.connect("a".repeat(5000) + "?token=" + "x".repeat(10_000));
        CommandMessage error = c.awaitCommand("_error");
        NetStatus status = NetStatus.fromInfoObject((Map<?, ?>) error.argument(0).orElseThrow());
        assertEquals(NetStatus.CONNECT_REJECTED, status.code());
        assertTrue(status.description().length() < 300, status.description());
        assertTrue(status.description().contains("of 5000 chars with a query of 10006 chars"), status.description());
        assertTrue(c.awaitClosedByServer(3000));
    }

    @Test
    void aRefusedStreamKeyIsNotEchoed() throws Exception {
        RtmpServer server = server(RtmpServer.builder());
        RtmpServerTestSupport.RawClient c = client(server, "127.0.0.1");
        c.handshake();
        c.connect("live");
        c.awaitCommand("_result");
        String key = "!".repeat(30_000);
        c.command(Commands.fcPublish(2, key), 0);
        CommandMessage fc = c.awaitCommand("onFCPublish");
        assertTrue(NetStatus.fromInfoObject((Map<?, ?>) fc.argument(0).orElseThrow()).description().length() < 100);
        c.command(Commands.createStream(3), 0);
        c.awaitCommand("_result");
        c.command(Commands.publish(key), 1);
        CommandMessage onStatus = c.awaitCommand("onStatus");
        NetStatus status = NetStatus.fromInfoObject((Map<?, ?>) onStatus.argument(0).orElseThrow());
        assertEquals(NetStatus.PUBLISH_BAD_NAME, status.code());
        assertTrue(status.description().length() < 200, status.description());
        assertTrue(c.awaitClosedByServer(3000));
        List<String> lines = log.lines("publish refused: invalid stream name", ":" + c.socket.getLocalPort());
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).length() < 400, "the log line does not repeat the key either");
    }

    @Test
    void aByteNowAndThenDoesNotKeepAConnectionOpen() throws Exception {
        RtmpServer server = server(RtmpServer.builder().idleTimeout(Duration.ofMillis(1000)));
        RtmpServerTestSupport.RawClient c = onStream(server, Commands.play("nobody-publishes-this"));
        long t0 = System.nanoTime();
        // a 1000-byte video message, one byte every 200 ms: never complete
        byte[] header = firstChunk(6, 1000, 0);
        sendIgnoringClose(c, header);
        boolean closed = false;
        for (int i = 0; i < 20 && !closed; i++) {
            sendIgnoringClose(c, new byte[] {0});
            closed = c.awaitClosedByServer(200);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closed, "still open after " + ms + " ms");
        assertTrue(ms < 2500, "closed after " + ms + " ms");
        assertOneWarning(c, "idle: nothing received or sent for");
    }

    @Test
    void silentConnectionsCloseAtTheirTimeouts() throws Exception {
        RtmpServer server = server(RtmpServer.builder().handshakeTimeout(Duration.ofMillis(500)).idleTimeout(Duration.ofMillis(1000)));
        RtmpServerTestSupport.RawClient noConnect = client(server, "127.0.0.1");
        noConnect.handshake();
        long t0 = System.nanoTime();
        assertTrue(noConnect.awaitClosedByServer(3000));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 450 && ms < 1200, "closed after " + ms + " ms");
        assertOneWarning(noConnect, "no connect within 500 ms of the handshake");

        // a player of a stream nobody publishes that never answers the server's PingRequest
        RtmpServerTestSupport.RawClient silent = client(server, "127.0.0.1");
        silent.handshake();
        silent.connect("live");
        silent.command(Commands.createStream(2), 0);
        silent.command(Commands.play("nobody-publishes-this"), 1);
        silent.awaitCommand("onStatus");
        t0 = System.nanoTime();
        assertTrue(silent.awaitClosedByServer(3000));
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 800 && ms < 1400, "closed after " + ms + " ms (idle timeout 1000 ms; the ping must not count)");
        assertOneWarning(silent, "idle: nothing received or sent for");

        RtmpServerTestSupport.RawClient neither = client(server, "127.0.0.1");
        neither.handshake();
        neither.connect("live");
        neither.awaitCommand("_result");
        for (int i = 0; i < 8 && !neither.awaitClosedByServer(250); i++) {
            neither.send(io.sluice.rtmp.message.UserControl.pingRequest(i)); // answers keep it from being idle
        }
        assertOneWarning(neither, "neither publish nor play within 1000 ms of connect");
    }

    @Test
    void oneAddressCannotTakeEveryConnection() throws Exception {
        RtmpServer server = server(RtmpServer.builder().maxConnectionsPerAddress(3).maxConnections(10));
        for (int i = 0; i < 3; i++) {
            client(server, "127.0.0.1").handshake();
        }
        RtmpServerTestSupport.RawClient fourth = client(server, "127.0.0.1");
        assertTrue(fourth.awaitClosedByServer(3000));
        assertOneWarning(fourth, "too many connections from 127.0.0.1 (expected: <= 3 per address)");
        RtmpServerTestSupport.RawClient other = client(server, "127.0.0.2");
        other.handshake();
        other.connect("live");
        other.awaitCommand("_result");
        assertEquals(4, server.connectionCount());
    }
}
