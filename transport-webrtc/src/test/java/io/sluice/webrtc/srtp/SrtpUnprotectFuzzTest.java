package io.sluice.webrtc.srtp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * Fuzzes {@link SrtpReceiver#unprotectRtp} and {@link SrtpReceiver#unprotectRtcp} with arbitrary
 * octets for every profile: each call returns a result and never throws; buffers are released by the
 * test and checked by the PARANOID leak detector. Regression mode runs the seeds in
 * {@code SrtpUnprotectFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class SrtpUnprotectFuzzTest {
    private static final SrtpReceiver[] RECEIVERS = new SrtpReceiver[SrtpProfile.values().length];

    static {
        for (SrtpProfile p : SrtpProfile.values()) {
            RECEIVERS[p.ordinal()] = SrtpReceiver.builder(SrtpSenderReceiverTest.keys(p, 11)).maxSsrcs(8).build();
        }
    }

    @FuzzTest(maxDuration = "20s")
    void fuzzUnprotect(byte[] data) {
        for (SrtpReceiver rx : RECEIVERS) {
            for (boolean direct : new boolean[] {false, true}) {
                ByteBuf b = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(data.length)
                        : PooledByteBufAllocator.DEFAULT.heapBuffer(data.length);
                try {
                    b.writeBytes(data);
                    if (rx.unprotectRtp(b) == null || rx.unprotectRtcp(b) == null) {
                        throw new AssertionError("null result");
                    }
                } finally {
                    b.release();
                }
            }
        }
    }
}
