package io.sluice.webrtc.sdp;

import static io.sluice.webrtc.sdp.SdpTestSupport.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.webrtc.ice.CandidateType;
import java.util.List;
import org.junit.jupiter.api.Test;

class SdpParserTest {

    @Test
    void parsesChromeWhepOffer() {
        SessionDescription sd = SdpParser.parseDefault(resource("chrome-whep-offer.sdp"));
        assertEquals("4215775240449105457", sd.origin().sessionId());
        assertEquals(List.of(List.of("0", "1")), sd.bundleGroups());
        assertEquals(2, sd.media().size());
        MediaDescription video = sd.media().get(0);
        assertEquals("video", video.media());
        assertEquals(9, video.port());
        assertEquals("UDP/TLS/RTP/SAVPF", video.protocol());
        assertEquals(25, video.formats().size());
        assertEquals(Direction.RECVONLY, video.direction());
        assertTrue(video.rtcpMux());
        assertTrue(video.rtcpRsize());
        assertEquals("0", video.mid().orElseThrow());
        assertEquals(new RtpMap(102, "H264", 90000, 0), video.rtpMap(102).orElseThrow());
        assertEquals("42001f", video.fmtp(102).get("profile-level-id"));
        assertEquals("96", video.fmtp(97).get("apt"));
        assertEquals(List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"), video.rtcpFeedback(102));
        assertEquals(11, video.extMaps().size());
        assertEquals(ExtMap.MID, video.extMaps().get(8).uri());
        assertEquals(CandidateType.HOST, video.candidates().get(0).type());
        assertEquals("Ez2P", sd.iceCredentials(video).orElseThrow().ufrag());
        assertEquals(SetupRole.ACTPASS, sd.setup(video).orElseThrow());
        assertEquals("sha-256", sd.fingerprint(video).orElseThrow().hashFunction());
        MediaDescription audio = sd.media().get(1);
        assertEquals(new RtpMap(111, "opus", 48000, 2), audio.rtpMap(111).orElseThrow());
        assertEquals("1", audio.fmtp(111).get("useinbandfec"));
        assertFalse(sd.iceLite());
    }

    @Test
    void parsesWhipOfferSsrcs() {
        SessionDescription sd = SdpParser.parseDefault(resource("chrome-whip-offer.sdp"));
        MediaDescription video = sd.media().get(0);
        assertEquals(Direction.SENDONLY, video.direction());
        assertEquals(List.of(2339146512L, 1196324119L), List.copyOf(video.ssrcs().keySet()));
        assertEquals(new SsrcGroup("FID", List.of(2339146512L, 1196324119L)), video.ssrcGroups().get(0));
    }

    @Test
    void writerRoundTrips() {
        SessionDescription sd = SdpParser.parseDefault(resource("chrome-whep-offer.sdp"));
        String text = sd.toSdp();
        assertTrue(text.endsWith("\r\n"));
        assertEquals(sd, SdpParser.parseDefault(text));
    }

    @Test
    void garbageNamesLineAndReason() {
        assertError(0, "empty session description", "");
        assertError(1, "line 1: 'hello world' (expected: <type>=<value>)", "hello world");
        assertError(1, "line 1: first line: 'o=- 1 1 IN IP4 0.0.0.0' (expected: v=0)", "o=- 1 1 IN IP4 0.0.0.0\n");
        assertError(2, "line 2: o=: 3 fields (expected: 6)", "v=0\no=- 1 1\n");
        String head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
        assertError(5, "line 5: m= port: 70000 (expected: 0..65535)", head + "m=video 70000 UDP/TLS/RTP/SAVPF 96\r\n");
        assertError(6, "line 6: rtpmap payload type: 200 (expected: 0..127)",
                head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:200 H264/90000\r\n");
        assertError(6, "line 6: extmap id: 15 (expected: 1..14 or 16..255)",
                head + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:15 urn:x\r\n");
        assertError(5, "line 5: candidate type: bogus (expected: host, srflx, prflx or relay)",
                head + "a=candidate:1 1 udp 1 1.2.3.4 9 typ bogus\r\n");
        assertError(5, "line 5: control character 0x00 at column 3", head + "a=\0\r\n");
        assertError(5, "line 5: empty line", head + "\r\nm=video 9 X 96\r\n");
        assertError(5, "line 5: setup: sideways (expected: active, passive, actpass or holdconn)", head + "a=setup:sideways\r\n");
        assertError(0, "missing t= line", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n");
        assertError(5, "line 5: m= before o=, s= and t=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nx=1\r\n".replace("x=1", "a=x")
                .replace("a=x\r\n", "a=x\r\nm=video 9 P 96\r\n"));
        assertError(5, "line 5: fingerprint: 'ZZ' (expected: 16..64 colon-separated hex pairs)",
                head + "a=fingerprint:sha-256 ZZ\r\n");
    }

    @Test
    void limits() {
        SdpParser small = new SdpParser(new SdpLimits(1000, 6, 40, 1));
        String head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
        assertEquals("line 5: line length: 41 (expected: <= 40)", assertThrows(SdpParseException.class,
                () -> small.parse(head + "a=" + "x".repeat(39) + "\r\n")).getMessage());
        assertEquals("line 7: lines: more than 6", assertThrows(SdpParseException.class,
                () -> small.parse(head + "a=a\r\na=b\r\na=c\r\n")).getMessage());
        assertEquals("line 6: m-sections: more than 1", assertThrows(SdpParseException.class,
                () -> small.parse(head + "m=audio 9 P 0\r\nm=audio 9 P 0\r\n")).getMessage());
        assertEquals("session description: 1001 chars (expected: <= 1000)", assertThrows(SdpParseException.class,
                () -> small.parse("v=0\r\n" + "x".repeat(996))).getMessage());
    }

    private static void assertError(int line, String message, String sdp) {
        SdpParseException e = assertThrows(SdpParseException.class, () -> SdpParser.parseDefault(sdp));
        assertEquals(message, e.getMessage());
        assertEquals(line, e.lineNumber());
    }

    @Test
    void h264ProfileMatching() {
        assertEquals(H264Profile.CONSTRAINED_BASELINE, H264Profile.ofProfileLevelId("42e01f").orElseThrow());
        assertEquals(H264Profile.CONSTRAINED_BASELINE, H264Profile.ofProfileLevelId("42e034").orElseThrow());
        assertEquals(H264Profile.CONSTRAINED_BASELINE, H264Profile.ofProfileLevelId("4de01f").orElseThrow());
        assertEquals(H264Profile.BASELINE, H264Profile.ofProfileLevelId("42001f").orElseThrow());
        assertEquals(H264Profile.MAIN, H264Profile.ofProfileLevelId("4d001f").orElseThrow());
        assertEquals(H264Profile.HIGH, H264Profile.ofProfileLevelId("64001f").orElseThrow());
        assertEquals(H264Profile.CONSTRAINED_HIGH, H264Profile.ofProfileLevelId("640c1f").orElseThrow());
        assertTrue(H264Profile.ofProfileLevelId("f4001f").isEmpty());
        assertTrue(H264Profile.ofProfileLevelId("zz").isEmpty());
    }
}
