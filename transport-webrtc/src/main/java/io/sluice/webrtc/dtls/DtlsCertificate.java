package io.sluice.webrtc.dtls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * An ECDSA P-256 X.509 certificate and its private key: the DTLS identity a WebRTC endpoint
 * announces through the SDP fingerprint. Immutable and thread-safe; share one across endpoints.
 *
 * <p>WebRTC certificates are self-signed: the peer trusts the certificate whose hash matches the
 * {@code a=fingerprint} of the signalled SDP, not a CA chain.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8827#section-6.5">RFC 8827 §6.5</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8122#section-5">RFC 8122 §5</a>
 */
public final class DtlsCertificate {
    /** Default subject and issuer common name. */
    public static final String DEFAULT_COMMON_NAME = "sluice";
    /** Default validity of a generated certificate: 30 days. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(30);

    private static final ASN1ObjectIdentifier P256 = SECObjectIdentifiers.secp256r1;
    /** Back-dating of {@code notBefore}, so a peer whose clock is a little behind accepts it. */
    private static final Duration BACKDATE = Duration.ofDays(1);
    private static final SignatureAndHashAlgorithm ECDSA_SHA256 =
            SignatureAndHashAlgorithm.getInstance(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    private final X509CertificateHolder certificate;
    private final byte[] der;
    private final ECPrivateKeyParameters privateKey;
    private final DtlsFingerprint fingerprint;

    private DtlsCertificate(X509CertificateHolder certificate, ECPrivateKeyParameters privateKey) throws IOException {
        this.certificate = certificate;
        this.der = certificate.getEncoded();
        this.privateKey = privateKey;
        this.fingerprint = DtlsFingerprint.sha256(der);
    }

    /** Generates a certificate with CN {@value #DEFAULT_COMMON_NAME}, valid for 30 days. */
    public static DtlsCertificate generate() {
        return generate(DEFAULT_COMMON_NAME, DEFAULT_VALIDITY, new SecureRandom());
    }

    /**
     * Generates a fresh P-256 key pair and a self-signed certificate (ecdsa-with-SHA256) with a
     * random 64-bit positive serial number, valid from one day ago (clock skew) until now plus
     * {@code validity}.
     *
     * @param commonName subject and issuer CN, e.g. {@code "sluice"}
     * @param validity how long from now the certificate stays valid; positive
     * @param random source of the key and serial number
     * @throws IllegalArgumentException if {@code commonName} is empty or {@code validity} not positive
     */
    public static DtlsCertificate generate(String commonName, Duration validity, SecureRandom random) {
        Objects.requireNonNull(commonName, "commonName");
        Objects.requireNonNull(random, "random");
        if (commonName.isEmpty()) {
            throw new IllegalArgumentException("commonName: empty (expected: e.g. \"sluice\")");
        }
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity: " + validity + " (expected: > 0)");
        }
        ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(P256), random));
        AsymmetricCipherKeyPair keyPair = generator.generateKeyPair();

        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        BigInteger serial = new BigInteger(64, random).setBit(0); // positive, non-zero (RFC 5280 §4.1.2.2)
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, serial,
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), name,
                    SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(keyPair.getPublic()));
            AlgorithmIdentifier sigAlg = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
            AlgorithmIdentifier digAlg = new DefaultDigestAlgorithmIdentifierFinder().find(sigAlg);
            X509CertificateHolder holder =
                    builder.build(new BcECContentSignerBuilder(sigAlg, digAlg).build(keyPair.getPrivate()));
            return new DtlsCertificate(holder, (ECPrivateKeyParameters) keyPair.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException("encoding the generated certificate", e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("Bouncy Castle lacks SHA256withECDSA", e);
        }
    }

    /**
     * Loads a certificate and its private key from PEM text holding a {@code CERTIFICATE} block and
     * a {@code PRIVATE KEY} (PKCS#8) or {@code EC PRIVATE KEY} (SEC 1) block, in any order, as
     * written by {@link #certificatePem()} + {@link #privateKeyPem()} or by
     * {@code openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes}.
     *
     * @throws IllegalArgumentException if a block is missing or unreadable, the key is not an
     *     unencrypted P-256 EC key, or it does not belong to the certificate
     */
    public static DtlsCertificate fromPem(String pem) {
        Objects.requireNonNull(pem, "pem");
        X509CertificateHolder certificate = null;
        PrivateKeyInfo keyInfo = null;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder && certificate == null) {
                    certificate = (X509CertificateHolder) o;
                } else if (o instanceof PrivateKeyInfo) {
                    keyInfo = (PrivateKeyInfo) o;
                } else if (o instanceof PEMKeyPair) {
                    keyInfo = ((PEMKeyPair) o).getPrivateKeyInfo();
                }
            }
            if (certificate == null || keyInfo == null) {
                throw new IllegalArgumentException("pem: " + (certificate == null ? "no CERTIFICATE" : "no PRIVATE KEY")
                        + " block (expected: a certificate and its unencrypted private key)");
            }
            AsymmetricKeyParameter key = PrivateKeyFactory.createKey(keyInfo);
            if (!(key instanceof ECPrivateKeyParameters) || !isP256(((ECPrivateKeyParameters) key).getParameters())) {
                throw new IllegalArgumentException("pem: private key is not a P-256 EC key (expected: ECDSA P-256)");
            }
            ECPrivateKeyParameters ecKey = (ECPrivateKeyParameters) key;
            AsymmetricKeyParameter pub = PublicKeyFactory.createKey(certificate.getSubjectPublicKeyInfo());
            if (!(pub instanceof ECPublicKeyParameters) || !((ECPublicKeyParameters) pub).getQ()
                    .equals(ecKey.getParameters().getG().multiply(ecKey.getD()).normalize())) {
                throw new IllegalArgumentException("pem: the private key does not match the certificate's public key");
            }
            return new DtlsCertificate(certificate, ecKey);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalArgumentException("pem: unreadable (" + e + ")", e);
        }
    }

    private static boolean isP256(ECDomainParameters params) {
        ECDomainParameters p256 = ECNamedDomainParameters.lookup(P256);
        return params.getCurve().equals(p256.getCurve()) && params.getG().equals(p256.getG());
    }

    /** The {@code sha-256} fingerprint for the SDP {@code a=fingerprint} attribute. */
    public DtlsFingerprint fingerprint() {
        return fingerprint;
    }

    /**
     * The fingerprint with another hash function.
     *
     * @throws IllegalArgumentException if the hash function is not supported (see {@link DtlsFingerprint#of})
     */
    public DtlsFingerprint fingerprint(String hashFunction) {
        return DtlsFingerprint.of(hashFunction, der);
    }

    /** A copy of the certificate's DER encoding. */
    public byte[] encoded() {
        return der.clone();
    }

    /** Start of validity. */
    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    /** End of validity. */
    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** The certificate's serial number (positive). */
    public BigInteger serialNumber() {
        return certificate.getSerialNumber();
    }

    /** The certificate as a PEM {@code CERTIFICATE} block. */
    public String certificatePem() {
        return pem("CERTIFICATE", der);
    }

    /**
     * The private key as an unencrypted PKCS#8 PEM {@code PRIVATE KEY} block. Treat it as a secret;
     * {@link #fromPem(String)} reads it back.
     */
    public String privateKeyPem() {
        try {
            return pem("PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(privateKey).getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException("encoding the private key", e);
        }
    }

    /**
     * The certificate as Bouncy Castle TLS sees it: a chain of one.
     *
     * @throws IOException if {@code crypto} rejects the encoding
     */
    public Certificate tlsCertificate(TlsCrypto crypto) throws IOException {
        return new Certificate(new TlsCertificate[] {crypto.createCertificate(der)});
    }

    /**
     * Bouncy Castle TLS signing credentials (certificate plus ECDSA key, signing with
     * ecdsa_secp256r1_sha256) for the handshake of {@code context}: the server's
     * ServerKeyExchange, the client's CertificateVerify.
     *
     * @throws IOException if {@code crypto} rejects the certificate
     */
    public TlsCredentialedSigner tlsSignerCredentials(TlsContext context, BcTlsCrypto crypto) throws IOException {
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, privateKey,
                tlsCertificate(crypto), ECDSA_SHA256);
    }

    /** Names the fingerprint and validity; never the key. */
    @Override
    public String toString() {
        return "DtlsCertificate{" + fingerprint.toSdpValue() + ", notAfter=" + notAfter() + '}';
    }

    private static String pem(String type, byte[] content) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, content));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // StringWriter does not fail
        }
        return out.toString();
    }
}
