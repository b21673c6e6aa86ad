package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DtlsFingerprintTest {
    /** SHA-256("abc") from FIPS 180-2 Appendix B.1. */
    private static final String SHA256_ABC = "sha-256 BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:"
            + "B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD";

    @Test
    @DisplayName("RFC 8122 §5: lower-case hash name, upper-case hex octets joined by colons")
    void sdpForm() {
        DtlsFingerprint fp = DtlsFingerprint.sha256("abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SHA256_ABC, fp.toSdpValue());
        assertEquals("sha-256", fp.hashFunction());
        assertEquals(32, fp.value().length);
    }

    @Test
    void parseRoundTripsAndAcceptsLowerCase() {
        DtlsFingerprint fp = DtlsFingerprint.parse(SHA256_ABC.toLowerCase().replace("sha-256", "SHA-256"));
        assertEquals(SHA256_ABC, fp.toSdpValue());
        assertEquals(DtlsFingerprint.parse(SHA256_ABC), fp);
        assertEquals(DtlsFingerprint.parse(SHA256_ABC).hashCode(), fp.hashCode());
        assertTrue(fp.matches("abc".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(fp.matches("abd".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void otherHashFunctions() {
        DtlsFingerprint sha1 = DtlsFingerprint.of("sha-1", "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("sha-1 A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D", sha1.toSdpValue());
        assertArrayEquals(sha1.value(), DtlsFingerprint.parse(sha1.toSdpValue()).value());
    }

    @Test
    void malformedInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> DtlsFingerprint.parse("sha-256"));
        assertThrows(IllegalArgumentException.class, () -> DtlsFingerprint.parse("md5 AB:CD"));
        assertThrows(IllegalArgumentException.class, () -> DtlsFingerprint.parse("sha-256 AB:CD"));
        assertThrows(IllegalArgumentException.class, () -> DtlsFingerprint.parse(SHA256_ABC.replace(':', '-')));
        assertThrows(IllegalArgumentException.class, () -> DtlsFingerprint.parse(SHA256_ABC.replace("BA:", "BX:")));
    }
}
