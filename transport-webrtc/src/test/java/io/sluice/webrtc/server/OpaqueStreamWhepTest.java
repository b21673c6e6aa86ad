package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stream published with opaque (SFrame whole-frame) video cannot be decoded by a WHEP viewer: the offer is
 * refused with 406 and a reason, before any session exists. (Opaque Opus alone is not refused: it is still one
 * RFC 7587 payload per packet, which a page with a decrypting encoded transform can play.)
 */
class OpaqueStreamWhepTest {
    @Test
    void whepOfferForAnEncryptedStreamIsRefused() throws Exception {
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            TrackInfo video = TrackInfo.builder(0, Codec.H264).opaque(true).build();
            TrackInfo audio = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).opaque(true).build();
            try (StreamHub.Publication p = hub.publish("secret", List.of(video, audio), () -> { })) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create(server.httpUrl() + "whep/secret"))
                        .header("Content-Type", "application/sdp")
                        .POST(HttpRequest.BodyPublishers.ofString(BadInputTest.VP8_ONLY)).build(),
                        HttpResponse.BodyHandlers.ofString());
                System.out.println("WHEP of an SFrame stream -> " + r.statusCode() + " " + r.body().trim());
                assertEquals(406, r.statusCode());
                assertTrue(r.body().contains("end-to-end encrypted"), r.body());
                assertEquals(0, server.stats().sessions().size(), "no session was created");
            }
        }
    }
}
