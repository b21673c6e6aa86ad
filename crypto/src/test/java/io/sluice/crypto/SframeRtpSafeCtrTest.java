package io.sluice.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeHeader;
import io.sluice.crypto.sframe.SframeSender;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RTP-safe slice headers ({@link SframeEncryptor.Builder#rtpSafeSliceHeaders}): the slice-header prefix parse
 * of an SFrame header (H.264 §7.3.3 over RFC 9605 §4.3 bytes), the bounded CTR search, and the encryptor
 * choosing CTRs with it.
 */
class SframeRtpSafeCtrTest {
    private static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240)
            .codecConfig(new byte[] {1, 0x64, 0, 0x1f}).build();
    private static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).audio(48_000, 2).build();

    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (byte) v[i];
        }
        return r;
    }

    private static int bits(byte[] h) {
        return H264Sframe.sliceHeaderPrefixBits(h, 0, h.length);
    }

    private static boolean safe(long kid, long ctr) {
        return H264Sframe.isRtpSafeSliceHeader(kid, ctr, new byte[SframeHeader.MAX_LENGTH]);
    }

    @Test
    void slicePrefixParseOfHandBuiltBits() {
        // 1 | 1 | 1: first_mb_in_slice 0, slice_type 0, pps 0
        assertEquals(3, bits(b(0b1110_0000)));
        // KID 1, CTR 256: 0001100|1|00000001 0000000: first_mb 11, slice_type 0, pps 2^7-1+0 = 127
        assertEquals(23, bits(SframeHeader.of(1, 256).encode()));
        // KID 1, CTR 8 (config 0x18, CTR 0x08): slice_type has five leading zeros and needs 5 more bits than the header
        assertEquals(-1, bits(SframeHeader.of(1, 8).encode()));
        // KID 8, CTR 2^24 (config 1 000 1 011): first_mb 0, slice_type 0001 011 = 10 > 9
        assertArrayEquals(b(0x8b, 8, 1, 0, 0, 0), SframeHeader.of(8, 1L << 24).encode());
        assertEquals(-1, bits(SframeHeader.of(8, 1L << 24).encode()));
        // slice_type 9 = 0001 010 is the largest accepted: 1 | 0001010 | 1
        assertEquals(9, bits(b(0b1000_1010, 0b1000_0000)));
        assertEquals(-1, bits(b(0b1000_1011, 0b1000_0000))); // 10
        // pps 255 = 00000000 1 00000000 is the largest accepted, 256 is not
        assertEquals(19, bits(b(0b1100_0000, 0b0010_0000, 0b0000_0000)));
        assertEquals(-1, bits(b(0b1100_0000, 0b0010_0000, 0b0010_0000)));
        // first_mb_in_slice: 31 leading zeros are read (value 2^31-1+b), 32 are not
        byte[] z31 = new byte[9];
        z31[3] = 1; // zeros at bits 0..30, the one at bit 31, 31 value bits 32..62, then 1 | 1 at 63, 64
        z31[7] = 1;
        z31[8] = (byte) 0x80;
        assertEquals(65, bits(z31));
        byte[] z32 = new byte[9];
        z32[4] = (byte) 0x80;
        assertEquals(-1, bits(z32));
        // every read must end inside the header: ciphertext bits are random
        assertEquals(-1, bits(b(0b1100_0000)));
        assertEquals(-1, bits(new byte[0]));
    }

    @Test
    void emulationPreventionInsideTheBytesReadMakesAHeaderUnsafe() {
        // 00 00 01 ...: first_mb_in_slice has 23 leading zeros; the parse succeeds on the RBSP, but escape()
        // puts 0x03 before the 0x01, so a receiver reading the escaped bytes without removing it sees other bits
        byte[] h = b(0, 0, 1, 0xff, 0xff, 0xff, 0xc0);
        assertEquals(49, bits(h));
        assertFalse(H264Sframe.isRtpSafeSliceHeader(h, 0, h.length));
        // KID 0x010000, CTR 0x0102: 0xa9 01 00 00 01 02; escape() inserts 03 before the fifth byte, after the
        // five bits read (1 | 010 | 1), so the header is safe
        byte[] k = SframeHeader.of(0x010000, 0x0102).encode();
        assertArrayEquals(b(0xa9, 1, 0, 0, 1, 2), k);
        byte[] esc = new byte[H264Sframe.escapedBound(k.length)];
        int n = H264Sframe.escape(k, 0, k.length, esc, 0);
        assertArrayEquals(b(0xa9, 1, 0, 0, 3, 1, 2, 0x80), Arrays.copyOf(esc, n));
        assertEquals(5, bits(k));
        assertTrue(H264Sframe.isRtpSafeSliceHeader(k, 0, k.length));
        // CTR 01 00 00 00 with a KID whose parse reaches into the CTR
        byte[] c = SframeHeader.of(1, 0x0100_0000L).encode();
        assertArrayEquals(b(0x1b, 1, 0, 0, 0), c);
        // 0001101|1|00000001 0000000 reads three bytes; escape() inserts 03 before the fifth
        assertEquals(23, bits(c));
        assertTrue(H264Sframe.isRtpSafeSliceHeader(c, 0, c.length));
    }

    @Test
    void measuredChromiumBehaviourForKid1() {
        // Chromium accepted every 2- and 4-byte CTR under KID 1 and dropped some 1- and 3-byte ones
        for (long ctr = 256; ctr < 65536; ctr++) {
            assertTrue(safe(1, ctr), "CTR " + ctr);
        }
        Random rnd = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            long ctr = (1L << 24) + (rnd.nextLong() >>> 1) % ((1L << 32) - (1L << 24));
            assertTrue(safe(1, ctr), "CTR " + ctr);
        }
        assertFalse(safe(1, 8));
        assertFalse(safe(1, 0x010000));
        for (long ctr = 0; ctr < 8; ctr++) {
            assertFalse(safe(1, ctr), "a 1-byte header cannot hold three codes for KID 1");
        }
    }

    @Test
    void safeHeadersReadTheSameBitsWhateverCiphertextFollowsEscapedOrNot() {
        Random rnd = new Random(9605);
        int safeSeen = 0;
        for (int i = 0; i < 20_000; i++) {
            long kid = i % 4 == 0 ? rnd.nextInt(8) : rnd.nextLong() >>> rnd.nextInt(64);
            long ctr = rnd.nextLong() >>> rnd.nextInt(64);
            byte[] h = SframeHeader.of(kid, ctr).encode();
            int bits = bits(h);
            if (!H264Sframe.isRtpSafeSliceHeader(h, 0, h.length)) {
                continue;
            }
            safeSeen++;
            assertTrue(bits > 0 && bits <= 8 * h.length);
            int used = (bits + 7) / 8;
            for (int t = 0; t < 4; t++) {
                byte[] ct = t == 0 ? new byte[8] : SyntheticH264.body(rnd, 1 + rnd.nextInt(12));
                byte[] body = new byte[h.length + ct.length];
                System.arraycopy(h, 0, body, 0, h.length);
                System.arraycopy(ct, 0, body, h.length, ct.length);
                assertEquals(bits, H264Sframe.sliceHeaderPrefixBits(body, 0, body.length), "RBSP reader");
                byte[] esc = new byte[H264Sframe.escapedBound(body.length)];
                int n = H264Sframe.escape(body, 0, body.length, esc, 0);
                assertEquals(bits, H264Sframe.sliceHeaderPrefixBits(esc, 0, n), "reader that keeps EP bytes");
                assertArrayEquals(Arrays.copyOf(h, used), Arrays.copyOf(esc, used), "bytes read are unescaped");
            }
        }
        assertTrue(safeSeen > 5_000, "safe headers among random ones: " + safeSeen);
    }

    @Test
    void boundedSearchFindsTheNextSafeCtrOrGivesUp() {
        byte[] s = new byte[SframeHeader.MAX_LENGTH];
        for (long kid : new long[] {0, 1, 2, 3, 4, 5, 6, 7, 256, 1000}) {
            for (long ctr = 0; ctr < 70_000; ctr += 1 + ctr / 64) {
                long r = H264Sframe.nextRtpSafeCtr(kid, ctr, s);
                assertTrue(Long.compareUnsigned(r, ctr) >= 0);
                assertTrue(safe(kid, r), "KID " + kid + " CTR " + ctr + " -> " + r);
                if (r - ctr < H264Sframe.SAFE_CTR_TRIES) {
                    for (long c = ctr; c < r; c++) {
                        assertFalse(safe(kid, c), "the first safe CTR is taken");
                    }
                }
            }
        }
        // KID 0: 0x010000..0x0800ff are all unsafe (the leading zeros of the CTR bytes make slice_type's code too
        // long); stepping 1 (256 times), then 256 (256 times), then 65536 reaches 0x110000, still a 3-byte CTR
        for (long c = 0x010000; c <= 0x0800ff; c += 0xff) {
            assertFalse(safe(0, c), "CTR " + c);
        }
        assertEquals(0x110000, H264Sframe.nextRtpSafeCtr(0, 0x010000, s));
        assertEquals(SframeHeader.encodedLength(0, 0x010000), SframeHeader.encodedLength(0, 0x110000));
        // KID 8..255 with CTRs of 4 bytes or more: slice_type is 10..14 whatever the CTR, so it gives up
        assertEquals(1L << 24, H264Sframe.nextRtpSafeCtr(8, 1L << 24, s));
        assertEquals(1L << 40, H264Sframe.nextRtpSafeCtr(255, 1L << 40, s));
        // never wraps past 2^64-1
        assertFalse(safe(8, -2L));
        assertEquals(-2L, H264Sframe.nextRtpSafeCtr(8, -2L, s));
        assertEquals(8, H264Sframe.nextCtrLengthBoundary(0));
        assertEquals(256, H264Sframe.nextCtrLengthBoundary(8));
        assertEquals(1L << 32, H264Sframe.nextCtrLengthBoundary(1L << 24));
        assertEquals(0, H264Sframe.nextCtrLengthBoundary(1L << 56));
        assertEquals(0, H264Sframe.nextCtrLengthBoundary(-1L));
    }

    @Test
    void senderSkipsForwardOnly() {
        InMemoryKeyProvider keys = keys(3);
        SframeSender s = new SframeSender(SframeCipherSuite.AES_128_GCM_SHA256_128, keys, 3);
        byte[] out = new byte[64];
        s.encrypt(new byte[4], 0, 4, null, 0, 0, out, 0);
        assertEquals(1, s.nextCtr());
        s.skipTo(1);
        s.skipTo(300);
        s.encrypt(new byte[4], 0, 4, null, 0, 0, out, 0);
        assertEquals(300, SframeHeader.decode(out, 0, out.length).ctr());
        assertThrows(IllegalArgumentException.class, () -> s.skipTo(300), "300 was used");
        assertThrows(IllegalArgumentException.class, () -> s.skipTo(0));
        s.skipTo(-1L);
        s.encrypt(new byte[4], 0, 4, null, 0, 0, out, 0);
        assertTrue(s.isExhausted());
        assertThrows(IllegalStateException.class, () -> s.skipTo(-1L));
    }

    private static InMemoryKeyProvider keys(long... kids) {
        InMemoryKeyProvider k = new InMemoryKeyProvider();
        for (long kid : kids) {
            byte[] key = new byte[16];
            new Random(kid).nextBytes(key);
            k.put(kid, key);
        }
        return k;
    }

    /** One encrypted unit on the wire: its SFrame header, and the NAL header byte (-1 for whole-frame payloads). */
    record Unit(int nalHeader, SframeHeader header, byte[] headerBytes) {
    }

    /** The SFrame headers of an encrypted frame in encryption order. */
    private static List<Unit> units(byte[] wire, boolean audio) {
        List<Unit> l = new ArrayList<>();
        if (audio) {
            SframeHeader h = SframeHeader.decode(wire, 0, wire.length);
            l.add(new Unit(-1, h, Arrays.copyOf(wire, h.encodedLength())));
            return l;
        }
        for (int p = 0; p < wire.length; ) {
            int n = H264Sframe.readLength(wire, p);
            int hdr = wire[p + 4] & 0xff;
            if (!H264Sframe.isClear(hdr)) {
                byte[] body = new byte[n - 1];
                int m = H264Sframe.unescape(wire, p + 5, n - 1, body, 0);
                assertTrue(m > 0);
                SframeHeader h = SframeHeader.decode(body, 0, m);
                l.add(new Unit(hdr, h, Arrays.copyOf(body, h.encodedLength())));
                // the escaped bytes the depacketizer reads are the header bytes themselves
                int bits = H264Sframe.sliceHeaderPrefixBits(body, 0, h.encodedLength());
                if (bits > 0 && H264Sframe.isRtpSafeSliceHeader(body, 0, h.encodedLength())) {
                    int used = (bits + 7) / 8;
                    assertArrayEquals(Arrays.copyOf(body, used), Arrays.copyOfRange(wire, p + 5, p + 5 + used));
                }
            }
            p += 4 + n;
        }
        return l;
    }

    private static EncodedFrame frame(TrackInfo track, byte[] payload, long i) {
        return new EncodedFrame(track, Unpooled.wrappedBuffer(payload), i * 20_000, i * 20_000, i % 50 == 0, 0);
    }

    /**
     * Encrypts {@code frames} mixed frames (AAC every third, H.264 access units with SEI and several slices) and
     * checks them: CTRs strictly increase under the KID, gaps only before slice NAL units and summing to
     * {@code ctrsSkipped}, every slice header RTP-safe when {@code expectSafe}, all decrypt.
     *
     * @return the stats of the encryptor, slices and slices whose header is not RTP-safe
     */
    record Result(SframeTransformStats stats, int slices, int unsafeSlices) {
    }

    private static Result run(SframeEncryptor enc, long kid, long firstCtr, int frames, boolean expectSafe,
            InMemoryKeyProvider keys) {
        SframeDecryptor dec = SframeDecryptor.builder().keyProvider(keys).build();
        Random rnd = new Random(kid * 7 + firstCtr);
        long prev = 0;
        boolean first = true;
        long gaps = 0;
        int slices = 0;
        int unsafeSlices = 0;
        for (int i = 0; i < frames; i++) {
            boolean audio = i % 3 == 0;
            byte[] payload = audio ? SyntheticH264.body(rnd, 1 + rnd.nextInt(100)) : SyntheticH264.accessUnit(rnd, i % 31 == 1, 300);
            EncodedFrame e = enc.apply(frame(audio ? AUDIO : VIDEO, payload, i));
            assertNotNull(e);
            byte[] wire = ByteBufUtil.getBytes(e.content());
            for (Unit u : units(wire, audio)) {
                assertEquals(kid, u.header().kid());
                long ctr = u.header().ctr();
                assertTrue(first || Long.compareUnsigned(ctr, prev) > 0, "CTR " + Long.toUnsignedString(ctr) + " after "
                        + Long.toUnsignedString(prev));
                boolean slice = u.nalHeader() >= 0 && H264Sframe.isSlice(u.nalHeader());
                long expected = first ? firstCtr : prev + 1;
                first = false;
                if (ctr != expected) {
                    assertTrue(slice, "CTRs are skipped only before a slice, not before NAL type " + (u.nalHeader() & 0x1f)
                            + " (-1: audio)");
                    gaps += ctr - expected;
                }
                if (slice) {
                    slices++;
                    boolean ok = H264Sframe.isRtpSafeSliceHeader(u.headerBytes(), 0, u.headerBytes().length);
                    if (!ok) {
                        unsafeSlices++;
                    }
                    if (expectSafe) {
                        assertTrue(ok, "slice header of KID " + kid + " CTR " + Long.toUnsignedString(ctr));
                    }
                }
                prev = ctr;
            }
            EncodedFrame d = dec.apply(e);
            assertNotNull(d, "frame " + i + " decrypts");
            assertArrayEquals(payload, ByteBufUtil.getBytes(d.content()));
            d.release();
        }
        SframeTransformStats st = enc.stats();
        assertEquals(gaps, st.ctrsSkipped());
        assertTrue(slices > frames / 2);
        assertEquals(0, dec.stats().dropped());
        return new Result(st, slices, unsafeSlices);
    }

    @Test
    void everyEncryptedSliceIsRtpSafeAndCtrsNeverRepeat() {
        for (long kid : new long[] {0, 1, 2, 5, 8, 255, 256, 70_000}) {
            InMemoryKeyProvider keys = keys(kid);
            SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(kid).build();
            assertTrue(enc.rtpSafeSliceHeaders(), "on by default");
            SframeTransformStats st = run(enc, kid, 0, 300, true, keys).stats();
            assertEquals(0, st.unsafeSliceHeaders());
            if (kid == 0) {
                assertTrue(st.ctrsSkipped() > 0, "KID 0 must skip CTRs 0..7 at least");
            }
        }
        // KID 0 across 0x010000, where 0x010000..0x07ffff are unsafe: one skip of 458 752 CTRs, header length unchanged
        InMemoryKeyProvider keys = keys(0);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(0).build();
        enc.useKid(0, 0xff00);
        SframeTransformStats st = run(enc, 0, 0xff00, 200, true, keys).stats();
        assertTrue(st.ctrsSkipped() >= 0x070000, "skipped " + st.ctrsSkipped());
    }

    @Test
    void withoutTheOptionCtrsAreConsecutiveAndSomeSlicesUnsafe() {
        InMemoryKeyProvider keys = keys(0);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(0).rtpSafeSliceHeaders(false).build();
        assertFalse(enc.rtpSafeSliceHeaders());
        Result r = run(enc, 0, 0, 100, false, keys);
        SframeTransformStats st = r.stats();
        assertTrue(r.unsafeSlices() > 0);
        assertEquals(0, st.ctrsSkipped());
        assertEquals(0, st.unsafeSliceHeaders());
        // whole-frame H.264 has no slice structure to protect: the option is ignored
        SframeEncryptor whole = SframeEncryptor.builder().keyProvider(keys).kid(0).framing(SframeFraming.WHOLE_FRAME).build();
        assertFalse(whole.rtpSafeSliceHeaders());
    }

    @Test
    void givesUpWhenNoSafeCtrExistsEncryptsAnywayAndCounts() {
        InMemoryKeyProvider keys = keys(8);
        SframeEncryptor enc = SframeEncryptor.builder().keyProvider(keys).kid(8).build();
        enc.useKid(8, 1L << 24);
        Result r = run(enc, 8, 1L << 24, 60, false, keys);
        SframeTransformStats st = r.stats();
        assertEquals(0, st.ctrsSkipped(), "nothing to gain by skipping");
        assertEquals(r.slices(), r.unsafeSlices());
        assertEquals(r.slices(), st.unsafeSliceHeaders(), "every slice counted: " + st);
        assertEquals(60, st.framesOut());
        assertTrue(st.toString().contains("unsafeSliceHeaders="), st.toString());
    }

    /**
     * The cost, measured through the encryptor: 70 000 slice NAL units from CTR 0 per KID, against the same
     * stream without the option. Printed for the record; the bounds are what the class doc promises.
     */
    @Test
    void ctrOverheadPerKid() {
        final int slices = 70_000; // past 65 536, where 3-byte CTRs begin
        final int perFrame = 10;
        System.out.println("KID          skipped CTRs  last CTR  mean header B (off -> on)  unsafe slices");
        for (long kid : new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 255, 256, 65_535, 1L << 20, 1L << 32}) {
            InMemoryKeyProvider keys = keys(kid);
            long[] on = measure(SframeEncryptor.builder().keyProvider(keys).kid(kid).build(), slices, perFrame);
            long off = 0; // the same stream without the option: CTRs 0, 1, 2, ...
            for (long ctr = 0; ctr < slices; ctr++) {
                off += SframeHeader.encodedLength(kid, ctr);
            }
            System.out.printf("%-12d %12d %9d  %.4f -> %.4f              %d%n", kid, on[0], on[1], off / (double) slices,
                    on[2] / (double) slices, on[3]);
            assertEquals(0, on[3], "KID " + kid);
            assertEquals(slices - 1 + on[0], on[1], "last CTR = slices - 1 + skipped");
            // skipped CTRs bring longer CTRs sooner: KID 0 skips 11 % of the 2-byte CTRs (and jumps 0x010000 ->
            // 0x110000), so more of its 70 000 slices get 3-byte CTRs
            assertTrue(on[2] - off <= slices / 5, "KID " + kid + ": headers grow by under 0.2 B per slice");
        }
    }

    /** @return {skipped CTRs, last CTR, total SFrame header bytes, unsafe slices} */
    private static long[] measure(SframeEncryptor enc, int slices, int perFrame) {
        ByteArrayOutputStream au = new ByteArrayOutputStream();
        for (int i = 0; i < perFrame; i++) {
            SyntheticH264.nal(au, new byte[] {SyntheticH264.SLICE, 0x11});
        }
        byte[] payload = au.toByteArray();
        long headerBytes = 0;
        long last = 0;
        for (int f = 0; f < slices / perFrame; f++) {
            EncodedFrame e = enc.apply(frame(VIDEO, payload, f));
            byte[] wire = ByteBufUtil.getBytes(e.content());
            e.release();
            for (Unit u : units(wire, false)) {
                headerBytes += u.headerBytes().length;
                last = u.header().ctr();
            }
        }
        SframeTransformStats st = enc.stats();
        return new long[] {st.ctrsSkipped(), last, headerBytes, st.unsafeSliceHeaders()};
    }
}
