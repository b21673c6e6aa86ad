package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP listener and the sessions waiting for ICE/DTLS are bounded: raw sockets from several
 * loopback addresses (127.0.0.x are distinct client addresses) against a real server.
 */
class WebRtcServerLimitsTest {
    private final StreamHub hub = StreamHub.create();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        hub.close();
    }

    private WebRtcServer server(WebRtcServer.Builder b) {
        WebRtcServer s = b.build();
        s.start();
        closeables.add(s);
        return s;
    }

    private Socket connect(WebRtcServer s, String local) throws IOException {
        Socket socket = new Socket(s.httpAddress().getAddress(), s.httpAddress().getPort(), InetAddress.getByName(local), 0);
        socket.setSoTimeout(3000);
        closeables.add(socket);
        return socket;
    }

    /** Reads until the server closes; returns what it sent, or null if it did not close within {@code ms}. */
    private static String readUntilClosed(Socket s, long ms) throws IOException {
        long end = System.nanoTime() + ms * 1_000_000;
        InputStream in = s.getInputStream();
        StringBuilder got = new StringBuilder();
        byte[] buf = new byte[4096];
        while (System.nanoTime() < end) {
            s.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
            try {
                int n = in.read(buf);
                if (n < 0) {
                    return got.toString();
                }
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            } catch (SocketTimeoutException e) {
                return null;
            } catch (SocketException e) {
                return got.toString(); // reset
            }
        }
        return null;
    }

    private static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void await(String what, long ms, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aRequestSentAByteAtATimeIsClosedByTheRequestTimeout() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub).httpRequestTimeout(Duration.ofMillis(600)));
        Socket s = connect(server, "127.0.0.1");
        long t0 = System.nanoTime();
        String request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100);
        String got = null;
        for (int i = 0; i < request.length() && got == null; i++) {
            try {
                write(s, request.substring(i, i + 1));
            } catch (IOException closed) {
                got = "";
                break;
            }
            got = readUntilClosed(s, 50);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(got != null, "still open after " + ms + " ms");
        assertEquals("", got, "no response to an incomplete request");
        assertTrue(ms < 2000, "closed after " + ms + " ms");
        assertEquals(1, server.httpLimits().closedByTimeout());
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub).httpIdleTimeout(Duration.ofMillis(500)));
        Socket silent = connect(server, "127.0.0.1");
        Socket kept = connect(server, "127.0.0.1");
        write(kept, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        long t0 = System.nanoTime();
        assertTrue(readUntilClosed(silent, 2000) != null, "a connection that never sent anything stays open");
        String got = readUntilClosed(kept, 2000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(got != null && got.startsWith("HTTP/1.1 200"), "kept-alive connection answered, then closed: " + got);
        assertTrue(ms >= 400 && ms < 1500, "closed after " + ms + " ms");
        await("connections counted out", 2000, () -> server.httpLimits().openConnections() == 0);
    }

    @Test
    void connectionsAreBoundedInTotalAndPerAddress() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub).maxHttpConnections(6).maxHttpConnectionsPerAddress(4));
        for (int i = 0; i < 4; i++) {
            connect(server, "127.0.0.1");
        }
        await("4 open", 2000, () -> server.httpLimits().openConnections() == 4);
        String refused = readUntilClosed(connect(server, "127.0.0.1"), 2000);
        assertTrue(refused != null && refused.startsWith("HTTP/1.1 503"), "fifth from one address: " + refused);
        Socket other = connect(server, "127.0.0.2");
        write(other, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String page = readUntilClosed(other, 2000);
        assertTrue(page != null && page.startsWith("HTTP/1.1 200"), "another address is served: " + page);
        connect(server, "127.0.0.3");
        connect(server, "127.0.0.3");
        await("6 open", 2000, () -> server.httpLimits().openConnections() == 6);
        String full = readUntilClosed(connect(server, "127.0.0.4"), 2000);
        assertTrue(full != null && full.startsWith("HTTP/1.1 503"), "over the total: " + full);
        assertEquals(2, server.httpLimits().refusedConnections());
    }

    @Test
    void aMalformedRequestIsAnsweredAndClosed() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub));
        Socket s = connect(server, "127.0.0.1");
        write(s, "GET / HTTP/1.1\r\nHost: x\r\nBad header without colon\r\n" + "X: " + "y".repeat(20_000) + "\r\n\r\n");
        String got = readUntilClosed(s, 2000);
        assertTrue(got != null, "still open after a 400");
        assertTrue(got.startsWith("HTTP/1.1 400"), got);
    }

    @Test
    void aBodyOverTheLimitIsRefusedAndNotRead() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub));
        Socket s = connect(server, "127.0.0.1");
        write(s, "POST /whep/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 100000000\r\n\r\n"
                + "v=0\r\n".repeat(100));
        long t0 = System.nanoTime();
        String got = readUntilClosed(s, 2000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(got != null, "the server waits for the 100 MB body");
        assertTrue(got.startsWith("HTTP/1.1 413"), got);
        assertTrue(got.contains("connection: close") || got.contains("Connection: close"), got);
        assertTrue(ms < 1000, "closed after " + ms + " ms");
    }

    /** Chromium's WHIP offer (sendonly H.264 + Opus). */
    static String whipOffer() throws IOException {
        return sdp("chrome-whip-offer.sdp");
    }

    /** Chromium's WHEP offer (recvonly H.264 + Opus). */
    static String whepOffer() throws IOException {
        return sdp("chrome-whep-offer.sdp");
    }

    private static String sdp(String name) throws IOException {
        try (InputStream in = Objects.requireNonNull(WebRtcServerLimitsTest.class.getResourceAsStream("/io/sluice/webrtc/sdp/" + name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long dtlsThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("sluice-dtls-")).count();
    }

    @Test
    void sessionsWaitingForIceAreBoundedPerAddressExpireAndStartNoThread() throws Exception {
        WebRtcServer server = server(WebRtcServer.builder(hub).maxSessions(10).maxPendingSessionsPerAddress(3)
                .iceTimeout(Duration.ofSeconds(3))); // long enough that a loaded machine makes the four offers inside it
        String offer = whipOffer();
        long threadsBefore = dtlsThreads();
        InetSocketAddress flooder = new InetSocketAddress("127.0.0.5", 40000);
        for (int i = 0; i < 3; i++) {
            SignalingResponse r = server.offer(WebRtcEndpoint.WHIP, "s" + i, offer, null, flooder);
            assertEquals(201, r.status(), r.body());
        }
        SignalingResponse fourth = server.offer(WebRtcEndpoint.WHIP, "s3", offer, null, flooder);
        assertEquals(503, fourth.status());
        assertTrue(fourth.body().contains("too many sessions waiting for ICE/DTLS from 127.0.0.5 (limit 3)"), fourth.body());
        assertEquals(201, server.offer(WebRtcEndpoint.WHIP, "t", offer, null, new InetSocketAddress("127.0.0.6", 40000)).status(),
                "another address still gets a session");
        assertEquals(4, server.stats().sessions().size());
        assertEquals(threadsBefore, dtlsThreads(), "no DTLS thread for a session no peer has reached");
        await("pending sessions expired", 10_000, () -> server.stats().sessions().isEmpty());
        assertEquals(4, server.pendingSessionsExpired());
        assertEquals(201, server.offer(WebRtcEndpoint.WHIP, "s3", offer, null, flooder).status(), "room again after expiry");
    }
}
