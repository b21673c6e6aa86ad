package io.sluice.webrtc.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Published vectors, transcribed in /work/shared/vectors (see DATA.md). */
class SrtpRfcVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    static byte[] hex(String s) {
        return HEX.parseHex(s.toLowerCase());
    }

    @Test
    @DisplayName("RFC 3711 App. B.2: AES-CM keystream, first and last three blocks of the 65282-block segment")
    void appendixB2Keystream() {
        byte[] key = hex("2B7E151628AED2A6ABF7158809CF4F3C");
        byte[] salt = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
        AesCmHmacTransform t = new AesCmHmacTransform(SrtpProfile.AES128_CM_HMAC_SHA1_80, key, salt, new byte[20],
                key, salt, new byte[20]);
        byte[] ks = new byte[1044512];
        t.xorRtpKeystream(0, 0, ks, 0, ks.length);
        assertEquals("e03ead0935c95e80e166b16dd92b4eb4", HEX.formatHex(ks, 0, 16));
        assertEquals("d23513162b02d0f72a43a2fe4a5f97ab", HEX.formatHex(ks, 16, 32));
        assertEquals("41e95b3bb0a2e8dd477901e4fca894c0", HEX.formatHex(ks, 32, 48));
        int n = ks.length;
        assertEquals("ec8cdf7398607cb0f2d21675ea9ea1e4", HEX.formatHex(ks, n - 48, n - 32));
        assertEquals("362b7c3c6773516318a077d7fc5073ae", HEX.formatHex(ks, n - 32, n - 16));
        assertEquals("6a2cc3787889374fbeb4c81b17ba6c44", HEX.formatHex(ks, n - 16, n));
    }

    @ParameterizedTest(name = "label {0}")
    @DisplayName("RFC 3711 App. B.3: key derivation (cipher key, auth key 94 octets, salt)")
    @CsvSource({
        "0, C61E7A93744F39EE10734AFE3FF7A087",
        "1, CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2",
        "2, 30CBBC08863D8C85D49DB34A9AE1"})
    void appendixB3KeyDerivation(int label, String expected) {
        byte[] mk = hex("E1F97A0D3E018BE0D64FA32C06DE4139");
        byte[] ms = hex("0EC675AD498AFEEBB6960B3AABE6");
        byte[] want = hex(expected);
        assertArrayEquals(want, SrtpKeyDerivation.deriveSessionKey(mk, ms, label, want.length));
    }

    @ParameterizedTest(name = "kdr={2} index={3} label={4}")
    @DisplayName("NIST ACVP SRTP KDF (via OpenSSL evpkdf_srtp.txt): SRTP labels 0-2, 48-bit r (label at octet 7)")
    @CsvSource({
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 08284B49F520, 0, A920DF50EAA111D03FBE9B203121C07D",
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 08284B49F520, 1, A337DC070C0DAFA942F1E3A27ACD3C9917CE4B4D",
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 08284B49F520, 2, 9E2BC99C86037F2AD98D72927428",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 3D6FECDCE1BE, 0, A2F4D858CCDF585D9C5CA787C5A3031F",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 3D6FECDCE1BE, 1, C140C97CAC05B2ED338AD353014A90012F37B45C",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 3D6FECDCE1BE, 2, AA6DE94B3BCB5108EFD350AD6936",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, F4EE616415B9, 0, B46322B06F6E4B189F27744EAD8C5173",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, F4EE616415B9, 1, F9F246054B3D4AA2520CE2612192749AA6970BB0",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, F4EE616415B9, 2, 18EA8EA36A90617224FBFBCB849A"})
    void acvpSrtpLabels(String mk, String ms, long kdr, String index, int label, String expected) {
        byte[] want = hex(expected);
        assertArrayEquals(want, SrtpKeyDerivation.derive(hex(mk), hex(ms), label, Long.parseLong(index, 16), kdr,
                SrtpKeyDerivation.INDEX_BITS_RFC3711, want.length));
    }

    @ParameterizedTest(name = "kdr={2} index={3} label={4}")
    @DisplayName("NIST ACVP SRTP KDF, SRTCP labels 3-5: NIST SP 800-135 convention (32-bit r, label at octet 9), NOT the libsrtp/WebRTC layout")
    @CsvSource({
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 69B62109, 3, 94D76CA7ADB05B8631CF62538D97BE74",
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 69B62109, 4, FA02251D693645BC1001F83C5A13CB3E3D77F7EA",
        "8C307F105F79D5D2C26B1A933AE22CD5, 563B4C15458D977B68080242CEE1, 1, 69B62109, 5, 70C0481A04E3610EC8AF8623FA9B",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 1C7B571C, 3, 2844C8F56E2AF865E4EBBD0D083A4FAE",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 1C7B571C, 4, 50135309CF64D5162723749CCF085708F8E81636",
        "127A535F66D5D43135E5DB87F04AF2DB, 82D0D04DC693E29E0FE7FECBF041, 2, 1C7B571C, 5, 47CB081EC69F7E74FEB3FCD1BD20",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, 13DE080C, 3, F4140D2419F7A75CEE91FC942CD94514",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, 13DE080C, 4, 6E65548ABFE131FF91E7AE75409F96AD9D9FE345",
        "CF08F8159FCF18DA8108A3FE3B707C2B, 4AF8352708E0A164C6645A63E5BB, 8, 13DE080C, 5, 2C195A5AA9F539BD7CC7D6E23483"})
    void acvpSrtcpLabelsWith32BitR(String mk, String ms, long kdr, String index, int label, String expected) {
        byte[] want = hex(expected);
        long idx = Long.parseLong(index, 16);
        assertArrayEquals(want, SrtpKeyDerivation.derive(hex(mk), hex(ms), label, idx, kdr, 32, want.length));
        // The wire (libsrtp) layout puts the label at octet 7 and therefore differs: documented discrepancy.
        assertNotEquals(HEX.formatHex(want), HEX.formatHex(
                SrtpKeyDerivation.derive(hex(mk), hex(ms), label, idx, kdr, 48, want.length)));
    }

    private static final String RTP_PLAIN = "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";
    private static final String RTCP_PLAIN = "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
    private static final String SALT = "517569642070726f2071756f";

    enum Gcm {
        AES128(SrtpProfile.AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f",
                "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce",
                "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e20706172746573207472657322493f82d2bce397e9d79e3b19aa4216",
                "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4",
                "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef841dd9683dd78ec92ae58790125f62b3000005d4"),
        AES256(SrtpProfile.AEAD_AES_256_GCM, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13",
                "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573a866d5910f887463067ceefec45215d4",
                "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4",
                "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef91db4afbfeee5a978fab4393ed2615fe000005d4");

        final SrtpProfile profile;
        final String key;
        final String rtpEncrypted;
        final String rtpTagOnly;
        final String rtcpEncrypted;
        final String rtcpTagOnly;

        Gcm(SrtpProfile profile, String key, String rtpEncrypted, String rtpTagOnly, String rtcpEncrypted, String rtcpTagOnly) {
            this.profile = profile;
            this.key = key;
            this.rtpEncrypted = rtpEncrypted;
            this.rtpTagOnly = rtpTagOnly;
            this.rtcpEncrypted = rtcpEncrypted;
            this.rtcpTagOnly = rtcpTagOnly;
        }

        AesGcmTransform transform() {
            return new AesGcmTransform(profile, hex(key), hex(SALT));
        }
    }

    private static String protectRtp(SrtpSender sender, String plain, boolean direct) {
        byte[] p = hex(plain);
        ByteBuf buf = direct ? Unpooled.directBuffer(p.length + 16) : Unpooled.buffer(p.length + 16);
        try {
            buf.writeBytes(p);
            assertEquals(SrtpResult.OK, sender.protectRtp(buf));
            byte[] out = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), out);
            return HEX.formatHex(out);
        } finally {
            buf.release();
        }
    }

    private static String unprotect(SrtpReceiver receiver, String packet, boolean rtcp, SrtpResult expected) {
        ByteBuf buf = Unpooled.wrappedBuffer(hex(packet));
        try {
            assertEquals(expected, rtcp ? receiver.unprotectRtcp(buf) : receiver.unprotectRtp(buf));
            return HEX.formatHex(Arrays.copyOfRange(buf.array(), buf.readerIndex(), buf.writerIndex()));
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @EnumSource(Gcm.class)
    @DisplayName("RFC 7714 §16.1 / §16.2: AEAD_AES_128/256_GCM SRTP, encrypted and tagged (ROC 0, SEQ f17b)")
    void rfc7714RtpEncrypted(Gcm v) {
        assertEquals(v.rtpEncrypted, protectRtp(new SrtpSender(v.transform()), RTP_PLAIN, false));
        assertEquals(v.rtpEncrypted, protectRtp(new SrtpSender(v.transform()), RTP_PLAIN, true));
        assertEquals(RTP_PLAIN, unprotect(new SrtpReceiver(v.transform(), 64, 4), v.rtpEncrypted, false, SrtpResult.OK));
    }

    @ParameterizedTest
    @EnumSource(Gcm.class)
    @DisplayName("RFC 7714 §16.1 / §16.2: SRTP tag-only (whole packet as AAD; transform test hook, no negotiated profile)")
    void rfc7714RtpTagOnly(Gcm v) {
        AesGcmTransform t = v.transform();
        t.encryptRtp(false);
        assertEquals(v.rtpTagOnly, protectRtp(new SrtpSender(t), RTP_PLAIN, false));
        AesGcmTransform r = v.transform();
        r.encryptRtp(false);
        assertEquals(RTP_PLAIN, unprotect(new SrtpReceiver(r, 64, 4), v.rtpTagOnly, false, SrtpResult.OK));
    }

    @ParameterizedTest
    @EnumSource(Gcm.class)
    @DisplayName("RFC 7714 §17: SRTCP encrypted (E=1) and tag-only (E=0), SRTCP index 0x5d4")
    void rfc7714Rtcp(Gcm v) {
        for (boolean encrypt : new boolean[] {true, false}) {
            byte[] p = hex(RTCP_PLAIN);
            byte[] b = Arrays.copyOf(p, p.length + 20);
            int n = v.transform().protectRtcp(b, 0, p.length, 0x4d617273, 0x5d4, encrypt);
            assertEquals(encrypt ? v.rtcpEncrypted : v.rtcpTagOnly, HEX.formatHex(b, 0, n));
            assertEquals(RTCP_PLAIN, unprotect(new SrtpReceiver(v.transform(), 64, 4),
                    encrypt ? v.rtcpEncrypted : v.rtcpTagOnly, true, SrtpResult.OK));
        }
    }
}
