package io.sluice.webrtc.stun;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link StunMessage#decode}: any input decodes or throws {@link StunProtocolException};
 * the typed accessors of what decodes never throw.
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code StunMessageFuzzTestInputs/} (the RFC 5769
 * samples). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl core,transport-webrtc test -Dtest=StunMessageFuzzTest}.
 */
class StunMessageFuzzTest {
    private static final byte[] KEY = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.UTF_8);

    @FuzzTest(maxDuration = "20s")
    void fuzzStunDecode(byte[] data) {
        ByteBuf in = Unpooled.wrappedBuffer(data);
        StunMessage m;
        try {
            StunMessage.isStun(in);
            m = StunMessage.decode(in, msg -> {
                msg.username();
                return KEY;
            });
        } catch (StunProtocolException expected) {
            return;
        } finally {
            in.release();
        }
        m.username();
        m.software();
        m.priority();
        m.iceControlled();
        m.iceControlling();
        m.useCandidate();
        m.xorMappedAddress();
        m.mappedAddress();
        m.errorCode();
        m.unknownAttributes();
        m.integrity();
        m.toString();
    }
}
