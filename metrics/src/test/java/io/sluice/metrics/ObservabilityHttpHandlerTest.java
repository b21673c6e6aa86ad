package io.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.events.SessionInfo;
import io.sluice.core.hub.PublisherFeedback;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.core.EncodedFrame;
import io.sluice.core.time.ManualTicker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObservabilityHttpHandlerTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(1280, 720).build();

    static FullHttpRequest request(HttpMethod method, String uri, String token) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.buffer(0));
        if (token != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        return r;
    }

    static String body(FullHttpResponse r) {
        try {
            return r.content().toString(StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void otherPathsPassOnUntouchedAndKickingWithoutAConfiguredTokenIsForbidden() {
        try (StreamHub hub = StreamHub.create(); SluiceMetrics metrics = SluiceMetrics.builder(hub).build()) {
            EmbeddedChannel ch = new EmbeddedChannel(new ObservabilityHttpHandler(metrics, null));
            FullHttpRequest whep = request(HttpMethod.POST, "/whep/live/demo", null);
            ch.writeInbound(whep);
            FullHttpRequest passed = ch.readInbound();
            assertSame(whep, passed);
            assertEquals(1, passed.refCnt(), "passed on with its reference count untouched");
            passed.release();

            ch.writeInbound(request(HttpMethod.DELETE, "/api/v1/sessions/1", null));
            FullHttpResponse r = ch.readOutbound();
            assertEquals(403, r.status().code());
            assertTrue(body(r).contains("needs an admin token"));

            ch.writeInbound(request(HttpMethod.GET, "/api/v1/streams", null));
            r = ch.readOutbound();
            assertEquals(200, r.status().code(), "reads are open without a token");
            assertEquals("{\"streams\":[]}\n", body(r));

            ch.writeInbound(request(HttpMethod.PUT, "/metrics", null));
            r = ch.readOutbound();
            assertEquals(405, r.status().code());
            assertEquals("GET", r.headers().get(HttpHeaderNames.ALLOW));
            r.release();
            assertNull(ch.readInbound());
            assertFalse(ch.finish());
        }
    }

    @Test
    void theStreamJsonCarriesSessionsDurationsAndAverageBitrateOnTheHubsClock() {
        ManualTicker t = new ManualTicker();
        try (StreamHub hub = StreamHub.builder().ticker(t).build(); SluiceMetrics metrics = SluiceMetrics.builder(hub).build()) {
            StreamHub.Publication p = hub.publish("cam/1", List.of(VIDEO), PublisherFeedback.NONE, new SessionInfo("whip", "198.51.100.4:5004"));
            hub.subscribe("cam/1", HubMetricsTest.DISCARD, new SessionInfo("rtmp", "\"quoted\"\\host"));
            p.send(new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(new byte[125_000]), 0, true));
            t.advanceMillis(2000);
            EmbeddedChannel ch = new EmbeddedChannel(new ObservabilityHttpHandler(metrics, "tok"));
            ch.writeInbound(request(HttpMethod.GET, "/api/v1/streams/cam/1", "tok"));
            FullHttpResponse r = ch.readOutbound();
            assertEquals(200, r.status().code());
            StreamSnapshot s = hub.snapshot("cam/1").orElseThrow();
            long pubId = s.publisher().orElseThrow().id();
            long viewerId = s.viewers().get(0).id();
            assertEquals("{\"name\":\"cam/1\",\"live\":true,\"tracks\":[{\"id\":0,\"media\":\"video\",\"codec\":\"h264\",\"width\":1280,\"height\":720}],"
                    + "\"publisher\":{\"id\":" + pubId + ",\"protocol\":\"whip\",\"clientAddress\":\"198.51.100.4:5004\",\"durationMs\":2000,"
                    + "\"frames\":1,\"bytes\":125000,\"bitrateBps\":500000},"
                    + "\"viewers\":[{\"id\":" + viewerId + ",\"protocol\":\"rtmp\",\"clientAddress\":\"\\\"quoted\\\"\\\\host\",\"durationMs\":2000,"
                    + "\"frames\":1,\"bytes\":125000,\"bitrateBps\":500000}]}\n", body(r));

            ch.writeInbound(request(HttpMethod.DELETE, "/api/v1/streams/cam/1", "tok"));
            r = ch.readOutbound();
            assertEquals(204, r.status().code());
            r.release();
            assertFalse(p.send(new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(new byte[1]), 1, true)), "the publisher was kicked");
            ch.writeInbound(request(HttpMethod.DELETE, "/api/v1/sessions/abc", "tok"));
            r = ch.readOutbound();
            assertEquals(400, r.status().code());
            r.release();
            assertFalse(ch.finish());
        }
    }

    @Test
    void theReadTokenReadsButOnlyTheAdminTokenKicks() {
        try (StreamHub hub = StreamHub.create(); SluiceMetrics metrics = SluiceMetrics.builder(hub).build()) {
            StreamHub.Publication p = hub.publish("cam/2", List.of(VIDEO), PublisherFeedback.NONE);
            EmbeddedChannel ch = new EmbeddedChannel(new ObservabilityHttpHandler(metrics, "play", "admin"));
            int[] expected = {200, 200, 403, 403, 204};
            String[][] requests = {{"GET", "/metrics", "play"}, {"GET", "/api/v1/streams", "admin"},
                    {"GET", "/metrics", "nope"}, {"DELETE", "/api/v1/sessions/" + p.id(), "play"},
                    {"DELETE", "/api/v1/sessions/" + p.id(), "admin"}};
            for (int i = 0; i < requests.length; i++) {
                ch.writeInbound(request(HttpMethod.valueOf(requests[i][0]), requests[i][1], requests[i][2]));
                FullHttpResponse r = ch.readOutbound();
                assertEquals(expected[i], r.status().code(), String.join(" ", requests[i]));
                r.release();
            }
            assertTrue(hub.snapshot("cam/2").isEmpty(), "kicked: the publication ended and the stream was forgotten");
            assertFalse(ch.finish());
        }
    }

    @Test
    void anEmptyTokenIsRefusedAtConstruction() {
        try (StreamHub hub = StreamHub.create(); SluiceMetrics metrics = SluiceMetrics.builder(hub).build()) {
            assertThrows(IllegalArgumentException.class, () -> new ObservabilityHttpHandler(metrics, ""));
        }
    }
}
