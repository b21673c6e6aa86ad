package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.netty.NettyTransport;
import io.sluice.core.netty.http.HttpConnectionGuard;
import io.sluice.core.netty.http.HttpServerPipeline;
import io.sluice.webrtc.server.Chromium;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * hls.js (the version the server ships) in headless Chromium plays LL-HLS while the server holds back every part
 * until the playlist update that lists the next part is ready, then sends the part and, {@link #LAG_MS} ms later,
 * that update: the update arrives just after the part has downloaded, while hls.js appends it. That is what a
 * CPU-loaded machine does now and then. At a segment's last part this froze hls.js (1.4.12 and 1.7.4 alike) when
 * the same update also completed the segment: hls.js judged the segment fully buffered against its end as it was
 * when the part before the last began to load, never loaded the last part (30 fps, 250 ms part target: 4 frames,
 * 133 ms), and stalled until the segment's part tags left the playlist, then jumped the hole: 4-19 s. The server
 * now completes a segment only with the next segment's first part, and answers a request for a segment's last
 * part with the playlist of the moment that part closed ({@code HlsMediaPlaylist}). Here the race is
 * set up at every part boundary, so the test needs no load. Asserts: playback starts, never stalls after the
 * start, no buffer hole is jumped, frames decode at the clip's rate, the latency stays low-latency.
 */
@Tag("chromium")
class HlsJsLastPartRaceChromiumTest {
    static final int PLAY_SECONDS = 30;
    /** How long after a held part the playlist update listing the next part goes out, ms. */
    static final int LAG_MS = Integer.getInteger("sluice.test.lagMs", 5);
    static final Pattern PART_REQUEST = Pattern.compile(".*/part-(\\d+)\\.(\\d+)\\.m4s(\\?.*)?");
    static final Pattern PART_TAG = Pattern.compile("#EXT-X-PART:[^\\n]*URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"");

    /**
     * Holds each request for the newest listed part until a playlist answer lists a newer one; then passes the held
     * requests on and writes that answer {@link #LAG_MS} later. Shared by every connection (one event loop).
     */
    @ChannelHandler.Sharable
    static final class PartBeforeUpdate extends ChannelDuplexHandler {
        final List<Map.Entry<ChannelHandlerContext, FullHttpRequest>> held = new ArrayList<>();
        long newestListed = -1; // msn << 20 | index
        final AtomicInteger raced = new AtomicInteger();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                Matcher m = PART_REQUEST.matcher(req.uri());
                if (m.matches() && (Long.parseLong(m.group(1)) << 20 | Integer.parseInt(m.group(2))) == newestListed) {
                    held.add(Map.entry(ctx, req));
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof FullHttpResponse r && r.content().isReadable()) {
                String body = r.content().toString(StandardCharsets.UTF_8);
                long newest = -1;
                for (Matcher m = PART_TAG.matcher(body); m.find(); ) {
                    newest = Long.parseLong(m.group(1)) << 20 | Integer.parseInt(m.group(2));
                }
                if (newest > newestListed) {
                    newestListed = newest;
                    if (!held.isEmpty()) {
                        raced.incrementAndGet();
                        for (Map.Entry<ChannelHandlerContext, FullHttpRequest> h : held) {
                            h.getKey().fireChannelRead(h.getValue());
                        }
                        held.clear();
                        ctx.executor().schedule(() -> {
                            ctx.writeAndFlush(msg, promise);
                        }, LAG_MS, TimeUnit.MILLISECONDS);
                        return;
                    }
                }
            }
            ctx.write(msg, promise);
        }

        /** Releases the requests still held (the test is over). */
        void releaseHeld() {
            held.forEach(h -> h.getValue().release());
            held.clear();
        }
    }

    @Test
    void hlsJsLoadsEverySegmentsLastPart() throws Exception {
        StreamHub hub = StreamHub.create();
        EventLoopGroup group = NettyTransport.current().newEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory("slow-part", true));
        PartBeforeUpdate race = new PartBeforeUpdate();
        try (HttpDelivery delivery = HttpDelivery.builder(hub).build()) {
            ChannelHandler handler = delivery.newHandler();
            HttpServerPipeline pipeline = HttpServerPipeline.builder()
                    .limits(new HttpConnectionGuard.Limits(1000, 100, Duration.ofSeconds(30), Duration.ofSeconds(60)))
                    .maxContentLength(16 * 1024).http2(false).handler(() -> race).handler(() -> handler).build();
            io.netty.channel.Channel server = pipeline.listen(group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String base = "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/";
            try (HubClip clip = new HubClip(hub, "live/cam", 8); Chromium c = new Chromium()) {
                HubClip.awaitPublished(hub, "live/cam");
                PlayerRun run = PlayerRun.play(c, base + "hls/live/cam/player.html?debug", PLAY_SECONDS);
                System.out.println(run.summary("hls.js LL-HLS, each part " + LAG_MS + " ms before the update listing the next",
                        PLAY_SECONDS) + "; races set up " + race.raced.get());
                Map<String, Object> s = run.stats();
                if (s.get("logs") != null) {
                    java.nio.file.Files.write(java.nio.file.Path.of("target/hlsjs-last-part-race.log"),
                            ((List<?>) s.get("logs")).stream().map(Object::toString).toList());
                }
                @SuppressWarnings("unchecked")
                List<Object> errors = (List<Object>) s.get("errors");
                assertNull(clip.failure);
                assertTrue(race.raced.get() >= PLAY_SECONDS / 2, "races set up: " + race.raced.get());
                assertEquals(0, Chromium.num(s, "stalls"), "stalls after the start: " + s.get("stallsAt") + "; errors " + errors);
                assertTrue(errors.stream().noneMatch(e -> e.toString().contains("Hole") || e.toString().startsWith("FATAL")),
                        "errors: " + errors);
                assertTrue(run.decoded() >= PLAY_SECONDS * 30 * 8 / 10, "decoded " + run.decoded() + " frames in " + PLAY_SECONDS + " s (30 fps)");
                assertTrue(run.p50Ms() > 0 && run.p95Ms() < 6_000, // each part reaches the player a part late here
                        "latency p50 " + run.p50Ms() + " p95 " + run.p95Ms());
            } finally {
                server.close().syncUninterruptibly();
                group.submit(race::releaseHeld).syncUninterruptibly();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            hub.close();
        }
    }
}
