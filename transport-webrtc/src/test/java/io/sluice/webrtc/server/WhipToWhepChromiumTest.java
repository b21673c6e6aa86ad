package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.whip.client.WhipTransport;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Sluice WHIP client ({@link WhipTransport} in a realtime pipeline: the rabbit clip's H.264
 * copied, its audio encoded to Opus) publishes to the server's WHIP endpoint, and Chromium watches
 * the ingested stream over WHEP.
 */
@Tag("chromium")
class WhipToWhepChromiumTest {
    @Test
    void chromiumWatchesWhatTheWhipClientPublishes() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            URI endpoint = URI.create(server.httpUrl() + "whip/whip5");
            try (ClipPublisher pub = new ClipPublisher(() -> WhipTransport.builder(endpoint)
                    .hostAddress(InetAddress.getLoopbackAddress()).build(), "whip5", ClipPublisher.RABBIT, 3, true);
                 Chromium c = new Chromium()) {
                WhepChromiumTest.awaitLive(hub, "whip5");
                assertEquals(Codec.OPUS, hub.tracks("whip5").orElseThrow().stream().filter(TrackInfo::isAudio)
                        .findFirst().orElseThrow().codec());
                WhepChromiumTest.Watch w = WhepChromiumTest.watch(server, c, "whip5", Duration.ofSeconds(8));
                System.out.printf("WHIP client -> WHIP endpoint -> WHEP: sent %d video frames, Chromium decoded %d"
                        + " (%.1f %%); last stats %s; server %s%n", w.sent(), w.decoded(),
                        100.0 * w.decoded() / Math.max(1, w.sent()), w.last(), server.stats());
                assertNull(pub.failure, "publisher failed");
                assertTrue(w.sent() > 150, "frames sent in 8 s: " + w.sent());
                assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
                assertEquals(320, Chromium.num(w.last(), "frameWidth"));
                assertEquals(240, Chromium.num(w.last(), "frameHeight"));
                assertTrue(Chromium.num(w.last(), "audioSamples") > 0, "audio samples: " + w.last());
            }
        }
    }
}
