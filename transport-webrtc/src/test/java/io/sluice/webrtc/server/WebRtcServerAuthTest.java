package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.core.hub.StreamHub;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** WHIP/WHEP bearer tokens through the core authorizer, over real HTTP; bind failures named. */
class WebRtcServerAuthTest {
    static HttpResponse<String> post(WebRtcServer server, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpUrl() + path))
                .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString("v=0\r\n"));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void whipAndWhepWithoutTheRightBearerTokenGet401AndTheRightTokenPassesOn() throws Exception {
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub)
                .authorizer(TokenAuthorizer.builder().publishToken("pub").playToken("view").build()).build()) {
            server.start();
            HttpResponse<String> whip = post(server, "whip/live/x", null);
            assertEquals(401, whip.statusCode());
            assertEquals(Optional.of("Bearer"), whip.headers().firstValue("WWW-Authenticate"));
            assertEquals("unauthorized: a token is required to publish 'live/x'", whip.body().trim());
            assertEquals(401, post(server, "whip/live/x", "view").statusCode(), "a play token does not publish");
            HttpResponse<String> whep = post(server, "whep/live/x", "pub");
            assertEquals(401, whep.statusCode(), "a publish token does not play");
            assertEquals("unauthorized: the token does not allow to play 'live/x'", whep.body().trim());

            // Past authorization, the next check answers: the offer is not SDP.
            HttpResponse<String> whipOk = post(server, "whip/live/x", "pub");
            assertEquals(400, whipOk.statusCode(), whipOk.body());
            assertTrue(whipOk.body().startsWith("malformed SDP offer"), whipOk.body());
            HttpResponse<String> whepOk = post(server, "whep/live/x", "view");
            assertEquals(400, whepOk.statusCode(), whepOk.body());
            assertTrue(whepOk.body().startsWith("malformed SDP offer"), whepOk.body());
            assertEquals(0, server.stats().sessionsCreated());
        }
    }

    @Test
    void anHttpPortInUseIsAWebRtcServerExceptionNamingAddressAndPort() throws Exception {
        try (StreamHub hub = StreamHub.create(); WebRtcServer first = WebRtcServer.builder(hub).build()) {
            first.start();
            int port = first.httpAddress().getPort();
            WebRtcServer second = WebRtcServer.builder(hub)
                    .httpBind(new InetSocketAddress(first.httpAddress().getAddress(), port)).build();
            WebRtcServerException e = assertThrows(WebRtcServerException.class, second::start);
            assertTrue(e.getMessage().startsWith("cannot listen for HTTP on 127.0.0.1:" + port + ": "), e.getMessage());
            assertTrue(first.httpAddress().getAddress().isLoopbackAddress(), "loopback by default");
        }
    }
}
