package io.sluice.server;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for development (ECDSA P-256, SHA-256), made in memory at start so that a
 * browser on another machine gets a secure origin (the camera of {@code /publish} needs one) after
 * accepting the certificate; users compare its {@link #fingerprint()} with what the browser shows.
 *
 * @param key         the private key, never written anywhere
 * @param certificate the certificate, valid from an hour ago for {@code validity}, with {@code localhost} and
 *                    the given addresses as subjectAltName
 */
record DevelopmentCertificate(PrivateKey key, X509Certificate certificate) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param addresses IP addresses to name in subjectAltName (besides {@code localhost} and loopback)
     * @param validity  how long it is valid, from now
     * @throws IllegalStateException if the JDK lacks EC P-256 or ECDSA (every JDK 17 has them)
     */
    static DevelopmentCertificate generate(List<InetAddress> addresses, Duration validity) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair kp = g.generateKeyPair();
            X500Name name = new X500Name("CN=Sluice development certificate");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM).abs(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), name, kp.getPublic());
            Set<String> ips = new LinkedHashSet<>();
            ips.add(InetAddress.getLoopbackAddress().getHostAddress());
            for (InetAddress a : addresses) {
                if (!a.isAnyLocalAddress()) {
                    ips.add(a.getHostAddress());
                }
            }
            List<GeneralName> sans = new ArrayList<>();
            sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
            ips.forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            return new DevelopmentCertificate(kp.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** The SHA-256 fingerprint as browsers show it: {@code AB:CD:…} (32 bytes, uppercase hex). */
    String fingerprint() {
        return fingerprint(certificate);
    }

    /** The SHA-256 fingerprint of {@code certificate}'s DER encoding, {@code AB:CD:…}. */
    static String fingerprint(X509Certificate certificate) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").formatHex(d).toUpperCase(Locale.ROOT);
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
