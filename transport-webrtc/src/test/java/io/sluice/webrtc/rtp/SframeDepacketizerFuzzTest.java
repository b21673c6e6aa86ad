package io.sluice.webrtc.rtp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;

/**
 * Fuzzes the SFrame RTP receive path ({@link JitterBuffer} with {@link SframeDepacketizer} and frame
 * marking): the input is cut into RTP packets whose descriptor, frame marking, marker bit, sequence number
 * step and timestamp come from the input. Nothing throws, nothing leaks (leak detection at PARANOID), and
 * no frame exceeds the depacketizer's bound.
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code SframeDepacketizerFuzzTestInputs/} if any (regression
 * mode). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl core,transport-webrtc test -Dtest=SframeDepacketizerFuzzTest}.
 */
class SframeDepacketizerFuzzTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).opaque(true).build();

    @FuzzTest(maxDuration = "20s")
    void fuzzSframeReceivePath(byte[] data) {
        SframeDepacketizer d = new SframeDepacketizer(90_000, 4096);
        JitterBuffer jb = JitterBuffer.builder(VIDEO, d).capacity(64).frameMarkingExtension(3)
                .waitForKeyframeAfterLoss((data.length & 1) == 0).build();
        RtpHeaderWriter header = new RtpHeaderWriter(1, 96).extension(3, new byte[1]);
        int seq = 0;
        long ts = 0;
        long now = 0;
        int i = 0;
        try {
            while (i + 4 <= data.length) {
                int control = data[i] & 0xff;
                int descriptor = data[i + 1] & 0xff;
                int marking = data[i + 2] & 0xff;
                int length = Math.min(data[i + 3] & 0xff, data.length - i - 4);
                i += 4;
                seq = (seq + (control & 3)) & 0xFFFF; // duplicates, steps, gaps
                ts += (control >>> 2 & 3) * 3000L;
                header.extension(3, new byte[] {(byte) marking});
                ByteBuf p = Unpooled.buffer();
                header.write(p, seq, ts, (control & 0x10) != 0);
                if ((control & 0x20) == 0) {
                    p.writeByte(descriptor);
                }
                p.writeBytes(data, i, length);
                i += length;
                jb.insert(p, now += 1000 * (control >>> 6));
                EncodedFrame f;
                while ((f = jb.poll(now)) != null) {
                    int size = f.size();
                    f.release();
                    if (size > d.maxFrameBytes()) {
                        throw new AssertionError("frame of " + size + " octets past the bound");
                    }
                }
            }
            EncodedFrame f;
            while ((f = jb.poll(Long.MAX_VALUE / 4)) != null) {
                f.release();
            }
        } finally {
            jb.close();
        }
    }
}
