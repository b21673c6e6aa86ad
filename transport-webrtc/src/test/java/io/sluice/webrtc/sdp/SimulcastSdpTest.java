package io.sluice.webrtc.sdp;

import static io.sluice.webrtc.sdp.SdpTestSupport.SERVER;
import static io.sluice.webrtc.sdp.SdpTestSupport.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code a=rid} (RFC 8851), {@code a=simulcast} (RFC 8853) and the RID header extensions (RFC 8852): parsing, and
 * answering a WHIP offer. The offer is what headless Chromium 156 wrote for
 * {@code addTransceiver(track, {direction: 'sendonly', sendEncodings: [{rid: 'q', scaleResolutionDownBy: 4},
 * {rid: 'h', scaleResolutionDownBy: 2}, {rid: 'f'}]})} (captured with {@code chromium --headless=new --dump-dom}).
 * The golden answers were written by the negotiator before simulcast support (commit daadbdd, {@code Random(5)}).
 */
class SimulcastSdpTest {
    static final String OFFER = resource("chromium-156-simulcast-offer.sdp");

    static SdpNegotiator negotiator() {
        return SdpNegotiator.builder().random(new Random(5)).cname("sluice").build();
    }

    @Test
    @DisplayName("Chromium's simulcast offer: three send rids, a=simulcast:send q;h;f, rid extensions 10 and 11")
    void parsesChromiumOffer() {
        MediaDescription video = SdpParser.parseDefault(OFFER).media().get(1);
        assertEquals(List.of(new Rid("q", true, List.of(), Map.of()), new Rid("h", true, List.of(), Map.of()),
                new Rid("f", true, List.of(), Map.of())), video.rids());
        Simulcast s = video.simulcast().orElseThrow();
        assertEquals(List.of(List.of(new Simulcast.Id("q", false)), List.of(new Simulcast.Id("h", false)),
                List.of(new Simulcast.Id("f", false))), s.send());
        assertTrue(s.recv().isEmpty());
        assertEquals("send q;h;f", s.toString());
        assertTrue(video.extMaps().contains(new ExtMap(10, null, ExtMap.RTP_STREAM_ID, null)));
        assertTrue(video.extMaps().contains(new ExtMap(11, null, ExtMap.REPAIRED_RTP_STREAM_ID, null)));
        assertTrue(SdpParser.parseDefault(OFFER).media().get(0).rids().isEmpty());
    }

    @Test
    @DisplayName("rid restrictions, alternatives and paused streams round-trip")
    void restrictionsAlternativesPaused() {
        Rid r = Rid.parse("1 send pt=96,97;max-width=1280;max-height=720;max-br=2500000;max-fps=29.97;depend=0");
        assertEquals("1", r.id());
        assertTrue(r.send());
        assertEquals(List.of(96, 97), r.payloadTypes());
        assertEquals(OptionalLong.of(1280), r.restriction("max-width"));
        assertEquals(OptionalLong.of(2_500_000), r.restriction("max-br"));
        assertEquals(OptionalLong.empty(), r.restriction("max-fps"));
        assertEquals("29.97", r.restrictions().get("max-fps"));
        assertEquals("1 send pt=96,97;max-width=1280;max-height=720;max-br=2500000;max-fps=29.97;depend=0",
                r.toString());
        assertEquals("lo recv", Rid.parse("lo recv").toString());
        Simulcast s = Simulcast.parse("recv 1,~2;3 send ~a;b");
        assertEquals(List.of(List.of(new Simulcast.Id("1", false), new Simulcast.Id("2", true)),
                List.of(new Simulcast.Id("3", false))), s.recv());
        assertEquals(List.of(List.of(new Simulcast.Id("a", true)), List.of(new Simulcast.Id("b", false))), s.send());
        assertEquals("send ~a;b recv 1,~2;3", s.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "a=rid:q sideways",
        "a=rid:q",
        "a=rid:q send pt=abc",
        "a=rid:q send pt=200",
        "a=rid:q send max-width=wide",
        "a=rid:q send max-height=-1",
        "a=rid:q send max-width=1;pt=96",
        "a=rid:q send max-br=1;max-br=2",
        "a=rid:q*r send",
        "a=rid:abcdefghijabcdefghijabcdefghijabc send",
        "a=rid:q send  max-width=1",
        "a=simulcast:send q;;f",
        "a=simulcast:send ~",
        "a=simulcast:send q,",
        "a=simulcast:sideways q",
        "a=simulcast:send q;h;q",
        "a=simulcast:send q send h",
        "a=simulcast:send",
        "a=simulcast:send q;h;f;x",
        "a=simulcast:recv q",
    })
    @DisplayName("malformed or inconsistent rid/simulcast lines are SdpParseExceptions (400 from the server)")
    void malformed(String lines) {
        String base = OFFER.replace("a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n",
                "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n");
        assertFalse(base.contains("simulcast"));
        String sdp = lines.startsWith("a=rid:") ? base.replace("a=rid:q send\r\n", lines + "\r\n")
                + "a=simulcast:send h;f\r\n" : base + lines + "\r\n";
        SdpParseException e = assertThrows(SdpParseException.class, () -> SdpParser.parseDefault(sdp), sdp);
        assertTrue(e.getMessage().contains("rid") || e.getMessage().contains("simulcast"), e.getMessage());
    }

    @Test
    @DisplayName("a rid declared twice, or a=simulcast twice, in one m-section is rejected")
    void duplicates() {
        assertThrows(SdpParseException.class, () -> SdpParser.parseDefault(OFFER + "a=rid:q send\r\n"));
        assertThrows(SdpParseException.class, () -> SdpParser.parseDefault(OFFER + "a=simulcast:send q;h\r\n"));
    }

