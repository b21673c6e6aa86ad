package io.sluice.webrtc.rtcp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * Fuzzes {@link RtcpParser}: any input parses or throws {@link RtcpProtocolException}, and what parses
 * writes out again and parses again.
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code RtcpParserFuzzTestInputs/} (regression mode). To
 * fuzz: {@code JAZZER_FUZZ=1 mvn -pl core,transport-webrtc test -Dtest=RtcpParserFuzzTest}.
 */
class RtcpParserFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void fuzzRtcpParser(byte[] data) {
        ByteBuf in = Unpooled.wrappedBuffer(data);
        List<RtcpPacket> packets;
        try {
            packets = RtcpParser.parse(in);
        } catch (RtcpProtocolException expected) {
            return;
        } finally {
            in.release();
        }
        ByteBuf out = Unpooled.buffer();
        try {
            for (RtcpPacket p : packets) {
                try {
                    p.writeTo(out);
                } catch (IllegalArgumentException textTooLongAfterUtf8Replacement) {
                    return;
                }
            }
            if (RtcpParser.parse(out).size() != packets.size()) {
                throw new AssertionError("re-parsed a different number of packets");
            }
        } finally {
            out.release();
        }
    }
}
