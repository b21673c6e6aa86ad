package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.sdp.ExtMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WHIP signalling of RFC 8853 simulcast offers (Chromium 156's own offer)")
class SimulcastWhipSignalingTest {
    static String chromiumSimulcastOffer() throws IOException {
        try (InputStream in = SimulcastWhipSignalingTest.class.getResourceAsStream(
                "/io/sluice/webrtc/sdp/chromium-156-simulcast-offer.sdp")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    @DisplayName("a simulcast offer is answered with a=rid recv and a=simulcast:recv; a malformed one gets 400 and"
            + " leaves the other sessions be; no rungs before any layer is published")
    void answersAndRejects() throws Exception {
        String offer = chromiumSimulcastOffer();
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            SignalingResponse plain = server.offer(WebRtcEndpoint.WHIP, "plain", WebRtcServerLimitsTest.whipOffer(),
                    null, WhipAnswerTest.CLIENT);
            assertEquals(201, plain.status(), plain.body());
            assertFalse(plain.body().contains("a=simulcast") || plain.body().contains("a=rid")
                    || plain.body().contains(ExtMap.RTP_STREAM_ID), plain.body());

            SignalingResponse bad = server.offer(WebRtcEndpoint.WHIP, "bad",
                    offer.replace("a=simulcast:send q;h;f", "a=simulcast:send q;h;f;x"), null, WhipAnswerTest.CLIENT);
            assertEquals(400, bad.status(), bad.body());
            assertTrue(bad.body().contains("a=simulcast send rid x has no a=rid:x send"), bad.body());
            SignalingResponse bad2 = server.offer(WebRtcEndpoint.WHIP, "bad",
                    offer.replace("a=rid:h send", "a=rid:h send max-width=huge"), null, WhipAnswerTest.CLIENT);
            assertEquals(400, bad2.status(), bad2.body());

            SignalingResponse ok = server.offer(WebRtcEndpoint.WHIP, "cam", offer, null, WhipAnswerTest.CLIENT);
            assertEquals(201, ok.status(), ok.body());
            String video = WhipAnswerTest.section(ok.body(), "video");
            for (String line : List.of("a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f",
                    "a=extmap:10 " + ExtMap.RTP_STREAM_ID, "a=extmap:11 " + ExtMap.REPAIRED_RTP_STREAM_ID)) {
                assertTrue(video.contains(line + "\r\n"), line + " in\n" + video);
            }
            assertFalse(WhipAnswerTest.section(ok.body(), "audio").contains("a=rid"));
            assertEquals(java.util.Set.of("plain", "cam"), server.stats().sessions().stream().map(s -> s.stream())
                    .collect(java.util.stream.Collectors.toSet()));
            assertTrue(server.simulcastRungs("cam").isEmpty(), "no layer published yet");
            assertTrue(server.simulcastRungs("plain").isEmpty());
            assertTrue(server.simulcastRungs("nothing").isEmpty());
        }
    }
}
