package io.sluice.crypto.sframe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The official RFC 9605 test vectors (Appendix C), from {@code ${sluice.shared.dir}/vectors/sframe/test-vectors.json}.
 * The file's {@code aes_256_ctr_hmac} section (added after the RFC, suite 6) is not part of RFC 9605 and is
 * not tested.
 */
@DisplayName("RFC 9605 Appendix C (SFrame test vectors)")
class SframeRfcVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static Map<String, Object> vectors;

    @SuppressWarnings("unchecked")
    static synchronized Map<String, Object> vectors() throws IOException {
        if (vectors == null) {
            String dir = System.getProperty("sluice.shared.dir", "../../shared");
            Path file = Path.of(dir, "vectors", "sframe", "test-vectors.json");
            vectors = (Map<String, Object>) TestJson.parse(Files.readString(file, StandardCharsets.UTF_8));
        }
        return vectors;
    }

    @SuppressWarnings("unchecked")
    static Stream<Map<String, Object>> section(String name) throws IOException {
        return ((List<Map<String, Object>>) vectors().get(name)).stream();
    }

    static Stream<Map<String, Object>> headerCases() throws IOException {
        return section("header");
    }

    static Stream<Map<String, Object>> aesCtrHmacCases() throws IOException {
        return section("aes_ctr_hmac");
    }

    static Stream<Map<String, Object>> sframeCases() throws IOException {
        return section("sframe");
    }

    private static long u64(Map<String, Object> v, String key) {
        return ((BigInteger) v.get(key)).longValue();
    }

    private static byte[] hex(Map<String, Object> v, String key) {
        return HEX.parseHex((String) v.get(key));
    }

    private static SframeCipherSuite suite(Map<String, Object> v) {
        return SframeCipherSuite.fromId(((BigInteger) v.get("cipher_suite")).intValue());
    }

    @Test
    @DisplayName("the vector file has the RFC's 289 header, 3 aes_ctr_hmac and 5 sframe cases")
    void counts() throws IOException {
        assertEquals(289, headerCases().count());
        assertEquals(3, aesCtrHmacCases().count());
        assertEquals(5, sframeCases().count());
    }

    /** One dynamic test per header case (dynamic tests skip the per-test leak GC, which would cost ~25 s here). */
    @TestFactory
    @DisplayName("C.1 header encoding and decoding (§4.3)")
    Stream<DynamicTest> headers() throws IOException {
        return headerCases().map(v -> DynamicTest.dynamicTest(
                "KID=" + v.get("kid") + " CTR=" + v.get("ctr") + " -> " + v.get("encoded"), () -> header(v)));
    }

    private static void header(Map<String, Object> v) {
        long kid = u64(v, "kid");
        long ctr = u64(v, "ctr");
        byte[] expected = hex(v, "encoded");
        SframeHeader h = SframeHeader.of(kid, ctr);
        assertArrayEquals(expected, h.encode());
        assertEquals(expected.length, SframeHeader.encodedLength(kid, ctr));
        assertEquals(expected.length, SframeHeader.headerLength(expected[0]));
        // decode, also with trailing bytes after the header
        byte[] padded = new byte[expected.length + 5];
        System.arraycopy(expected, 0, padded, 2, expected.length);
        assertEquals(h, SframeHeader.decode(expected, 0, expected.length));
        assertEquals(h, SframeHeader.decode(padded, 2, expected.length + 3));
    }

    @ParameterizedTest(name = "§4.5.1 AES-CTR+HMAC suite {0}")
    @MethodSource("aesCtrHmacCases")
    @DisplayName("C.2 AES-CTR with HMAC: key split, encrypt, decrypt")
    void aesCtrHmac(Map<String, Object> v) throws Exception {
        SframeCipherSuite suite = suite(v);
        byte[] key = hex(v, "key");
        byte[] nonce = hex(v, "nonce");
        SframeKeyMaterial km = SframeKeyMaterial.of(suite, 0, key, nonce);
        assertArrayEquals(hex(v, "enc_key"), km.encKey);
        assertArrayEquals(hex(v, "auth_key"), km.authKey);
        SframeAead aead = SframeAead.create(km);
        byte[] aad = hex(v, "aad");
        byte[] pt = hex(v, "pt");
        byte[] ct = hex(v, "ct");
        // with salt = nonce and CTR = 0, the AEAD nonce is the vector's nonce
        aead.formNonce(0);
        assertArrayEquals(nonce, aead.nonce);
        byte[] out = new byte[pt.length + suite.nt()];
        assertEquals(out.length, aead.seal(0, aad, 0, aad.length, null, 0, 0, pt, 0, pt.length, out, 0));
        assertArrayEquals(ct, out);
        byte[] back = new byte[pt.length];
        assertEquals(pt.length, aead.open(0, aad, 0, aad.length, null, 0, 0, ct, 0, ct.length, back, 0));
        assertArrayEquals(pt, back);
        ct[ct.length - 1] ^= 1;
        assertEquals(-1, aead.open(0, aad, 0, aad.length, null, 0, 0, ct, 0, ct.length, back, 0));
    }

    @ParameterizedTest(name = "§4.4 suite {0}")
    @MethodSource("sframeCases")
    @DisplayName("C.3 SFrame encryption and decryption: key derivation, nonce, AAD, ciphertext")
    void sframe(Map<String, Object> v) throws Exception {
        SframeCipherSuite suite = suite(v);
        long kid = u64(v, "kid");
        long ctr = u64(v, "ctr");
        byte[] baseKey = hex(v, "base_key");
        byte[] metadata = hex(v, "metadata");
        byte[] pt = hex(v, "pt");
        byte[] ct = hex(v, "ct");

        // §4.4.2 key derivation
        assertArrayEquals(hex(v, "sframe_key_label"), SframeKeyMaterial.keyLabel(kid, suite));
        assertArrayEquals(hex(v, "sframe_salt_label"), SframeKeyMaterial.saltLabel(kid, suite));
        SframeKeyMaterial km = SframeKeyMaterial.derive(suite, kid, baseKey);
        assertArrayEquals(hex(v, "sframe_secret"), km.sframeSecret);
        assertArrayEquals(hex(v, "sframe_key"), km.sframeKey);
        assertArrayEquals(hex(v, "sframe_salt"), km.sframeSalt);

        // §4.4.3 nonce and AAD
        SframeAead aead = SframeAead.create(km);
        aead.formNonce(ctr);
        assertArrayEquals(hex(v, "nonce"), aead.nonce);
        byte[] header = SframeHeader.of(kid, ctr).encode();
        byte[] aad = new byte[header.length + metadata.length];
        System.arraycopy(header, 0, aad, 0, header.length);
        System.arraycopy(metadata, 0, aad, header.length, metadata.length);
        assertArrayEquals(hex(v, "aad"), aad);

        // encryption through the sender
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(kid, baseKey);
        SframeSender sender = new SframeSender(suite, keys, kid);
        sender.useKid(kid, ctr);
        byte[] out = new byte[sender.ciphertextLength(pt.length)];
        assertEquals(ct.length, sender.encrypt(pt, 0, pt.length, metadata, 0, metadata.length, out, 0));
        assertArrayEquals(ct, out);
        assertEquals(ctr + 1, sender.nextCtr());

        // decryption through the receiver
        SframeReceiver receiver = SframeReceiver.create(suite, keys);
        byte[] back = new byte[receiver.maxPlaintextLength(ct.length)];
        assertEquals(SframeReceiveStatus.OK, receiver.decrypt(ct, 0, ct.length, metadata, 0, metadata.length, back, 0));
        assertEquals(pt.length, receiver.plaintextLength());
        assertArrayEquals(pt, java.util.Arrays.copyOf(back, pt.length));
        assertEquals(kid, receiver.lastKid());
        assertEquals(ctr, receiver.lastCtr());
    }
}
