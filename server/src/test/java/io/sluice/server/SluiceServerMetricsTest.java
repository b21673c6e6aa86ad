package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code metrics(true)} mounts /metrics and /api/v1 on the HTTP port beside the pages; off by default. */
class SluiceServerMetricsTest {
    static final HttpClient client = HttpClient.newHttpClient();

    static HttpResponse<String> send(String method, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAndTheApiAreServedBehindTheirTokensWhenEnabled() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).metrics(true)
                .metricsTokens("play", "admin").build().start()) {
            String base = server.httpUrl();
            assertEquals(401, send("GET", base + "metrics", null).statusCode());
            HttpResponse<String> m = send("GET", base + "metrics", "play");
            assertEquals(200, m.statusCode());
            assertTrue(m.body().contains("sluice_rtmp_connections 0.0"), m.body());
            assertTrue(m.body().contains("sluice_webrtc_sessions_opened_total 0.0"), m.body());
            assertTrue(m.body().contains("sluice_hub_streams 0.0"), m.body());
            assertEquals("{\"streams\":[]}\n", send("GET", base + "api/v1/streams", "play").body());
            assertEquals(403, send("DELETE", base + "api/v1/sessions/1", "play").statusCode());
            assertEquals(404, send("DELETE", base + "api/v1/sessions/1", "admin").statusCode());
            assertEquals(200, send("GET", base, null).statusCode(), "the pages still answer");
            assertTrue(server.metrics().isPresent());
        }
    }

    @Test
    void offByDefault() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).build().start()) {
            assertEquals(404, send("GET", server.httpUrl() + "metrics", null).statusCode());
            assertTrue(server.metrics().isEmpty());
        }
    }
}
