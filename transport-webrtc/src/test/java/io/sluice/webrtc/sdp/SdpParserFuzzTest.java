package io.sluice.webrtc.sdp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link SdpParser}: any input parses or throws {@link SdpParseException}; what parses
 * writes back to text that parses equal, its typed views never throw, and answering it either
 * succeeds or throws {@link SdpNegotiationException}.
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code SdpParserFuzzTestInputs/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -pl core,transport-webrtc test -Dtest=SdpParserFuzzTest}.
 */
class SdpParserFuzzTest {
    private static final SdpNegotiator NEGOTIATOR = SdpNegotiator.builder().build();

    @FuzzTest(maxDuration = "20s")
    void fuzzSdpParser(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        SessionDescription sd;
        try {
            sd = SdpParser.parseDefault(text);
        } catch (SdpParseException expected) {
            return;
        }
        SessionDescription again = SdpParser.parseDefault(sd.toSdp());
        if (!again.equals(sd)) {
            throw new AssertionError("written SDP parses differently:\n" + sd.toSdp());
        }
        for (MediaDescription m : sd.media()) {
            m.mid();
            m.direction();
            m.rtpMaps();
            m.extMaps();
            m.ssrcs();
            m.ssrcGroups();
            m.candidates();
            for (String f : m.formats()) {
                if (f.matches("\\d{1,3}") && Integer.parseInt(f) < 128) {
                    m.fmtp(Integer.parseInt(f));
                    m.rtcpFeedback(Integer.parseInt(f));
                }
            }
            sd.fingerprint(m);
            sd.setup(m);
            try {
                sd.iceCredentials(m);
            } catch (IllegalArgumentException expected) {
                // ice-ufrag shorter than 4 or ice-pwd shorter than 22 chars: syntax is valid, values are not
            }
        }
        try {
            NEGOTIATOR.answer(sd, SdpTestSupport.SERVER);
        } catch (SdpNegotiationException expected) {
            // unsupported offer
        }
    }
}
