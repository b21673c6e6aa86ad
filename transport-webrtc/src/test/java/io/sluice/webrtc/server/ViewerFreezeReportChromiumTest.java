package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.hub.StreamHub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The watch page relays Chromium's own freeze count to the server, which turns new freezes into hub events (and
 * so into metrics and the Kafka windows). A real freeze: a 1.5 s outage on the UDP path between Chromium and the
 * server, through {@link UdpImpairmentRelay}.
 */
@Tag("chromium")
class ViewerFreezeReportChromiumTest {
    @Test
    void aFreezeChromiumSawReachesTheHubAsAnEvent() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        try (StreamHub hub = StreamHub.create();
             UdpImpairmentRelay relay = new UdpImpairmentRelay(0, 1, 0)) {
            hub.addEventListener(events::add);
            try (WebRtcServer server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory())
                    .hostCandidates(List.of(relay.address())).build()) {
                server.start();
                relay.target(server.udpAddress());
                try (ClipPublisher pub = new ClipPublisher(hub, "frozen", ClipPublisher.RABBIT, 4, true);
                     Chromium c = new Chromium()) {
                    WhepChromiumTest.awaitLive(hub, "frozen");
                    c.driver.get(server.httpUrl() + "watch/frozen");
                    WhepChromiumTest.awaitFirstFrame(c);
                    Thread.sleep(2000);
                    relay.blackout = true;
                    Thread.sleep(1500);
                    relay.blackout = false;

                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    StreamEvent.ViewerFreeze freeze = null;
                    // the report after the outage (a loaded machine may freeze the picture briefly before it too):
                    // its total frozen time includes the outage's
                    while ((freeze == null || freeze.totalFreezesDurationUs() < 500_000) && System.nanoTime() < deadline) {
                        Thread.sleep(200);
                        freeze = events.stream().filter(e -> e instanceof StreamEvent.ViewerFreeze)
                                .map(e -> (StreamEvent.ViewerFreeze) e).reduce((a, b) -> b).orElse(null);
                    }
                    Map<String, Object> stats = c.map("window.sluice.stats");
                    assertNull(pub.failure, "publisher failed");
                    assertTrue(freeze != null, "no viewer_freeze event; page stats " + stats + ", relay dropped "
                            + relay.dropped.get());
                    StreamEvent.PlayStarted play = events.stream().filter(e -> e instanceof StreamEvent.PlayStarted)
                            .map(e -> (StreamEvent.PlayStarted) e).filter(p -> p.session().protocol().equals("whep"))
                            .findFirst().orElseThrow();
                    assertEquals("frozen", freeze.stream());
                    assertEquals(play.sessionId(), freeze.sessionId(), "the event names the viewer's subscription");
                    assertTrue(freeze.freezes() >= 1 && freeze.freezes() <= Chromium.num(stats, "freezeCount"),
                            "freezes " + freeze.freezes() + ", Chromium counted " + Chromium.num(stats, "freezeCount"));
                    assertTrue(freeze.totalFreezesDurationUs() >= 500_000,
                            "a 1.5 s outage froze the picture for at least 0.5 s: " + freeze.totalFreezesDurationUs() + " µs");
                    assertEquals(204L, ((Number) c.js("return window.sluice.reported;")).longValue());

                    // bad reports fail alone, with the status that names the problem
                    String session = URI.create(server.httpUrl()).resolve((String) c.js("return window.sluice.sessionUrl;")).toString();
                    HttpClient http = HttpClient.newHttpClient();
                    assertEquals(415, post(http, session + "/report", "text/plain", "{}"));
                    assertEquals(400, post(http, session + "/report", "application/json", "{\"freezeCount\":-3}"));
                    assertEquals(400, post(http, session + "/report", "application/json", "{\"freezeCount\":\"x\"}"));
                    assertEquals(413, post(http, session + "/report", "application/json",
                            "{\"freezeCount\":1" + " ".repeat(2000) + "}"));
                    assertEquals(404, post(http, server.httpUrl() + "whep/frozen/nosuchsession/report", "application/json",
                            "{\"freezeCount\":1}"));
                    int before = (int) events.stream().filter(e -> e instanceof StreamEvent.ViewerFreeze).count();
                    assertEquals(204, post(http, session + "/report", "application/json", "{\"freezeCount\":0}"));
                    assertEquals(before, events.stream().filter(e -> e instanceof StreamEvent.ViewerFreeze).count(),
                            "a count that goes backwards adds nothing");
                }
            }
        }
    }

    private static int post(HttpClient http, String url, String type, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
