package io.sluice.webrtc.sdp;

import static io.sluice.webrtc.sdp.SdpTestSupport.SERVER;
import static io.sluice.webrtc.sdp.SdpTestSupport.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SdpNegotiatorTest {
    private final SdpNegotiator negotiator = SdpNegotiator.builder().random(new Random(5)).cname("sluice").build();

    @Test
    void answersChromeWhepOffer() {
        SessionDescription offer = SdpParser.parseDefault(resource("chrome-whep-offer.sdp"));
        NegotiatedSession s = negotiator.answer(offer, SERVER);
        SessionDescription answer = SdpParser.parseDefault(s.localDescription().toSdp());
        assertEquals(s.localDescription(), answer);
        assertTrue(answer.iceLite());
        assertEquals(List.of(List.of("0", "1")), answer.bundleGroups());
        assertEquals(SetupRole.PASSIVE, s.localSetup());
        assertFalse(s.dtlsClient());
        assertEquals(new IceCredentials("Ez2P", "6dLd0wXqUZkzTtyq6KQxYd0S"), s.remoteIce());
        assertEquals("sha-256", s.remoteFingerprint().hashFunction());
        assertEquals(1, s.remoteCandidates().size());

        MediaDescription video = answer.media().get(0);
        assertEquals("0", video.mid().orElseThrow());
        assertEquals(Direction.SENDONLY, video.direction());
        // Constrained baseline (42e01f, PT 106) is preferred over baseline 42001f (PT 102).
        assertEquals(List.of("106", "107"), video.formats());
        assertEquals("level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".replace(";", ";"),
                video.attribute("fmtp").orElseThrow().substring(4));
        assertEquals("106", video.fmtp(107).get("apt"));
        assertEquals(List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"), video.rtcpFeedback(106));
        assertEquals(Map.of(ExtMap.ABS_SEND_TIME, 2, ExtMap.TRANSPORT_WIDE_CC, 4, ExtMap.MID, 9),
                s.media().get(0).extensionIds());
        assertEquals(SetupRole.PASSIVE, answer.setup(video).orElseThrow());
        assertEquals(SdpTestSupport.SERVER_ICE, answer.iceCredentials(video).orElseThrow());
        assertEquals(SdpTestSupport.SERVER_FINGERPRINT, answer.fingerprint(video).orElseThrow());
        assertTrue(video.rtcpMux() && video.rtcpRsize());
        assertEquals("sluice-live video-0", video.attribute("msid").orElseThrow());
        assertEquals(1, video.ssrcGroups().size());
        assertTrue(video.has("end-of-candidates"));
        assertEquals(8189, video.candidates().get(0).port());

        NegotiatedMedia v = s.media().get(0);
        assertEquals(MediaKind.VIDEO, v.kind());
        assertEquals(106, v.codec().payloadType());
        assertEquals(107, v.rtxPayloadType());
        assertEquals(video.ssrcGroups().get(0).ssrcs(), List.of(v.localSsrc(), v.localRtxSsrc()));
        assertTrue(v.remoteSsrcs().isEmpty());

        MediaDescription audio = answer.media().get(1);
        assertEquals(List.of("111"), audio.formats());
        assertEquals(Direction.SENDONLY, audio.direction());
        assertEquals("minptime=10;useinbandfec=1", audio.attribute("fmtp").orElseThrow().substring(4));
        assertEquals(List.of("transport-cc"), audio.rtcpFeedback(111));
        assertEquals(-1, s.media().get(1).rtxPayloadType());
    }

    @Test
    void profilePreferenceFollowsConfiguration() {
        SessionDescription offer = SdpParser.parseDefault(resource("chrome-whep-offer.sdp"));
        SdpNegotiator high = SdpNegotiator.builder().h264Profiles(List.of(H264Profile.HIGH)).build();
        NegotiatedMedia v = high.answer(offer, SERVER).media().get(0);
        assertEquals(112, v.codec().payloadType());
        assertEquals(113, v.rtxPayloadType());
        assertEquals("64001f", v.fmtp().get("profile-level-id"));
        SdpNegotiator main = SdpNegotiator.builder().h264Profiles(List.of(H264Profile.MAIN)).withoutRtx().build();
        NegotiatedMedia m = main.answer(offer, SERVER).media().get(0);
        assertEquals(127, m.codec().payloadType());
        assertEquals(-1, m.rtxPayloadType());
    }

    @Test
    void answersChromeWhipOffer() {
        SessionDescription offer = SdpParser.parseDefault(resource("chrome-whip-offer.sdp"));
        NegotiatedSession s = negotiator.answer(offer, SERVER);
        MediaDescription video = s.localDescription().media().get(0);
        assertEquals(Direction.RECVONLY, video.direction());
        assertFalse(video.has("msid"));
        assertTrue(video.ssrcs().isEmpty());
        NegotiatedMedia v = s.media().get(0);
        assertEquals(-1, v.localSsrc());
        assertEquals(List.of(2339146512L, 1196324119L), v.remoteSsrcs());
        assertEquals(List.of(3876542210L), s.media().get(1).remoteSsrcs());
    }

    @Test
    void rejectsVp8Only() {
        SessionDescription offer = SdpParser.parseDefault(resource("chrome-vp8-only-offer.sdp"));
        SdpNegotiationException e = assertThrows(SdpNegotiationException.class, () -> negotiator.answer(offer, SERVER));
        assertEquals("m-section mid=0 (video): no common codec (offered: VP8/90000; supported: H264 "
                + "packetization-mode=1 [CONSTRAINED_BASELINE, BASELINE, MAIN, CONSTRAINED_HIGH, HIGH])", e.getMessage());
    }

    @Test
    void rejectsMissingBundleAndRtcpMux() {
        String offer = resource("chrome-whep-offer.sdp");
        assertEquals("offer has no a=group:BUNDLE (BUNDLE is required, RFC 8843)",
                assertThrows(SdpNegotiationException.class, () -> negotiator.answer(
                        SdpParser.parseDefault(offer.replace("a=group:BUNDLE 0 1\n", "")), SERVER)).getMessage());
        assertEquals("m-section mid=1 (audio): no a=rtcp-mux (rtcp-mux is required, RFC 5761/RFC 8829)",
                assertThrows(SdpNegotiationException.class, () -> negotiator.answer(SdpParser.parseDefault(
                        offer.substring(0, offer.indexOf("m=audio"))
                                + offer.substring(offer.indexOf("m=audio")).replace("a=rtcp-mux\n", "")), SERVER))
                        .getMessage());
        assertEquals("m-section mid=1 (audio) is not in the BUNDLE group [0]",
                assertThrows(SdpNegotiationException.class, () -> negotiator.answer(
                        SdpParser.parseDefault(offer.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0")), SERVER))
                        .getMessage());
        assertEquals("offer has no a=fingerprint (DTLS-SRTP is required, RFC 8842)",
                assertThrows(SdpNegotiationException.class, () -> negotiator.answer(SdpParser.parseDefault(
                        offer.replaceAll("a=fingerprint:[^\n]*\n", "")), SERVER)).getMessage());
    }

    @Test
    void rejectsDataChannelSectionButAnswersMedia() {
        String offer = resource("chrome-whep-offer.sdp").replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2")
                + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\nc=IN IP4 0.0.0.0\na=mid:2\n"
                + "a=sctp-port:5000\na=max-message-size:262144\n";
        NegotiatedSession s = negotiator.answer(SdpParser.parseDefault(offer), SERVER);
        assertEquals(3, s.localDescription().media().size());
        assertTrue(s.localDescription().media().get(2).rejected());
        assertEquals(List.of(List.of("0", "1")), s.localDescription().bundleGroups());
        assertEquals(2, s.media().size());
    }

    @Test
    void whipClientOfferAnswerLoop() {
        LocalTransport client = new LocalTransport(new IceCredentials("cliU", "clientPasswordClientPw1"),
                Fingerprint.parse("sha-256 " + "01:".repeat(31) + "01"),
                List.of(IceCandidate.host(new InetSocketAddress("192.168.1.20", 50000), 65535)), "sluice-pub");
        SessionDescription offer = negotiator.createOffer(client, List.of(MediaKind.VIDEO, MediaKind.AUDIO));
        SessionDescription parsedOffer = SdpParser.parseDefault(offer.toSdp());
        assertEquals(offer, parsedOffer);
        assertEquals(SetupRole.ACTPASS, offer.setup(offer.media().get(0)).orElseThrow());
        assertEquals(List.of("96", "97", "98", "99", "100", "101", "102", "103", "104", "105"),
                offer.media().get(0).formats());

        // The Sluice server answers the Sluice client.
        SdpNegotiator server = SdpNegotiator.builder().h264Profiles(List.of(H264Profile.HIGH)).build();
        NegotiatedSession atServer = server.answer(parsedOffer, SERVER);
        assertEquals(Direction.RECVONLY, atServer.media().get(0).direction());
        assertEquals(104, atServer.media().get(0).codec().payloadType());

        SessionDescription answer = SdpParser.parseDefault(atServer.localDescription().toSdp());
        NegotiatedSession atClient = negotiator.applyAnswer(offer, answer);
        assertTrue(atClient.dtlsClient());
        assertTrue(atClient.remoteIceLite());
        assertEquals(SdpTestSupport.SERVER_ICE, atClient.remoteIce());
        assertEquals(SdpTestSupport.SERVER_FINGERPRINT, atClient.remoteFingerprint());
        assertEquals(8189, atClient.remoteCandidates().get(0).port());
        NegotiatedMedia v = atClient.media().get(0);
        assertEquals(Direction.SENDONLY, v.direction());
        assertEquals(104, v.codec().payloadType());
        assertEquals(105, v.rtxPayloadType());
        assertEquals(atServer.media().get(0).remoteSsrcs(), List.of(v.localSsrc(), v.localRtxSsrc()));
        assertEquals(111, atClient.media().get(1).codec().payloadType());
        assertEquals(Map.of(ExtMap.MID, 1, ExtMap.ABS_SEND_TIME, 2, ExtMap.TRANSPORT_WIDE_CC, 3), v.extensionIds());

        // An answer choosing something that was not offered is refused.
        SessionDescription bad = SdpParser.parseDefault(answer.toSdp().replace("m=video 9 UDP/TLS/RTP/SAVPF 104 105",
                "m=video 9 UDP/TLS/RTP/SAVPF 120").replace("a=rtpmap:104 H264/90000", "a=rtpmap:120 H264/90000"));
        assertEquals("answer m-section mid=0: codec payload type 120 was not offered",
                assertThrows(SdpNegotiationException.class, () -> negotiator.applyAnswer(offer, bad)).getMessage());
        SessionDescription actpass = SdpParser.parseDefault(answer.toSdp().replace("a=setup:passive", "a=setup:actpass"));
        assertThrows(SdpNegotiationException.class, () -> negotiator.applyAnswer(offer, actpass));
    }
}
