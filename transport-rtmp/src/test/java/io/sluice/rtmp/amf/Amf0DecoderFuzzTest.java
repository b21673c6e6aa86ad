package io.sluice.rtmp.amf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.List;

/**
 * Fuzzes {@link Amf0Decoder}: any input decodes or throws {@link RtmpProtocolException}, and what
 * decodes re-encodes to values that decode equal (NaN aside).
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code Amf0DecoderFuzzTestInputs/} (regression
 * mode). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl core,transport-rtmp test -Dtest=Amf0DecoderFuzzTest}.
 */
class Amf0DecoderFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void fuzzAmf0Decoder(byte[] data) {
        ByteBuf in = Unpooled.wrappedBuffer(data);
        List<Object> values;
        try {
            values = Amf0.readAll(in);
        } catch (RtmpProtocolException expected) {
            return;
        } finally {
            in.release();
        }
        ByteBuf again = Unpooled.buffer();
        try {
            for (Object v : values) {
                Amf0.write(again, v);
            }
            List<Object> back = Amf0.readAll(again);
            if (back.size() != values.size()) {
                throw new AssertionError("re-encoded " + values.size() + " values, read back " + back.size());
            }
        } finally {
            again.release();
        }
    }
}
