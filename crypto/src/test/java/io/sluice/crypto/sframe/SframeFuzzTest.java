package io.sluice.crypto.sframe;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.crypto.SframeDecryptor;
import io.sluice.crypto.SframeFraming;

/**
 * Fuzzes SFrame header parsing and decryption of arbitrary bytes: header decoding may only throw
 * {@link SframeProtocolException}; {@link SframeReceiver#decrypt} and {@link SframeDecryptor#apply} must
 * return a status / a frame or null and never throw, and never leak a buffer (PARANOID leak detection).
 *
 * <p>Plain {@code mvn test} runs the seeds only (regression mode). To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -pl core,crypto test -Dtest=SframeFuzzTest}.
 */
class SframeFuzzTest {
    private static final InMemoryKeyProvider KEYS = new InMemoryKeyProvider()
            .put(0, new byte[16]).put(5, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}).put(300, new byte[32]);
    private static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(16, 16).build();

    @FuzzTest(maxDuration = "20s")
    void fuzzHeader(byte[] data) {
        long[] kidCtr = new long[2];
        int n = SframeHeader.parse(data, 0, data.length, kidCtr);
        try {
            SframeHeader h = SframeHeader.decode(data, 0, data.length);
            if (n <= 0 || !h.equals(SframeHeader.of(kidCtr[0], kidCtr[1]))) {
                throw new AssertionError("parse and decode disagree");
            }
            byte[] again = h.encode();
            if (again.length != n) {
                throw new AssertionError("re-encoding changed the length");
            }
        } catch (SframeProtocolException expected) {
            if (n > 0) {
                throw new AssertionError("decode threw but parse accepted", expected);
            }
        }
    }

    @FuzzTest(maxDuration = "20s")
    void fuzzReceiver(byte[] data) {
        if (data.length == 0) {
            return;
        }
        SframeCipherSuite suite = SframeCipherSuite.values()[(data[0] & 0xff) % SframeCipherSuite.values().length];
        SframeReceiver receiver = SframeReceiver.builder(suite, KEYS).replayWindow(64).build();
        byte[] out = new byte[data.length];
        int metaLen = data.length > 1 ? (data[1] & 3) : 0;
        SframeReceiveStatus s = receiver.decrypt(data, 1, data.length - 1, data, 0, Math.min(metaLen, data.length), out, 0);
        if (s == null) {
            throw new AssertionError("no status");
        }
        SframeFraming framing = (data[0] & 0x80) != 0 ? SframeFraming.NAL_PRESERVING : SframeFraming.WHOLE_FRAME;
        SframeDecryptor dec = SframeDecryptor.builder().cipherSuite(suite).keyProvider(KEYS).framing(framing).build();
        ByteBuf payload = (data[0] & 0x40) != 0 ? Unpooled.directBuffer(data.length) : Unpooled.buffer(data.length);
        payload.writeBytes(data, 1, data.length - 1);
        EncodedFrame f = new EncodedFrame(VIDEO, payload, 0, true);
        EncodedFrame r = dec.apply(f);
        if (f.refCnt() != 0) {
            throw new AssertionError("input not released");
        }
        if (r != null) {
            r.release();
        }
    }
}
