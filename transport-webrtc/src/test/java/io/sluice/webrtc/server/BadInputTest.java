package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad input while a healthy Chromium WHEP session plays: malformed STUN, STUN for unknown ufrags,
 * DTLS and RTP from unknown addresses, SRTP/SRTCP with bad authentication tags from the session's
 * own address (through a relay corrupting every 10th packet), a garbage SDP offer and a VP8-only
 * offer. Each gets a clear error or a counted drop; the healthy session keeps decoding.
 */
@Tag("chromium")
class BadInputTest {
    static final String VP8_ONLY = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0", "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0", "a=recvonly",
            "a=rtcp-mux", "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx",
            "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB", "a=setup:actpass", "a=rtpmap:96 VP8/90000", "");

    @Test
    void badInputIsRejectedOrDroppedWhileHealthySessionPlays() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (StreamHub hub = StreamHub.create(); UdpImpairmentRelay relay = new UdpImpairmentRelay(0, 1, 10)) {
            WebRtcServer server = WebRtcServer.builder(hub).hostCandidates(List.of(relay.address())).build();
            try (server; ClipPublisher pub = new ClipPublisher(hub, "ok", ClipPublisher.RABBIT, 3, true);
                 Chromium c = new Chromium()) {
                server.start();
                relay.target(server.udpAddress());
                WhepChromiumTest.awaitLive(hub, "ok");
                c.driver.get(server.httpUrl() + "watch/ok");
                Map<String, Object> before = WhepChromiumTest.awaitFirstFrame(c);

                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> garbage = post(http, server, "ok", "this is not SDP\r\n\u0000\u0001");
                HttpResponse<String> vp8 = post(http, server, "ok", VP8_ONLY);
                HttpResponse<String> missing = post(http, server, "nosuchstream", VP8_ONLY);
                System.out.println("garbage SDP -> " + garbage.statusCode() + " " + garbage.body().trim());
                System.out.println("VP8-only offer -> " + vp8.statusCode() + " " + vp8.body().trim());
                System.out.println("unknown stream -> " + missing.statusCode() + " " + missing.body().trim());
                assertEquals(400, garbage.statusCode());
                assertTrue(garbage.body().startsWith("malformed SDP offer"), garbage.body());
                assertEquals(406, vp8.statusCode());
                assertTrue(vp8.body().contains("no common codec"), vp8.body());
                assertEquals(404, missing.statusCode());

                Random r = new Random(7);
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    InetSocketAddress to = server.udpAddress();
                    for (int i = 0; i < 200; i++) {
                        byte[] stun = new byte[20 + r.nextInt(60)];
                        r.nextBytes(stun);
                        stun[0] = 0;
                        stun[1] = 1; // Binding request with garbage after it
                        byte[] dtls = new byte[13 + r.nextInt(100)];
                        r.nextBytes(dtls);
                        dtls[0] = 22;
                        dtls[1] = (byte) 0xFE;
                        dtls[2] = (byte) 0xFD;
                        byte[] rtp = new byte[12 + r.nextInt(1000)];
                        r.nextBytes(rtp);
                        rtp[0] = (byte) 0x80;
                        rtp[1] = 96;
                        for (byte[] b : new byte[][] {stun, dtls, rtp}) {
                            s.send(new DatagramPacket(b, b.length, to));
                        }
                    }
                }
                Thread.sleep(5000);
                Map<String, Object> after = c.map("window.sluice.stats");
                WebRtcServerStats st = server.stats();
                System.out.println("after bad input: " + st + "; relay corrupted " + relay.corrupted.get()
                        + "; Chromium " + after);
                assertTrue(st.droppedUnknownStun() >= 200, "STUN drops: " + st);
                assertTrue(st.droppedUnknownAddress() >= 400, "unknown-address drops: " + st);
                assertTrue(st.srtpDropped() > 0 && relay.corrupted.get() > 0, "SRTP auth drops: " + st);
                assertEquals(3, st.sessionsRejected(), "rejected offers: " + st);
                long decodedMeanwhile = Chromium.num(after, "framesDecoded") - Chromium.num(before, "framesDecoded");
                assertTrue(decodedMeanwhile > 100, "healthy session decoded only " + decodedMeanwhile + " frames in 5 s");
                assertEquals(1, st.sessions().size(), "only the healthy session lives");
            }
        }
    }

    private static HttpResponse<String> post(HttpClient http, WebRtcServer server, String stream, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "whep/" + stream))
                .header("Content-Type", "application/sdp").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
