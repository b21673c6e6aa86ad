package io.sluice.webrtc.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The AES-CM transform against an independent construction with the JDK's {@code AES/CTR} and
 * {@code HmacSHA1}, for SSRCs, indices, offsets and lengths the RFC vectors (SSRC 0, index 0) and a
 * symmetric round trip cannot catch.
 */
class AesCmHmacTransformTest {
    private static final Random RANDOM = new Random(3711);

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** RFC 3711 §4.1.1: IV = (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16), as 16 octets. */
    private static byte[] iv(byte[] salt, int ssrc, long index) {
        byte[] iv = Arrays.copyOf(salt, 16);
        for (int i = 0; i < 4; i++) {
            iv[4 + i] ^= (byte) (ssrc >>> (24 - 8 * i));
        }
        for (int i = 0; i < 6; i++) {
            iv[13 - i] ^= (byte) (index >>> (8 * i));
        }
        return iv;
    }

    @Test
    void keystreamMatchesJdkCtrForAnySsrcIndexOffsetAndLength() throws Exception {
        byte[] key = random(16);
        byte[] salt = random(14);
        AesCmHmacTransform t = new AesCmHmacTransform(SrtpProfile.AES128_CM_HMAC_SHA1_80, key, salt, random(20),
                random(16), random(14), random(20));
        Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
        int[] ssrcs = {0, 1, 0x12345678, 0xFFFFFFFF, 0x80000000};
        long[] indices = {0, 1, 0xFFFF, 0x10000, 0x123456789ABL, 0xFFFFFFFFFFFFL};
        int[] lengths = {1, 7, 8, 15, 16, 17, 100, 1188, 1400};
        for (int ssrc : ssrcs) {
            for (long index : indices) {
                for (int len : lengths) {
                    int off = RANDOM.nextInt(9);
                    byte[] data = random(off + len + 5);
                    byte[] expected = data.clone();
                    ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv(salt, ssrc, index)));
                    ctr.doFinal(expected, off, len, expected, off);
                    t.xorRtpKeystream(ssrc, index, data, off, len);
                    assertArrayEquals(expected, data, "ssrc " + ssrc + " index " + index + " len " + len + " off " + off);
                }
            }
        }
    }

    @Test
    void protectedPacketMatchesJdkCtrAndHmac() throws Exception {
        byte[] key = random(16);
        byte[] salt = random(14);
        byte[] auth = random(20);
        AesCmHmacTransform t = new AesCmHmacTransform(SrtpProfile.AES128_CM_HMAC_SHA1_80, key, salt, auth,
                random(16), random(14), random(20));
        Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(auth, "HmacSHA1"));
        int ssrc = 0xCAFEBABE;
        int roc = 0x01020304;
        for (int seq : new int[] {0, 1, 0x7FFF, 0xFFFF}) {
            int off = 3;
            int len = 12 + 1000;
            byte[] b = random(off + len + 10 + 4);
            byte[] expected = b.clone();
            int n = t.protectRtp(b, off, 12, len, ssrc, roc, seq);
            assertEquals(len + 10, n);
            long index = ((roc & 0xFFFFFFFFL) << 16) | seq;
            ctr.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv(salt, ssrc, index)));
            ctr.doFinal(expected, off + 12, len - 12, expected, off + 12);
            mac.update(expected, off, len);
            mac.update(new byte[] {1, 2, 3, 4});
            System.arraycopy(mac.doFinal(), 0, expected, off + len, 10);
            assertArrayEquals(expected, b, "seq " + seq);
        }
    }
}
