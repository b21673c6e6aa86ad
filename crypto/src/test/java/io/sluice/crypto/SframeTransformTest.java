package io.sluice.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeReceiveStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SframeTransformTest {
    private static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240)
            .codecConfig(new byte[] {1, 0x64, 0, 0x1f}).build();
    private static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).audio(48_000, 2).build();

    private static InMemoryKeyProvider keys(long kid, long seed) {
        byte[] k = new byte[16];
        new Random(seed).nextBytes(k);
        return new InMemoryKeyProvider().put(kid, k);
    }

    private static EncodedFrame frame(TrackInfo track, byte[] payload, long ptsUs, boolean direct) {
        ByteBuf b = direct ? Unpooled.directBuffer(payload.length) : Unpooled.buffer(payload.length);
        b.writeBytes(payload);
        return new EncodedFrame(track, b, ptsUs, ptsUs, true, 0);
    }

    private static byte[] bytes(EncodedFrame f) {
        return ByteBufUtil.getBytes(f.content());
    }

    /** The NAL units of an AVCC payload, each as header + body. */
    private static List<byte[]> nalUnits(byte[] avcc) {
        List<byte[]> l = new ArrayList<>();
        for (int p = 0; p < avcc.length; ) {
            int n = H264Sframe.readLength(avcc, p);
            l.add(Arrays.copyOfRange(avcc, p + 4, p + 4 + n));
            p += 4 + n;
        }
        return l;
    }

    @ParameterizedTest
    @EnumSource(SframeFraming.class)
    void randomFramesRoundTripBothFramingsAllSuites(SframeFraming framing) {
        for (SframeCipherSuite suite : SframeCipherSuite.values()) {
            Random rnd = new Random(suite.id() * 31L + framing.ordinal());
            InMemoryKeyProvider keys = keys(suite.id() * 1000L, 5);
            SframeEncryptor enc = SframeEncryptor.builder().cipherSuite(suite).keyProvider(keys)
                    .kid(suite.id() * 1000L).framing(framing).build();
            SframeDecryptor dec = SframeDecryptor.builder().cipherSuite(suite).keyProvider(keys).framing(framing).build();
            if (framing == SframeFraming.NAL_PRESERVING) {
                assertSame(VIDEO, enc.transformTrack(VIDEO));
            } else {
                // Whole-frame: the payload is one ciphertext, so the track is marked opaque (config kept);
                // the decryptor makes it clear again, one instance per input track.
                TrackInfo opaque = enc.transformTrack(VIDEO);
                assertTrue(opaque.isOpaque());
                assertEquals(VIDEO, opaque.toBuilder().opaque(false).build());
                assertEquals(VIDEO, dec.transformTrack(opaque));
                assertSame(dec.transformTrack(opaque), dec.transformTrack(opaque));
                assertFalse(dec.resolvesTrackFromFrames(opaque), "has resolution and avcC");
            }
            assertSame(VIDEO, dec.transformTrack(VIDEO));
            for (int i = 0; i < 150; i++) {
                boolean audio = i % 3 == 0;
                byte[] payload = audio ? SyntheticH264.body(rnd, rnd.nextInt(600))
                        : SyntheticH264.accessUnit(rnd, i % 30 == 1, i % 20 == 2 ? 40_000 : 2_000);
                EncodedFrame in = frame(audio ? AUDIO : VIDEO, payload, i * 33_333L, i % 7 == 0);
                EncodedFrame e = enc.apply(in);
                assertEquals(0, in.refCnt(), "input released");
                assertNotNull(e);
                assertEquals(i * 33_333L, e.ptsUs());
                byte[] wire = bytes(e);
                if (framing == SframeFraming.NAL_PRESERVING && !audio) {
                    checkNalPreserving(payload, wire);
                }
                EncodedFrame d = dec.apply(e);
                assertEquals(0, e.refCnt());
                assertNotNull(d, "frame " + i);
                assertArrayEquals(payload, bytes(d), "frame " + i);
                assertSame(audio ? AUDIO : VIDEO, d.track());
                d.release();
            }
            assertEquals(150, enc.stats().framesOut());
            assertEquals(150, dec.stats().framesOut());
            assertEquals(0, dec.stats().dropped());
            enc.close();
            dec.close();
        }
    }

    /** Structure survives: same NAL count and headers, clear NAL units unchanged, no start-code prefix inside encrypted bodies. */
    private static void checkNalPreserving(byte[] plain, byte[] wire) {
        List<byte[]> p = nalUnits(plain);
        List<byte[]> w = nalUnits(wire);
        assertEquals(p.size(), w.size());
        for (int i = 0; i < p.size(); i++) {
            assertEquals(p.get(i)[0], w.get(i)[0], "NAL header clear");
            if (H264Sframe.isClear(p.get(i)[0])) {
                assertArrayEquals(p.get(i), w.get(i), "SPS/PPS/AUD clear");
            } else {
                byte[] nal = w.get(i);
                assertFalse(H264SframeTest.hasStartCodePrefix(nal, 0, nal.length), "no start code, every 00 00 03 an escape");
                assertEquals((byte) 0x80, nal[nal.length - 1]);
                assertTrue(p.get(i).length < 3 || !Arrays.equals(Arrays.copyOfRange(p.get(i), 1, p.get(i).length),
                        Arrays.copyOfRange(nal, 1, p.get(i).length)), "body encrypted");
            }
        }
    }

    @Test
    void tamperedNalHeaderOrBodyIsDroppedAndTheStreamGoesOn() {
        InMemoryKeyProvider keys = keys(1, 1);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(1).framing(SframeFraming.NAL_PRESERVING).build();
        SframeDecryptor dec = SframeDecryptor.builder().keyProvider(keys).framing(SframeFraming.NAL_PRESERVING).build();
        Random rnd = new Random(3);
        byte[] au = SyntheticH264.accessUnit(rnd, false, 500);
        EncodedFrame first = enc.apply(frame(VIDEO, au, 0, false));
        byte[] wire = bytes(first);
        first.release();
        EncodedFrame ok = enc.apply(frame(VIDEO, au, 1, false));
        // flip nal_ref_idc of the first encrypted NAL unit (AUD may come first and is clear)
        int p = 0;
        while (H264Sframe.isClear(wire[p + 4])) {
            p += 4 + H264Sframe.readLength(wire, p);
        }
        byte[] hdr = wire.clone();
        hdr[p + 4] ^= 0x20;
        assertNull(dec.apply(frame(VIDEO, hdr, 0, false)));
        assertEquals(1, dec.stats().drops(SframeDropReason.AUTH_FAILED));
        byte[] body = wire.clone();
        body[body.length - 2] ^= 0x01;
        assertNull(dec.apply(frame(VIDEO, body, 0, false)));
        byte[] len = wire.clone();
        len[3] = (byte) 0xff;
        assertNull(dec.apply(frame(VIDEO, len, 0, false)));
        assertEquals(1, dec.stats().drops(SframeDropReason.MALFORMED_FRAME));
        EncodedFrame d = dec.apply(ok);
        assertArrayEquals(au, bytes(d));
        d.release();
        assertEquals(4, dec.stats().framesIn());
        assertEquals(1, dec.stats().framesOut());
    }

    @Test
    void sframeFacadeDefaultsToGcmNalPreservingVideoAndWholeFrameAudioInOneTransform() {
        InMemoryKeyProvider keys = keys(7, 3);
        SframeEncryptor enc = Sframe.encryptor(keys, 7);
        SframeDecryptor dec = Sframe.decryptor(keys);
        assertEquals(SframeCipherSuite.AES_128_GCM_SHA256_128, enc.suite());
        assertEquals(SframeFraming.NAL_PRESERVING, enc.framing());
        assertEquals(SframeFraming.NAL_PRESERVING, dec.framing());
        Random rnd = new Random(11);
        for (int i = 0; i < 10; i++) {
            byte[] au = SyntheticH264.accessUnit(rnd, i == 0, 2000);
            EncodedFrame v = enc.apply(frame(VIDEO, au, i, false));
            List<byte[]> in = nalUnits(au);
            List<byte[]> out = nalUnits(bytes(v)); // still AVCC, same NAL units, headers clear
            assertEquals(in.size(), out.size());
            for (int n = 0; n < in.size(); n++) {
                assertEquals(in.get(n)[0], out.get(n)[0], "NAL header stays clear");
            }
            assertArrayEquals(au, plaintext(dec.apply(v)));

            byte[] aac = SyntheticH264.body(rnd, 300);
            EncodedFrame a = enc.apply(frame(AUDIO, aac, i, false));
            int overhead = a.content().readableBytes() - aac.length;
            assertTrue(overhead >= 1 + 16 && overhead <= 1 + 8 + 16, "audio is whole-frame: SFrame header + ciphertext + 16-byte tag, overhead " + overhead);
            assertArrayEquals(aac, plaintext(dec.apply(a)));
        }
        assertEquals(20, dec.stats().framesOut());
        enc.close();
        dec.close();
    }

    /** The payload of {@code f}, which must not be null; releases it. */
    private static byte[] plaintext(EncodedFrame f) {
        assertNotNull(f, "decrypted");
        try {
            return bytes(f);
        } finally {
            f.release();
        }
    }

    @Test
    void receiverWithoutTheKeyGetsOnlyDropsNeverPlaintext() {
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys(5, 1)).kid(5).build();
        SframeDecryptor noKey = SframeDecryptor.builder().keyProvider(new InMemoryKeyProvider()).build();
        SframeDecryptor wrongKey = SframeDecryptor.builder().keyProvider(keys(5, 2)).build();
        Random rnd = new Random(9);
        for (int i = 0; i < 20; i++) {
            byte[] payload = SyntheticH264.body(rnd, 100 + i);
            EncodedFrame e = enc.apply(frame(AUDIO, payload, i, false));
            assertNull(noKey.apply(e.retain()));
            assertNull(wrongKey.apply(e));
        }
        assertEquals(20, noKey.stats().drops(SframeDropReason.UNKNOWN_KID));
        assertEquals(20, wrongKey.stats().drops(SframeDropReason.AUTH_FAILED));
        assertEquals(0, wrongKey.stats().framesOut());
        assertEquals(20, wrongKey.receiverStats().count(SframeReceiveStatus.AUTH_FAILED));
    }

    @Test
    void aDecryptorThatDropsEveryFrameGivesUpAfterItsBoundNamingReasonAndKid() {
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys(5, 1)).kid(5).build();
        SframeDecryptor wrongKey = SframeDecryptor.builder().keyProvider(keys(5, 2)).failAfter(10, Duration.ofHours(1)).build();
        SframeDecryptor right = SframeDecryptor.builder().keyProvider(keys(5, 1)).failAfter(10, Duration.ofHours(1)).build();
        Random rnd = new Random(3);
        for (int i = 0; i < 9; i++) {
            assertNull(wrongKey.apply(enc.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), i * 20_000L, false))));
        }
        EncodedFrame tenth = enc.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), 180_000, false));
        SframeDecryptionException e = assertThrows(SframeDecryptionException.class, () -> wrongKey.apply(tenth));
        assertEquals(0, tenth.refCnt(), "the frame is released when apply throws");
        assertEquals(SframeDropReason.AUTH_FAILED, e.reason());
        assertEquals(5, e.kid());
        assertEquals(Map.of(SframeDropReason.AUTH_FAILED, 10L), e.drops());
        assertTrue(e.getMessage().contains("10 frames") && e.getMessage().contains("AUTH_FAILED 10")
                && e.getMessage().contains("KID 5") && e.getMessage().contains("wrong key"), e.getMessage());

        // one decrypted frame resets the run: 9 drops, a success, 9 drops never throw
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 9; i++) {
                assertNull(right.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), i, false)), "not SFrame: dropped");
            }
            plaintext(right.apply(enc.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), 9, false))));
        }

        // the media-time bound: 1 s of PTS between the first and the last drop
        SframeDecryptor byTime = SframeDecryptor.builder().keyProvider(new InMemoryKeyProvider())
                .failAfter(0, Duration.ofSeconds(1)).build();
        for (int i = 0; i < 50; i++) {
            assertNull(byTime.apply(enc.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), i * 20_000L, false))));
        }
        SframeDecryptionException t = assertThrows(SframeDecryptionException.class,
                () -> byTime.apply(enc.apply(frame(AUDIO, SyntheticH264.body(rnd, 50), 1_000_000, false))));
        assertEquals(SframeDropReason.UNKNOWN_KID, t.reason());
        assertTrue(t.getMessage().contains("1.0 s") && t.getMessage().contains("no key for this KID"), t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SframeDecryptor.builder().failAfter(-1, Duration.ZERO));
    }

    @Test
    void waitingForAKeyframeWithParameterSetsIsNotGivingUp() {
        // what a WebRTC ingest publishes: whole-frame H.264, opaque, no resolution or avcC
        TrackInfo opaqueNoConfig = TrackInfo.builder(0, Codec.H264).opaque(true).build();
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys(5, 1)).kid(5).framing(SframeFraming.WHOLE_FRAME).build();
        SframeDecryptor dec = SframeDecryptor.builder().keyProvider(keys(5, 1)).framing(SframeFraming.WHOLE_FRAME)
                .failAfter(10, Duration.ofHours(1)).build();
        Random rnd = new Random(4);
        for (int i = 0; i < 30; i++) {
            EncodedFrame e = enc.apply(frame(VIDEO, SyntheticH264.accessUnit(rnd, false, 200), i * 33_333L, false));
            EncodedFrame asIngested = new EncodedFrame(opaqueNoConfig, e.content().retain(), e.ptsUs(), e.dtsUs(), false, 0);
            e.release();
            assertNull(dec.apply(asIngested), "no SPS/PPS yet");
        }
        assertEquals(30, dec.stats().drops(SframeDropReason.NO_PARAMETER_SETS));
    }

    @Test
    void truncatedFramesAreCounted() {
        SframeDecryptor dec = SframeDecryptor.builder().keyProvider(keys(5, 1)).build();
        assertNull(dec.apply(frame(AUDIO, new byte[0], 0, false)));
        assertNull(dec.apply(frame(AUDIO, new byte[] {(byte) 0xff, 1, 2}, 0, false)));
        assertNull(dec.apply(frame(AUDIO, new byte[] {0x50, 1, 2}, 0, false)));
        assertEquals(3, dec.stats().drops(SframeDropReason.TRUNCATED));
    }

    @Test
    void keyRotationThroughTheEncryptorLosesNoFrame() {
        InMemoryKeyProvider keys = keys(1, 1);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(1).framing(SframeFraming.NAL_PRESERVING)
                .cipherSuite(SframeCipherSuite.AES_128_CTR_HMAC_SHA256_80).build();
        SframeDecryptor dec = SframeDecryptor.builder().keyProvider(keys).framing(SframeFraming.NAL_PRESERVING)
                .cipherSuite(SframeCipherSuite.AES_128_CTR_HMAC_SHA256_80).replayWindow(1024).build();
        Random rnd = new Random(77);
        List<EncodedFrame> wire = new ArrayList<>();
        List<byte[]> plain = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            if (i == 30) {
                byte[] k2 = new byte[16];
                rnd.nextBytes(k2);
                keys.put(2, k2);
                enc.useKid(2);
            }
            byte[] au = SyntheticH264.accessUnit(rnd, i % 10 == 0, 1_000);
            plain.add(au);
            wire.add(enc.apply(frame(VIDEO, au, i, false)));
        }
        assertThrows(IllegalStateException.class, () -> enc.useKid(99));
        for (int i = 0; i < 60; i++) {
            EncodedFrame d = dec.apply(wire.get(i));
            assertNotNull(d, "frame " + i);
            assertArrayEquals(plain.get(i), bytes(d));
            d.release();
        }
        assertEquals(60, dec.stats().framesOut());
        // after the old key is retired, a new frame under KID 2 still decrypts
        keys.remove(1);
        byte[] au = SyntheticH264.accessUnit(rnd, true, 100);
        EncodedFrame d = dec.apply(enc.apply(frame(VIDEO, au, 99, false)));
        assertArrayEquals(au, bytes(d));
        d.release();
    }

    @Test
    void encryptorDropsWhatItCannotEncryptAndReleasesIt() {
        InMemoryKeyProvider keys = keys(1, 1);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(1).framing(SframeFraming.NAL_PRESERVING).build();
        EncodedFrame bad = frame(VIDEO, new byte[] {0, 0, 0, 9, 0x65, 1}, 0, false);
        assertNull(enc.apply(bad));
        assertEquals(0, bad.refCnt());
        assertEquals(1, enc.stats().drops(SframeDropReason.MALFORMED_FRAME));
        EncodedFrame empty = frame(VIDEO, new byte[] {0, 0, 0, 0}, 0, false);
        assertNull(enc.apply(empty));
        keys.remove(1);
        EncodedFrame noKey = frame(AUDIO, new byte[] {1, 2, 3}, 0, false);
        assertNull(enc.apply(noKey));
        assertEquals(0, noKey.refCnt());
        assertEquals(1, enc.stats().drops(SframeDropReason.NO_KEY));
        assertEquals(3, enc.stats().dropped());
        assertEquals(0, enc.stats().framesOut());
    }

    @Test
    void builderValidates() {
        assertThrows(IllegalStateException.class, () -> SframeEncryptor.builder().kid(1).build());
        assertThrows(IllegalStateException.class, () -> SframeEncryptor.builder().keyProvider(new InMemoryKeyProvider()).build());
        assertThrows(IllegalStateException.class, () -> SframeDecryptor.builder().build());
        assertThrows(IllegalArgumentException.class, () -> SframeDecryptor.builder().replayWindow(3));
        assertThrows(IllegalArgumentException.class, () -> SframeDecryptor.builder().maxKeys(0));
    }
}
