package io.sluice.webrtc.sdp;

import static io.sluice.webrtc.sdp.SdpTestSupport.SERVER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code a=sframe} offer/answer (draft-ietf-avtcore-rtp-sframe-02 §6) between the Sluice WHIP client
 * ({@link SdpNegotiator#createOffer(LocalTransport, List, Set)}, {@link SdpNegotiator#applyAnswer}) and
 * server ({@link SdpNegotiator#answer}), both ways: accepted, and refused by a peer without SFrame.
 */
class SframeNegotiationTest {
    static final LocalTransport CLIENT = new LocalTransport(new IceCredentials("cliU", "clientPasswordClientPw1"),
            Fingerprint.parse("sha-256 " + "01:".repeat(31) + "01"),
            List.of(IceCandidate.host(new InetSocketAddress("192.168.1.20", 50000), 65535)), "sluice-pub");

    private final SdpNegotiator client = SdpNegotiator.builder().random(new Random(5)).build();

    private SessionDescription sframeOffer() {
        return client.createOffer(CLIENT, List.of(MediaKind.VIDEO, MediaKind.AUDIO),
                Set.of(MediaKind.VIDEO, MediaKind.AUDIO));
    }

    @Test
    void offerCarriesSframeAndFrameMarkingOnlyWhereAsked() {
        SessionDescription offer = SdpParser.parseDefault(client.createOffer(CLIENT,
                List.of(MediaKind.VIDEO, MediaKind.AUDIO), Set.of(MediaKind.VIDEO)).toSdp());
        MediaDescription video = offer.media().get(0);
        MediaDescription audio = offer.media().get(1);
        assertTrue(video.has("sframe"));
        assertTrue(video.extMaps().contains(new ExtMap(4, null, ExtMap.FRAME_MARKING, null)), video.extMaps().toString());
        assertFalse(audio.has("sframe"));
        assertTrue(audio.extMaps().stream().noneMatch(e -> e.uri().equals(ExtMap.FRAME_MARKING)));
        // The payload type still names the media format inside (§4): H.264 and Opus as usual.
        assertTrue(video.rtpMap(96).orElseThrow().is("H264"));
        // Without SFrame kinds the offer is the plain one.
        SessionDescription plain = client.createOffer(CLIENT, List.of(MediaKind.VIDEO));
        assertFalse(plain.media().get(0).has("sframe"));
    }

    @Test
    void sluiceServerAcceptsAndClientSeesIt() {
        SessionDescription offer = sframeOffer();
        SdpNegotiator server = SdpNegotiator.builder().extensions(List.of(ExtMap.MID)).sframe(true).build();
        NegotiatedSession atServer = server.answer(SdpParser.parseDefault(offer.toSdp()), SERVER);
        NegotiatedMedia sv = atServer.media().get(0);
        assertTrue(sv.sframe());
        assertTrue(atServer.media().get(1).sframe());
        assertEquals(4, sv.extensionIds().get(ExtMap.FRAME_MARKING), "frame marking kept for SFrame video");
        assertTrue(atServer.localDescription().media().get(0).has("sframe"));

        NegotiatedSession atClient = client.applyAnswer(offer,
                SdpParser.parseDefault(atServer.localDescription().toSdp()));
        assertTrue(atClient.media().get(0).sframe());
        assertTrue(atClient.media().get(1).sframe());
        assertEquals(4, atClient.media().get(0).extensionIds().get(ExtMap.FRAME_MARKING));
    }

    @Test
    void serverWithoutSframeRejectsTheSectionAndClientFailsClearly() {
        SessionDescription offer = sframeOffer();
        SdpNegotiator plainServer = SdpNegotiator.builder().build(); // a WHEP-style negotiator, or any peer without SFrame
        // Only the video is SFrame here: the server answers the audio and rejects the video (port 0, §6).
        SessionDescription videoOnlySframe = client.createOffer(CLIENT, List.of(MediaKind.VIDEO, MediaKind.AUDIO),
                Set.of(MediaKind.VIDEO));
        NegotiatedSession atServer = plainServer.answer(SdpParser.parseDefault(videoOnlySframe.toSdp()), SERVER);
        assertTrue(atServer.localDescription().media().get(0).rejected());
        assertEquals(1, atServer.media().size());
        SdpNegotiationException e = assertThrows(SdpNegotiationException.class, () -> client.applyAnswer(
                videoOnlySframe, SdpParser.parseDefault(atServer.localDescription().toSdp())));
        assertTrue(e.getMessage().contains("does not accept SFrame") && e.getMessage().contains("port 0"), e.getMessage());

        // Everything SFrame: nothing left to answer.
        SdpNegotiationException all = assertThrows(SdpNegotiationException.class,
                () -> plainServer.answer(SdpParser.parseDefault(offer.toSdp()), SERVER));
        assertTrue(all.getMessage().contains("a=sframe"), all.getMessage());
    }

    @Test
    void answerThatDropsTheAttributeOrFrameMarkingIsRefused() {
        SessionDescription offer = sframeOffer();
        SdpNegotiator server = SdpNegotiator.builder().sframe(true).build();
        String answer = server.answer(SdpParser.parseDefault(offer.toSdp()), SERVER).localDescription().toSdp();

        String noAttribute = answer.replaceFirst("a=sframe\r\n", "");
        SdpNegotiationException e = assertThrows(SdpNegotiationException.class,
                () -> client.applyAnswer(offer, SdpParser.parseDefault(noAttribute)));
        assertTrue(e.getMessage().contains("without a=sframe"), e.getMessage());

        String noMarking = answer.replace("a=extmap:4 " + ExtMap.FRAME_MARKING + "\r\n", "");
        e = assertThrows(SdpNegotiationException.class, () -> client.applyAnswer(offer, SdpParser.parseDefault(noMarking)));
        assertTrue(e.getMessage().contains("frame marking"), e.getMessage());
    }

    @Test
    void serverRefusesSframeVideoWithoutFrameMarking() {
        String offer = sframeOffer().toSdp().replace("a=extmap:4 " + ExtMap.FRAME_MARKING + "\r\n", "");
        SdpNegotiator server = SdpNegotiator.builder().sframe(true).build();
        SdpNegotiationException e = assertThrows(SdpNegotiationException.class,
                () -> server.answer(SdpParser.parseDefault(offer), SERVER));
        assertTrue(e.getMessage().contains("frame marking"), e.getMessage());
    }

    @Test
    void unofferedSframeInAnswerIsRefused() {
        SessionDescription plainOffer = client.createOffer(CLIENT, List.of(MediaKind.AUDIO));
        String answer = SdpNegotiator.builder().build().answer(SdpParser.parseDefault(plainOffer.toSdp()), SERVER)
                .localDescription().toSdp().replace("a=rtcp-mux\r\n", "a=rtcp-mux\r\na=sframe\r\n");
        assertThrows(SdpNegotiationException.class, () -> client.applyAnswer(plainOffer, SdpParser.parseDefault(answer)));
    }
}
