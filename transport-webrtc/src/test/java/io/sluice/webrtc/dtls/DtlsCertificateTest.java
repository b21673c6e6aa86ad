package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DtlsCertificateTest {
    @Test
    void generatedCertificateIsSelfSignedP256WithSha256Fingerprint() throws Exception {
        DtlsCertificate cert = DtlsCertificate.generate();
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.encoded()));
        x509.verify(x509.getPublicKey()); // self-signed
        assertEquals("SHA256withECDSA", x509.getSigAlgName());
        assertEquals(256, ((ECPublicKey) x509.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertEquals("CN=sluice", x509.getSubjectX500Principal().getName());
        assertTrue(x509.getSerialNumber().signum() > 0);

        Instant now = Instant.now();
        assertTrue(cert.notBefore().isBefore(now));
        assertTrue(cert.notAfter().isAfter(now.plus(Duration.ofDays(29))));
        assertTrue(cert.notAfter().isBefore(now.plus(Duration.ofDays(31))));

        String sdp = cert.fingerprint().toSdpValue();
        assertTrue(sdp.matches("sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}"), sdp);
        assertTrue(cert.fingerprint().matches(cert.encoded()));
    }

    @Test
    void serialsAndKeysDiffer() {
        DtlsCertificate a = DtlsCertificate.generate();
        DtlsCertificate b = DtlsCertificate.generate();
        assertNotEquals(a.serialNumber(), b.serialNumber());
        assertNotEquals(a.fingerprint(), b.fingerprint());
    }

    @Test
    void pemRoundTrip() {
        DtlsCertificate cert = DtlsCertificate.generate();
        DtlsCertificate loaded = DtlsCertificate.fromPem(cert.privateKeyPem() + cert.certificatePem());
        assertEquals(cert.fingerprint(), loaded.fingerprint());
        assertEquals(cert.privateKeyPem(), loaded.privateKeyPem());
    }

    @Test
    void pemWithAForeignKeyOrMissingBlockIsRejected() {
        DtlsCertificate a = DtlsCertificate.generate();
        DtlsCertificate b = DtlsCertificate.generate();
        assertThrows(IllegalArgumentException.class, () -> DtlsCertificate.fromPem(a.certificatePem() + b.privateKeyPem()));
        assertThrows(IllegalArgumentException.class, () -> DtlsCertificate.fromPem(a.certificatePem()));
        assertThrows(IllegalArgumentException.class, () -> DtlsCertificate.fromPem("garbage"));
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class,
                () -> DtlsCertificate.generate("", Duration.ofDays(1), new java.security.SecureRandom()));
        assertThrows(IllegalArgumentException.class,
                () -> DtlsCertificate.generate("x", Duration.ZERO, new java.security.SecureRandom()));
    }
}
