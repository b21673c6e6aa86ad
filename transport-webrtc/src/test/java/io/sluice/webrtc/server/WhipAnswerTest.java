package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.sdp.ExtMap;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The WHIP ingest's SDP answer: transport-cc when offered, no REMB, and the additional host candidates")
class WhipAnswerTest {
    static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    /** The m-section of {@code kind} in an SDP, from its m= line to the next. */
    static String section(String sdp, String kind) {
        int at = sdp.indexOf("m=" + kind + " ");
        int end = sdp.indexOf("\nm=", at + 1);
        return sdp.substring(at, end < 0 ? sdp.length() : end);
    }

    @Test
    @DisplayName("Chromium's offer: the answer has the transport-wide-cc-01 extension with the offered id and "
            + "rtcp-fb transport-cc on video and audio, no goog-remb; every m-section lists the extra candidates")
    void transportCcAndCandidates() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).additionalHostCandidate("203.0.113.7", 40000)
                     .additionalHostCandidate("127.0.0.2", 0).build()) {
            server.start();
            SignalingResponse r = server.offer(WebRtcEndpoint.WHIP, "cam", WebRtcServerLimitsTest.whipOffer(), null, CLIENT);
            assertEquals(201, r.status(), r.body());
            String answer = r.body();
            int port = server.udpAddress().getPort();
            for (String kind : List.of("video", "audio")) {
                String m = section(answer, kind);
                assertTrue(m.contains("a=extmap:4 " + ExtMap.TRANSPORT_WIDE_CC + "\r\n"), kind + ":\n" + m);
                assertTrue(m.matches("(?s).*a=rtcp-fb:\\d+ transport-cc\r\n.*"), kind + ":\n" + m);
                assertFalse(m.contains("goog-remb"), "no REMB (no receive-side estimator):\n" + m);
                List<String> candidates = m.lines().filter(l -> l.startsWith("a=candidate:")).toList();
                assertEquals(3, candidates.size(), kind + ": " + candidates);
                assertTrue(candidates.get(0).contains(" 127.0.0.1 " + port + " typ host"), candidates.get(0));
                assertTrue(candidates.get(1).contains(" udp ") && candidates.get(1).contains(" 203.0.113.7 40000 typ host"),
                        candidates.get(1));
                assertTrue(candidates.get(2).contains(" 127.0.0.2 " + port + " typ host"), "port 0: the bound port; "
                        + candidates.get(2));
                assertTrue(m.contains("a=end-of-candidates"), m);
            }
        }
    }

    @Test
    @DisplayName("an offer without transport-cc (rtcp-fb and extension removed) gets neither back, and no REMB either")
    void noTransportCcWhenNotOffered() throws Exception {
        String offer = WebRtcServerLimitsTest.whipOffer().lines()
                .filter(l -> !l.contains("transport-cc") && !l.contains("transport-wide-cc"))
                .collect(Collectors.joining("\r\n", "", "\r\n"));
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            SignalingResponse r = server.offer(WebRtcEndpoint.WHIP, "cam", offer, null, CLIENT);
            assertEquals(201, r.status(), r.body());
            assertFalse(r.body().contains("transport-cc") || r.body().contains("transport-wide-cc"), r.body());
            assertFalse(r.body().contains("goog-remb"), r.body());
        }
    }

    @Test
    void badCandidatesAreRejectedAtOnce() {
        try (StreamHub hub = StreamHub.create()) {
            WebRtcServer.Builder b = WebRtcServer.builder(hub);
            IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                    () -> b.additionalHostCandidate("203.0.113.7", 70000));
            assertEquals("ICE candidate port: 70000 (expected: 1..65535, or 0 for the bound port)", port.getMessage());
            IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
                    () -> b.additionalHostCandidate("no-such-host.invalid", 5000));
            assertEquals("ICE candidate host: 'no-such-host.invalid' does not resolve", host.getMessage());
            for (int i = 0; i < WebRtcServer.MAX_ADDITIONAL_CANDIDATES; i++) {
                b.additionalHostCandidate("203.0.113." + i, 5000);
            }
            assertThrows(IllegalArgumentException.class, () -> b.additionalHostCandidate("203.0.113.99", 5000));
        }
    }
}
