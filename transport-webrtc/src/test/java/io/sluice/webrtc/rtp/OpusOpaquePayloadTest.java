package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Opus RTP (RFC 7587) carries payloads that are not Opus packets byte for byte: with end-to-end encryption
 * (SFrame whole-frame framing) the payload is {@code SFrame header ‖ ciphertext ‖ tag}, whose first octet
 * is no TOC. Neither the packetizer nor the depacketizer may look inside.
 */
class OpusOpaquePayloadTest {
    static final TrackInfo TRACK = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).build();

    @Test
    void arbitraryPayloadsRoundTripByteExact() {
        Random r = new Random(9605);
        OpusPacketizer pz = new OpusPacketizer(new RtpHeaderWriter(7, 111), UnpooledByteBufAllocator.DEFAULT, 16, 0, 65530);
        JitterBuffer jb = JitterBuffer.builder(TRACK, new OpusDepacketizer()).waitForKeyframeAfterLoss(false).build();
        List<byte[]> sent = new ArrayList<>();
        List<EncodedFrame> got = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // SFrame-shaped: a config octet (KID 1, CTR i), then random "ciphertext and tag" of 1..1400 octets;
            // some frames start with octets that are no valid TOC for the frame length, some are a single octet.
            byte[] p = new byte[i % 10 == 0 ? 1 : 1 + r.nextInt(1400)];
            r.nextBytes(p);
            p[0] = (byte) (i % 3 == 0 ? 0x10 | (i & 7) : p[0]);
            sent.add(p);
            long pts = i * 20_000L;
            EncodedFrame f = new EncodedFrame(TRACK, Unpooled.wrappedBuffer(p), pts, true);
            ByteBuf packet = pz.packetize(f);
            f.release();
            jb.insert(packet, pts);
            EncodedFrame out;
            while ((out = jb.poll(pts + 200_000)) != null) {
                got.add(out);
            }
        }
        EncodedFrame out;
        while ((out = jb.poll(Long.MAX_VALUE / 2)) != null) {
            got.add(out);
        }
        assertEquals(sent.size(), got.size(), "frames out (sequence numbers wrap at 65535 on the way)");
        for (int i = 0; i < sent.size(); i++) {
            assertArrayEquals(sent.get(i), ByteBufUtil.getBytes(got.get(i).content()), "frame " + i);
            assertEquals(i * 20_000L, got.get(i).ptsUs(), "pts of " + i);
            got.get(i).release();
        }
        assertEquals(0, jb.packetsLost());
        jb.close();
    }
}
