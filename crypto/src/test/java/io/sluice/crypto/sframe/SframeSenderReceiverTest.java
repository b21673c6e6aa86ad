package io.sluice.crypto.sframe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SframeSenderReceiverTest {
    private static byte[] key(Random rnd, int n) {
        byte[] k = new byte[n];
        rnd.nextBytes(k);
        return k;
    }

    @ParameterizedTest
    @EnumSource(SframeCipherSuite.class)
    void randomFramesKidsCtrsAndMetadataRoundTrip(SframeCipherSuite suite) {
        Random rnd = new Random(suite.id());
        InMemoryKeyProvider keys = new InMemoryKeyProvider();
        long[] kids = {0, 7, 8, 255, 0x1234_5678L, -1L, rnd.nextLong()};
        for (long kid : kids) {
            keys.put(kid, key(rnd, 16 + rnd.nextInt(17)));
        }
        SframeSender sender = new SframeSender(suite, keys, kids[0]);
        SframeReceiver receiver = SframeReceiver.create(suite, keys);
        java.util.Set<Long> used = new java.util.HashSet<>();
        used.add(kids[0]);
        for (int i = 0; i < 2_000; i++) {
            if (rnd.nextInt(20) == 0) {
                long kid = kids[rnd.nextInt(kids.length)];
                if (used.add(kid)) { // a fresh KID may start at any CTR; a used one continues
                    sender.useKid(kid, rnd.nextLong() >>> (1 + rnd.nextInt(63)));
                } else {
                    sender.useKid(kid);
                }
            }
            byte[] pt = key(rnd, rnd.nextInt(i % 50 == 0 ? 20_000 : 300));
            byte[] md = key(rnd, rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(40));
            boolean inPlace = rnd.nextBoolean();
            byte[] ct;
            int ctOff;
            int n;
            if (inPlace) {
                int hl = sender.nextHeaderLength();
                ct = new byte[3 + hl + pt.length + suite.nt()];
                System.arraycopy(pt, 0, ct, 3 + hl, pt.length);
                ctOff = 3;
                n = sender.encrypt(ct, 3 + hl, pt.length, md, 0, md.length, ct, 3);
            } else {
                ct = new byte[sender.ciphertextLength(pt.length)];
                ctOff = 0;
                n = sender.encrypt(pt, 0, pt.length, md, 0, md.length, ct, 0);
            }
            assertEquals(SframeHeader.encodedLength(sender.kid(), sender.nextCtr() - 1) + pt.length + suite.nt(), n);
            byte[] out;
            int outOff;
            if (rnd.nextBoolean()) { // decrypt in place, over the ciphertext
                out = ct;
                outOff = ctOff + SframeHeader.headerLength(ct[ctOff]);
            } else {
                out = new byte[receiver.maxPlaintextLength(n)];
                outOff = 0;
            }
            assertEquals(SframeReceiveStatus.OK, receiver.decrypt(ct, ctOff, n, md, 0, md.length, out, outOff));
            assertEquals(pt.length, receiver.plaintextLength());
            assertArrayEquals(pt, Arrays.copyOfRange(out, outOff, outOff + pt.length));
            assertEquals(sender.kid(), receiver.lastKid());
        }
        assertEquals(2_000, receiver.stats().count(SframeReceiveStatus.OK));
        assertEquals(0, receiver.stats().dropped());
    }

    @ParameterizedTest
    @EnumSource(SframeCipherSuite.class)
    void flippingAnySingleByteFailsAuthentication(SframeCipherSuite suite) {
        Random rnd = new Random(42);
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(0x1234, key(rnd, 16));
        SframeSender sender = new SframeSender(suite, keys, 0x1234);
        sender.useKid(0x1234, 0x5678_9a);
        byte[] pt = key(rnd, 100);
        byte[] md = {1, 2, 3};
        byte[] ct = new byte[sender.ciphertextLength(pt.length)];
        int n = sender.encrypt(pt, 0, pt.length, md, 0, md.length, ct, 0);
        int hl = SframeHeader.headerLength(ct[0]);
        SframeReceiver receiver = SframeReceiver.create(suite, keys);
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] t = ct.clone();
                t[i] ^= (byte) (1 << bit);
                SframeReceiveStatus s = receiver.decrypt(t, 0, n, md, 0, md.length, out, 0);
                if (i >= hl) {
                    assertEquals(SframeReceiveStatus.AUTH_FAILED, s, "byte " + i + " bit " + bit);
                } else {
                    // a header flip changes the KID (unknown), CTR (bad tag), or the layout (malformed/truncated)
                    assertNotEquals(SframeReceiveStatus.OK, s, "header byte " + i + " bit " + bit);
                }
            }
        }
        // metadata is authenticated too
        assertEquals(SframeReceiveStatus.AUTH_FAILED, receiver.decrypt(ct, 0, n, new byte[] {1, 2, 4}, 0, 3, out, 0));
        assertEquals(SframeReceiveStatus.OK, receiver.decrypt(ct, 0, n, md, 0, md.length, out, 0));
    }

    @ParameterizedTest
    @EnumSource(SframeCipherSuite.class)
    void wrongKeyUnknownKidAndTruncationAreCountedNotThrown(SframeCipherSuite suite) {
        Random rnd = new Random(7);
        byte[] k = key(rnd, 16);
        SframeSender sender = new SframeSender(suite, new InMemoryKeyProvider().put(3, k), 3);
        byte[] pt = key(rnd, 64);
        byte[] ct = new byte[sender.ciphertextLength(pt.length)];
        int n = sender.encrypt(pt, 0, pt.length, null, 0, 0, ct, 0);
        byte[] out = new byte[n];

        byte[] wrong = k.clone();
        wrong[0] ^= 1;
        SframeReceiver wrongKey = SframeReceiver.create(suite, new InMemoryKeyProvider().put(3, wrong));
        assertEquals(SframeReceiveStatus.AUTH_FAILED, wrongKey.decrypt(ct, 0, n, null, 0, 0, out, 0));

        SframeReceiver noKey = SframeReceiver.create(suite, new InMemoryKeyProvider().put(4, k));
        assertEquals(SframeReceiveStatus.UNKNOWN_KID, noKey.decrypt(ct, 0, n, null, 0, 0, out, 0));

        SframeReceiver r = SframeReceiver.create(suite, new InMemoryKeyProvider().put(3, k));
        assertEquals(SframeReceiveStatus.TRUNCATED, r.decrypt(ct, 0, 0, null, 0, 0, out, 0));
        byte[] longHeader = SframeHeader.of(-1L, -1L).encode();
        assertEquals(SframeReceiveStatus.TRUNCATED, r.decrypt(longHeader, 0, 5, null, 0, 0, out, 0));
        // header complete but shorter than the tag
        assertEquals(SframeReceiveStatus.TRUNCATED, r.decrypt(ct, 0, 1 + suite.nt() - 1, null, 0, 0, out, 0));
        // every shorter length of a real ciphertext fails (truncated or bad tag), never OK
        for (int len = 0; len < n; len++) {
            assertNotEquals(SframeReceiveStatus.OK, r.decrypt(ct, 0, len, null, 0, 0, out, 0));
        }
        assertEquals(SframeReceiveStatus.MALFORMED_HEADER, r.decrypt(new byte[] {(byte) 0x80, 3, 0, 0, 0}, 0, 5, null, 0, 0, out, 0));
        SframeReceiverStats stats = r.stats();
        assertTrue(stats.count(SframeReceiveStatus.TRUNCATED) >= 3);
        assertEquals(1, stats.count(SframeReceiveStatus.MALFORMED_HEADER));
        assertEquals(0, stats.count(SframeReceiveStatus.OK));
        assertEquals(1, wrongKey.stats().count(SframeReceiveStatus.AUTH_FAILED));
        assertEquals(1, noKey.stats().count(SframeReceiveStatus.UNKNOWN_KID));
        assertEquals(SframeReceiveStatus.OK, r.decrypt(ct, 0, n, null, 0, 0, out, 0));
    }

    @Test
    void keyRotationMidStreamLosesNoFrame() {
        Random rnd = new Random(11);
        SframeCipherSuite suite = SframeCipherSuite.AES_128_GCM_SHA256_128;
        InMemoryKeyProvider senderKeys = new InMemoryKeyProvider().put(1, key(rnd, 16));
        InMemoryKeyProvider receiverKeys = new InMemoryKeyProvider();
        receiverKeys.put(1, senderKeys.baseKey(1).orElseThrow());
        SframeSender sender = new SframeSender(suite, senderKeys, 1);
        SframeReceiver receiver = SframeReceiver.create(suite, receiverKeys);
        byte[][] inFlight = new byte[100][];
        byte[][] plain = new byte[100][];
        for (int i = 0; i < 100; i++) {
            if (i == 40) { // the new key reaches the receiver first, then the sender switches
                byte[] k2 = key(rnd, 16);
                receiverKeys.put(2, k2);
                senderKeys.put(2, k2);
                sender.useKid(2);
            }
            plain[i] = key(rnd, 50 + i);
            inFlight[i] = new byte[sender.ciphertextLength(plain[i].length)];
            sender.encrypt(plain[i], 0, plain[i].length, null, 0, 0, inFlight[i], 0);
        }
        // deliver with reordering around the switch: frames of both KIDs interleave
        int[] order = new int[100];
        for (int i = 0; i < 100; i++) {
            order[i] = i;
        }
        for (int i = 35; i < 45; i += 2) {
            int t = order[i];
            order[i] = order[i + 1];
            order[i + 1] = t;
        }
        for (int i : order) {
            byte[] out = new byte[inFlight[i].length];
            assertEquals(SframeReceiveStatus.OK, receiver.decrypt(inFlight[i], 0, inFlight[i].length, null, 0, 0, out, 0), "frame " + i);
            assertArrayEquals(plain[i], Arrays.copyOf(out, plain[i].length));
            assertEquals(i < 40 ? 1 : 2, receiver.lastKid());
        }
        assertEquals(100, receiver.stats().count(SframeReceiveStatus.OK));
        // the old key is retired afterwards: its frames now fail as unknown
        receiverKeys.remove(1);
        byte[] out = new byte[inFlight[0].length];
        assertEquals(SframeReceiveStatus.UNKNOWN_KID, receiver.decrypt(inFlight[0], 0, inFlight[0].length, null, 0, 0, out, 0));
    }

    @Test
    void ctrNeverWrapsAndIsNeverReused() {
        SframeCipherSuite suite = SframeCipherSuite.AES_128_CTR_HMAC_SHA256_80;
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(9, new byte[16]).put(10, new byte[16]);
        SframeSender sender = new SframeSender(suite, keys, 9);
        byte[] pt = new byte[10];
        byte[] out = new byte[64];
        sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0);
        sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0);
        assertEquals(2, sender.nextCtr());
        // going back would reuse CTR 0 and 1
        assertThrows(IllegalStateException.class, () -> sender.useKid(9, 1));
        sender.useKid(9, -2L); // 2^64 - 2
        SframeReceiver receiver = SframeReceiver.create(suite, keys);
        byte[] back = new byte[64];
        int n = sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0);
        assertEquals(SframeReceiveStatus.OK, receiver.decrypt(out, 0, n, null, 0, 0, back, 0));
        assertEquals(-2L, receiver.lastCtr());
        n = sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0);
        assertEquals(SframeReceiveStatus.OK, receiver.decrypt(out, 0, n, null, 0, 0, back, 0));
        assertEquals(-1L, receiver.lastCtr());
        assertTrue(sender.isExhausted());
        byte[] before = out.clone();
        SframeSenderException e = assertThrows(SframeSenderException.class, () -> sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0));
        assertEquals(SframeSenderException.Reason.CTR_EXHAUSTED, e.reason());
        assertArrayEquals(before, out, "nothing written on failure");
        assertThrows(IllegalStateException.class, () -> sender.useKid(9, -1L));
        // another KID continues; switching back to 9 stays exhausted
        sender.useKid(10);
        sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0);
        sender.useKid(9);
        assertThrows(SframeSenderException.class, () -> sender.encrypt(pt, 0, pt.length, null, 0, 0, out, 0));
        sender.useKid(10);
        assertEquals(1, sender.nextCtr(), "KID 10 continues its own CTR");
    }

    @Test
    void senderWithoutKeyRefusesAndEmitsNothing() {
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(1, new byte[16]);
        assertThrows(SframeSenderException.class, () -> new SframeSender(SframeCipherSuite.AES_128_GCM_SHA256_128, keys, 2));
        SframeSender sender = new SframeSender(SframeCipherSuite.AES_128_GCM_SHA256_128, keys, 1);
        keys.remove(1);
        byte[] out = new byte[64];
        SframeSenderException e = assertThrows(SframeSenderException.class, () -> sender.encrypt(new byte[4], 0, 4, null, 0, 0, out, 0));
        assertEquals(SframeSenderException.Reason.NO_KEY, e.reason());
        assertArrayEquals(new byte[64], out);
        assertEquals(0, sender.nextCtr(), "a refused frame consumes no CTR");
    }

    @Test
    void replayWindowRejectsDuplicatesAndTooOldOnlyAfterAuthentication() {
        SframeCipherSuite suite = SframeCipherSuite.AES_128_GCM_SHA256_128;
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(1, new byte[16]);
        SframeSender sender = new SframeSender(suite, keys, 1);
        byte[][] ct = new byte[200][];
        for (int i = 0; i < ct.length; i++) {
            ct[i] = new byte[sender.ciphertextLength(8)];
            sender.encrypt(new byte[8], 0, 8, null, 0, 0, ct[i], 0);
        }
        SframeReceiver r = SframeReceiver.builder(suite, keys).replayWindow(64).build();
        byte[] out = new byte[64];
        assertEquals(SframeReceiveStatus.OK, r.decrypt(ct[100], 0, ct[100].length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.REPLAYED, r.decrypt(ct[100], 0, ct[100].length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.OK, r.decrypt(ct[60], 0, ct[60].length, null, 0, 0, out, 0), "late but inside the window");
        assertEquals(SframeReceiveStatus.REPLAYED, r.decrypt(ct[30], 0, ct[30].length, null, 0, 0, out, 0), "older than the window");
        // a forged frame with a high CTR must not move the window
        byte[] forged = ct[199].clone();
        forged[forged.length - 1] ^= 1;
        assertEquals(SframeReceiveStatus.AUTH_FAILED, r.decrypt(forged, 0, forged.length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.OK, r.decrypt(ct[101], 0, ct[101].length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.OK, r.decrypt(ct[199], 0, ct[199].length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.REPLAYED, r.decrypt(ct[101], 0, ct[101].length, null, 0, 0, out, 0));
        // without a window duplicates pass (RFC 9605 leaves replay to the application)
        SframeReceiver open = SframeReceiver.create(suite, keys);
        assertEquals(SframeReceiveStatus.OK, open.decrypt(ct[5], 0, ct[5].length, null, 0, 0, out, 0));
        assertEquals(SframeReceiveStatus.OK, open.decrypt(ct[5], 0, ct[5].length, null, 0, 0, out, 0));
    }

    @Test
    @SuppressWarnings("unchecked")
    void removedKeysAreZeroedAndNeverPrinted() throws Exception {
        InMemoryKeyProvider keys = new InMemoryKeyProvider();
        byte[] k = new byte[16];
        Arrays.fill(k, (byte) 0x5a);
        keys.put(77, k);
        Field f = InMemoryKeyProvider.class.getDeclaredField("keys");
        f.setAccessible(true);
        byte[] stored = ((Map<Long, byte[]>) f.get(keys)).get(77L);
        assertFalse(keys.toString().contains("5a"), keys.toString());
        assertTrue(keys.toString().contains("77"));
        long v = keys.version();
        assertTrue(keys.remove(77));
        assertNotEquals(v, keys.version());
        assertArrayEquals(new byte[16], stored, "removed key zeroed");
        assertFalse(keys.baseKey(77).isPresent());
        assertEquals((byte) 0x5a, k[0], "the caller's array is the caller's");

        SframeKeyMaterial km = SframeKeyMaterial.derive(SframeCipherSuite.AES_128_CTR_HMAC_SHA256_80, 1, k);
        assertFalse(km.toString().contains(java.util.HexFormat.of().formatHex(km.sframeKey)));
        km.destroy();
        assertArrayEquals(new byte[48], km.sframeKey);
        assertArrayEquals(new byte[16], km.encKey);
        SframeAead.RawKey raw = new SframeAead.RawKey(new byte[] {1, 2}, "AES");
        raw.destroy();
        assertTrue(raw.isDestroyed());
        assertThrows(IllegalStateException.class, raw::getEncoded);
    }
}
