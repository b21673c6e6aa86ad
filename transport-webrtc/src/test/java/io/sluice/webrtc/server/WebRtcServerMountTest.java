package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.core.hub.StreamHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Handlers mounted with {@link WebRtcServer.Builder#httpHandler}: each answers its own prefix in mount order,
 * requests it does not take reach the WebRTC handler unchanged, the body limit applies in front of them,
 * and the player links show on the index.
 */
class WebRtcServerMountTest {
    /** Answers GETs under {@code prefix} with {@code "<name> <path>"}; passes everything else on. */
    @ChannelHandler.Sharable
    static final class Prefix extends ChannelInboundHandlerAdapter {
        final String prefix;
        final String name;
        final AtomicInteger seen = new AtomicInteger();

        Prefix(String prefix, String name) {
            this.prefix = prefix;
            this.name = name;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                seen.incrementAndGet();
                if (req.uri().startsWith(prefix)) {
                    byte[] body = (name + " " + req.uri() + " " + req.content().readableBytes()).getBytes(StandardCharsets.UTF_8);
                    req.release();
                    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(body));
                    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    ctx.writeAndFlush(res);
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void mountedHandlersAnswerTheirPrefixesInOrderAndPassTheRestOn() throws Exception {
        Prefix first = new Prefix("/a/", "first");
        Prefix second = new Prefix("/a", "second"); // also matches /a/..., but only after the first
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).maxSdpBytes(1024)
                     .httpHandler(() -> first).httpHandler(() -> second)
                     .playerLink("HLS", "/hls/{stream}/player.html").build()) {
            server.start();
            String base = server.httpUrl();
            HttpResponse<String> a = send(HttpRequest.newBuilder(URI.create(base + "a/x")));
            assertEquals("first /a/x 0", a.body());
            HttpResponse<String> b = send(HttpRequest.newBuilder(URI.create(base + "ab")));
            assertEquals("second /ab 0", b.body());
            // a POST body within the limit reaches the mounted handler aggregated
            HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(base + "a/y"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1000))));
            assertEquals("first /a/y 1000", post.body());
            // the body limit stands in front of the mounted handlers: 413, never seen by them
            int seenBefore = first.seen.get();
            HttpResponse<String> big = send(HttpRequest.newBuilder(URI.create(base + "a/z"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))));
            assertEquals(413, big.statusCode(), big.body());
            assertEquals(seenBefore, first.seen.get());
            // everything else reaches the WebRTC handler unchanged: the index, WHEP with its own status codes
            HttpResponse<String> index = send(HttpRequest.newBuilder(URI.create(base)));
            assertEquals(200, index.statusCode());
            assertTrue(index.body().contains("Live streams"), index.body());
            HttpResponse<String> whep = send(HttpRequest.newBuilder(URI.create(base + "whep/live/cam"))
                    .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString("v=0\r\n")));
            assertTrue(whep.statusCode() >= 400 && whep.statusCode() < 500, whep.statusCode() + " " + whep.body());
            assertTrue(first.seen.get() >= 4 && second.seen.get() >= 3, first.seen + " " + second.seen);
        }
    }

    @Test
    void playerLinksShowBesideWebRtc() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).playerLink("HLS", "/hls/{stream}/player.html")
                     .playerLink("DASH", "/dash/{stream}/player.html").build()) {
            server.start();
            String watch = send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "watch/live/cam"))).body();
            assertTrue(watch.contains("<a href=\"/hls/live/cam/player.html\">HLS</a>")
                    && watch.contains("<a href=\"/dash/live/cam/player.html\">DASH</a>"), watch);
        }
        String index = WebRtcPages.index(java.util.List.of("live/cam"), java.util.Map.of("HLS", "/hls/{stream}/player.html"));
        assertTrue(index.contains("<a href=\"/watch/live/cam\">live/cam</a> · WebRTC · <a href=\"/hls/live/cam/player.html\">HLS</a>"),
                index);
        assertThrows(IllegalArgumentException.class, () -> WebRtcServer.builder(StreamHub.create()).playerLink("HLS", "hls/x"));
        assertThrows(IllegalArgumentException.class, () -> WebRtcServer.builder(StreamHub.create()).playerLink("HLS", "/hls/x"));
    }
}
