package io.sluice.core.netty.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.netty.NettyTransport;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a peer meets on the pipeline's clear port, over raw sockets (frames written and read by hand, headers
 * HPACK-coded by Netty's coder): the SETTINGS the server advertises, the stream beyond
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS} refused while the connection counts once, an oversized header list
 * answered 431, and HTTP/1.1 with the 404 tail on the same port.
 */
class HttpServerPipelineTest {
    static final int TYPE_DATA = 0x0;
    static final int TYPE_HEADERS = 0x1;
    static final int TYPE_RST_STREAM = 0x3;
    static final int TYPE_SETTINGS = 0x4;
    static final int TYPE_GOAWAY = 0x7;
    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int REFUSED_STREAM = 0x7;

    /** Answers GET /ok with 200 "ok"; passes everything else on (to the 404 tail). */
    @ChannelHandler.Sharable
    static final class Ok extends SimpleChannelInboundHandler<FullHttpRequest> {
        Ok() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.uri().equals("/ok")) {
                ctx.fireChannelRead(req);
                return;
            }
            req.release();
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
            ctx.writeAndFlush(r);
        }
    }

    EventLoopGroup group;
    HttpServerPipeline pipeline;
    Channel server;
    InetSocketAddress address;

    @BeforeEach
    void start() {
        group = NettyTransport.current().newEventLoopGroup(1, new DefaultThreadFactory("test-http", true));
        Ok ok = new Ok();
        pipeline = HttpServerPipeline.builder()
                .limits(new HttpConnectionGuard.Limits(16, 4, Duration.ofSeconds(10), Duration.ofSeconds(10)))
                .handler(() -> ok).build();
        server = pipeline.listen(group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        address = (InetSocketAddress) server.localAddress();
    }

    @AfterEach
    void stop() throws InterruptedException {
        // every connection closed and its streams' channels gone (their requests in aggregation released) before
        // the event loop stops
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (pipeline.limits().openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        group.submit(() -> { }).syncUninterruptibly(); // the child channels' inactive events run before this
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    record Frame(int type, int flags, int stream, byte[] payload) {
    }

    static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] h = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(h);
        out.write(payload);
    }

    static Frame readFrame(DataInputStream in) throws IOException {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, stream, payload);
    }

    static byte[] hpack(DefaultHttp2HeadersEncoder encoder, Http2Headers headers) throws Exception {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(1, headers, buf);
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } finally {
            buf.release();
        }
    }

    /** Opens a prior-knowledge HTTP/2 connection and returns the server's first SETTINGS parameters. */
    static Map<Integer, Long> handshake(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        writeFrame(out, TYPE_SETTINGS, 0, 0, new byte[0]);
        out.flush();
        Frame f = readFrame(new DataInputStream(s.getInputStream()));
        assertEquals(TYPE_SETTINGS, f.type(), "the server's preface is a SETTINGS frame (RFC 9113 §3.4)");
        Map<Integer, Long> settings = new HashMap<>();
        for (int i = 0; i + 6 <= f.payload().length; i += 6) {
            int id = ((f.payload()[i] & 0xff) << 8) | (f.payload()[i + 1] & 0xff);
            long v = ((f.payload()[i + 2] & 0xffL) << 24) | ((f.payload()[i + 3] & 0xff) << 16) | ((f.payload()[i + 4] & 0xff) << 8)
                    | (f.payload()[i + 5] & 0xff);
            settings.put(id, v);
        }
        return settings;
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("127.0.0.1");
    }

    @Test
    void advertisesItsBoundsAndRefusesTheStreamBeyondMaxConcurrentStreamsOnOneCountedConnection() throws Exception {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            Map<Integer, Long> settings = handshake(s);
            assertEquals(100L, settings.get(0x3), "SETTINGS_MAX_CONCURRENT_STREAMS in " + settings);
            assertEquals(8192L, settings.get(0x6), "SETTINGS_MAX_HEADER_LIST_SIZE in " + settings);
            OutputStream out = s.getOutputStream();
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
            // 100 requests with bodies still to come (no END_STREAM): all open at once; the 101st is refused
            for (int i = 0; i <= 100; i++) {
                writeFrame(out, TYPE_HEADERS, FLAG_END_HEADERS, 1 + 2 * i, hpack(encoder, request("POST", "/ok")));
            }
            // then a GET on a fresh stream id is refused too, while the 100 stay open
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Frame f;
            do {
                f = readFrame(in);
                assertTrue(f.type() != TYPE_GOAWAY, "the connection is not torn down");
                assertTrue(f.type() != TYPE_RST_STREAM || f.stream() == 201, "only stream 201 is reset, not " + f.stream());
            } while (f.type() != TYPE_RST_STREAM);
            assertEquals(201, f.stream());
            int error = ((f.payload()[0] & 0xff) << 24) | ((f.payload()[1] & 0xff) << 16) | ((f.payload()[2] & 0xff) << 8)
                    | (f.payload()[3] & 0xff);
            assertEquals(REFUSED_STREAM, error, "RST_STREAM REFUSED_STREAM (RFC 9113 §5.1.2)");
            assertEquals(1, pipeline.limits().openConnections(), "100 streams, one connection counted");
            // the open streams still complete: end stream 1's body and get its answer
            writeFrame(out, TYPE_DATA, FLAG_END_STREAM, 1, new byte[0]);
            out.flush();
            do {
                f = readFrame(in);
            } while (!(f.type() == TYPE_HEADERS && f.stream() == 1));
            assertEquals("200", decode(f).status().toString());
        }
    }

    static Http2Headers decode(Frame f) throws Exception {
        ByteBuf b = Unpooled.wrappedBuffer(f.payload());
        try {
            return new DefaultHttp2HeadersDecoder(false).decodeHeaders(f.stream(), b);
        } finally {
            b.release();
        }
    }

    @Test
    void anOversizedHeaderListGets431AndTheConnectionServesOn() throws Exception {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
            handshake(s);
            OutputStream out = s.getOutputStream();
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
            // 9,000 bytes: over the 8 KiB header list, under the 10 KiB at which Netty gives up the connection
            Http2Headers big = request("GET", "/ok").add("x-padding", "a".repeat(9_000));
            writeFrame(out, TYPE_HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, 1, hpack(encoder, big));
            writeFrame(out, TYPE_HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, 3, hpack(encoder, request("GET", "/ok")));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Map<Integer, String> status = new HashMap<>();
            while (status.size() < 2) {
                Frame f = readFrame(in);
                assertTrue(f.type() != TYPE_GOAWAY, "the connection is not torn down");
                if (f.type() == TYPE_HEADERS) {
                    status.put(f.stream(), decode(f).status().toString());
                }
            }
            assertEquals(Map.of(1, "431", 3, "200"), status);
        }
    }

    @Test
    void aStreamWhoseBodyNeverEndsIsResetAfterTheRequestTimeoutThoughTheConnectionStaysBusy() throws Exception {
        EventLoopGroup g = NettyTransport.current().newEventLoopGroup(1, new DefaultThreadFactory("test-http-timeout", true));
        Ok ok = new Ok();
        HttpServerPipeline short0 = HttpServerPipeline.builder()
                .limits(new HttpConnectionGuard.Limits(16, 4, Duration.ofMillis(500), Duration.ofSeconds(10)))
                .handler(() -> ok).build();
        Channel listener = short0.listen(g, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) listener.localAddress()).getPort())) {
            handshake(s);
            OutputStream out = s.getOutputStream();
            DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
            long t0 = System.nanoTime();
            writeFrame(out, TYPE_HEADERS, FLAG_END_HEADERS, 1, hpack(encoder, request("POST", "/ok")));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Frame f;
            int pings = 0;
            do {
                // the client keeps the connection busy (PING every 100 ms; the server answers each)
                writeFrame(out, 0x6, 0, 0, new byte[8]);
                out.flush();
                pings++;
                f = readFrame(in);
                Thread.sleep(f.type() == 0x6 ? 100 : 0);
            } while (f.type() != TYPE_RST_STREAM && pings < 100);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(TYPE_RST_STREAM, f.type(), "stream 1 reset");
            assertEquals(1, f.stream());
            assertTrue(ms >= 450 && ms < 5000, "reset after " + ms + " ms (request timeout 500 ms)");
            assertEquals(1, short0.limits().closedByTimeout());
            // the connection serves on
            writeFrame(out, TYPE_HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, 3, hpack(encoder, request("GET", "/ok")));
            out.flush();
            do {
                f = readFrame(in);
            } while (!(f.type() == TYPE_HEADERS && f.stream() == 3));
            assertEquals("200", decode(f).status().toString());
        } finally {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (short0.limits().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            g.submit(() -> { }).syncUninterruptibly();
            listener.close().syncUninterruptibly();
            g.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void http11AndThe404TailOnTheSamePort() throws Exception {
        HttpURLConnection ok = (HttpURLConnection) URI.create("http://127.0.0.1:" + address.getPort() + "/ok").toURL().openConnection();
        assertEquals(200, ok.getResponseCode());
        assertEquals("ok", new String(ok.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        HttpURLConnection missing = (HttpURLConnection) URI.create("http://127.0.0.1:" + address.getPort() + "/nothing").toURL().openConnection();
        assertEquals(404, missing.getResponseCode());
        assertEquals("not found: /nothing\n", new String(missing.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /**
     * Idle connections over the per-address limit (4) get their 503 and are closed by the server, and stop
     * counting as open, while their clients keep them open and send nothing. Passes on every transport
     * ({@code -Dsluice.netty.transport=io_uring|epoll|nio}) when the connections come one by one; see
     * {@code NettyTransport} for what io_uring does to closes during a sustained burst of accepts.
     */
    @Test
    void refusedIdleConnectionsAreClosedByTheServer() throws Exception {
        java.util.List<Socket> sockets = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                Socket s = new Socket(address.getAddress(), address.getPort());
                s.setSoTimeout(3000);
                sockets.add(s);
            }
            for (Socket s : sockets.subList(4, 12)) {
                byte[] answer = s.getInputStream().readAllBytes(); // to EOF: the server closed it
                assertTrue(new String(answer, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 503"), "503 before the close");
            }
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (pipeline.limits().openConnections() > 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(4, pipeline.limits().openConnections(), "only the 4 served connections count as open");
            assertEquals(8, pipeline.limits().refusedConnections());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
