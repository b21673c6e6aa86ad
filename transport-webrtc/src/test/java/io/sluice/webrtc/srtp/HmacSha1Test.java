package io.sluice.webrtc.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HmacSha1Test {
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] mac(byte[] key, byte[] data) throws Exception {
        HmacSha1 h = new HmacSha1(key);
        byte[] out = new byte[22];
        h.update(data, 0, data.length);
        h.doFinal(out, 1);
        return java.util.Arrays.copyOfRange(out, 1, 21);
    }

    @Test
    @DisplayName("RFC 2202 §3 test cases 1, 2 and 6 (key longer than the block)")
    void rfc2202() throws Exception {
        assertArrayEquals(HEX.parseHex("b617318655057264e28bc0b6fb378c8ef146be00"),
                mac(HEX.parseHex("0b".repeat(20)), "Hi There".getBytes()));
        assertArrayEquals(HEX.parseHex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
                mac("Jefe".getBytes(), "what do ya want for nothing?".getBytes()));
        assertArrayEquals(HEX.parseHex("aa4ae5e15272d00e95705637ce8a3b55ed402112"),
                mac(HEX.parseHex("aa".repeat(80)), "Test Using Larger Than Block-Size Key - Hash Key First".getBytes()));
    }

    @Test
    void sameAsJdkMacOverManyMessagesWithOneInstance() throws Exception {
        Random r = new Random(7);
        byte[] key = new byte[20];
        r.nextBytes(key);
        HmacSha1 h = new HmacSha1(key);
        Mac jdk = Mac.getInstance("HmacSHA1");
        jdk.init(new SecretKeySpec(key, "HmacSHA1"));
        byte[] out = new byte[20];
        for (int n = 0; n < 300; n += 7) {
            byte[] m = new byte[n];
            r.nextBytes(m);
            h.update(m, 0, m.length);
            h.updateInt(0x01020304);
            h.doFinal(out, 0);
            jdk.update(m);
            jdk.update(new byte[] {1, 2, 3, 4});
            assertArrayEquals(jdk.doFinal(), out, "length " + n);
        }
    }
}