    @Test
    @DisplayName("the simulcast answer is the pre-simulcast answer plus the rid extensions, a=rid recv and"
            + " a=simulcast:recv")
    void answersChromiumSimulcast() {
        NegotiatedSession s = negotiator().answer(SdpParser.parseDefault(OFFER), SERVER);
        String answer = s.localDescription().toSdp();
        SessionDescription parsed = SdpParser.parseDefault(answer);
        MediaDescription video = parsed.media().get(1);
        assertEquals(List.of(new Rid("q", false, List.of(), Map.of()), new Rid("h", false, List.of(), Map.of()),
                new Rid("f", false, List.of(), Map.of())), video.rids());
        assertEquals("recv q;h;f", video.simulcast().orElseThrow().toString());
        NegotiatedMedia v = s.media().get(1);
        assertEquals(List.of("q", "h", "f"), v.simulcastLayers().stream().map(Rid::id).toList());
        assertTrue(v.simulcast());
        assertEquals(10, v.extensionIds().get(ExtMap.RTP_STREAM_ID));
        assertEquals(11, v.extensionIds().get(ExtMap.REPAIRED_RTP_STREAM_ID));
        assertFalse(s.media().get(0).simulcast());
        assertFalse(s.media().get(0).extensionIds().containsKey(ExtMap.RTP_STREAM_ID));

        List<String> before = lines(resource("golden-answer-chromium-156-simulcast-offer.sdp"));
        List<String> after = lines(answer);
        List<String> added = new ArrayList<>(after);
        for (String l : before) {
            assertTrue(added.remove(l), "line of the old answer kept: " + l);
        }
        assertEquals(List.of("a=extmap:10 " + ExtMap.RTP_STREAM_ID, "a=extmap:11 " + ExtMap.REPAIRED_RTP_STREAM_ID,
                "a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f"), added);
        // The additions sit in the video m-section, before its candidates.
        assertTrue(after.indexOf("a=simulcast:recv q;h;f") < after.lastIndexOf("a=end-of-candidates"));
        assertTrue(after.indexOf("a=rid:q recv") > after.indexOf("m=video 9 UDP/TLS/RTP/SAVPF 108 109"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"chrome-whip-offer", "chrome-whep-offer"})
    @DisplayName("offers without simulcast are answered exactly as before (golden answers), though Chromium offers"
            + " the rid extensions in every video m-section")
    void nonSimulcastUnchanged(String name) {
        String offer = resource(name + ".sdp");
        assertTrue(offer.contains(ExtMap.RTP_STREAM_ID));
        NegotiatedSession s = negotiator().answer(SdpParser.parseDefault(offer), SERVER);
        assertEquals(resource("golden-answer-" + name + ".sdp"), s.localDescription().toSdp());
        assertTrue(s.media().stream().noneMatch(NegotiatedMedia::simulcast));
    }

    @Test
    @DisplayName("the same offer without its rid/simulcast lines gets the golden pre-simulcast answer")
    void strippedOfferGetsTheOldAnswer() {
        String stripped = OFFER.replace("a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n", "");
        assertFalse(stripped.contains("a=rid"));
        assertEquals(resource("golden-answer-chromium-156-simulcast-offer.sdp"),
                negotiator().answer(SdpParser.parseDefault(stripped), SERVER).localDescription().toSdp());
    }

    @Test
    @DisplayName("at most 4 layers answered; alternatives: the first allowing the codec; paused kept; pt= honoured")
    void bounds() {
        String simulcastLines = "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n";
        String five = OFFER.replace(simulcastLines, "a=rid:a send\r\na=rid:b send\r\na=rid:c send\r\na=rid:d send\r\n"
                + "a=rid:e send\r\na=simulcast:send a;b;~c;d;e\r\n");
        NegotiatedSession s = negotiator().answer(SdpParser.parseDefault(five), SERVER);
        assertEquals(List.of("a", "b", "c", "d"), s.media().get(1).simulcastLayers().stream().map(Rid::id).toList());
        assertEquals("recv a;b;~c;d",
                SdpParser.parseDefault(s.localDescription().toSdp()).media().get(1).simulcast().orElseThrow().toString());

        // Alternatives: x allows only VP8 (96), so y (H.264 108) is taken; z allows only VP8 and has no alternative.
        String alts = OFFER.replace(simulcastLines, "a=rid:x send pt=96\r\na=rid:y send pt=108,102\r\n"
                + "a=rid:z send pt=96;max-width=320\r\na=rid:w send max-width=1280;max-height=720\r\n"
                + "a=simulcast:send x,y;z;w\r\n");
        NegotiatedSession a = negotiator().answer(SdpParser.parseDefault(alts), SERVER);
        assertEquals(List.of("y", "w"), a.media().get(1).simulcastLayers().stream().map(Rid::id).toList());
        assertEquals(OptionalLong.of(720), a.media().get(1).simulcastLayers().get(1).restriction("max-height"));

        // Without the rtp-stream-id extension the layers cannot be told apart: answered as one stream.
        String noRid = OFFER.replace("a=extmap:10 " + ExtMap.RTP_STREAM_ID + "\r\n", "");
        NegotiatedSession n = negotiator().answer(SdpParser.parseDefault(noRid), SERVER);
        assertFalse(n.media().get(1).simulcast());
        assertFalse(n.localDescription().toSdp().contains("a=simulcast"));
        assertFalse(n.localDescription().toSdp().contains(ExtMap.REPAIRED_RTP_STREAM_ID));
    }

    private static List<String> lines(String sdp) {
        return List.of(sdp.split("\r\n"));
    }
}
