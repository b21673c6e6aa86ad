package io.sluice.webrtc.dtls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsTimeoutException;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State of one DTLS-SRTP handshake shared by the Bouncy Castle peer ({@link Client} or
 * {@link Server}) and {@link DtlsEndpoint}: the current step, the negotiated profile, the exported
 * keys and the first failure with its typed exception. Written on the handshake thread; the step
 * is also read by other threads.
 */
final class DtlsHandshake {
    private static final Logger log = LoggerFactory.getLogger(DtlsHandshake.class);

    /** ECDHE-ECDSA with AES-GCM (RFC 5289), the suites WebRTC browsers offer for ECDSA certificates. */
    private static final int[] CIPHER_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    };

    final DtlsContext config;
    final DtlsRole role;
    final DtlsFingerprint expectedRemoteFingerprint;
    final BcTlsCrypto crypto;

    private volatile DtlsHandshakeStep step = DtlsHandshakeStep.NOT_STARTED;
    private volatile DtlsHandshakeException failure;
    private SrtpProtectionProfile profile;
    private DtlsSrtpKeys keys;
    private int cipherSuite = -1;
    private boolean extendedMasterSecret;

    DtlsHandshake(DtlsContext config, DtlsRole role, DtlsFingerprint expectedRemoteFingerprint) {
        this.config = config;
        this.role = role;
        this.expectedRemoteFingerprint = expectedRemoteFingerprint;
        this.crypto = new BcTlsCrypto(config.secureRandom());
    }

    DtlsHandshakeStep step() {
        return step;
    }

    void step(DtlsHandshakeStep step) {
        this.step = step;
    }

    /** Keys exported when the handshake completed, or {@code null}. */
    DtlsSrtpKeys keys() {
        return keys;
    }

    /** Records a typed failure (the first one wins) and returns the alert to abort the handshake with. */
    TlsFatalAlert fail(DtlsHandshakeException e) {
        if (failure == null) {
            failure = e;
        }
        short alert = (short) e.alertDescription().orElse(AlertDescription.handshake_failure);
        return new TlsFatalAlert(alert, e.getMessage());
    }

    /**
     * RFC 8842 §5 / RFC 5763 §5: the peer's end-entity certificate must hash to the SDP fingerprint.
     *
     * @throws TlsFatalAlert bad_certificate on a mismatch or an empty chain
     */
    void verifyPeerCertificate(Certificate chain) throws IOException {
        if (chain == null || chain.isEmpty()) {
            throw fail(new DtlsFingerprintMismatchException(role, step, expectedRemoteFingerprint, null));
        }
        DtlsFingerprint actual = DtlsFingerprint.of(expectedRemoteFingerprint.hashFunction(),
                chain.getCertificateAt(0).getEncoded());
        if (!actual.equals(expectedRemoteFingerprint)) {
            throw fail(new DtlsFingerprintMismatchException(role, step, expectedRemoteFingerprint, actual));
        }
    }

    /** The failure to report for a Bouncy Castle error thrown out of connect/accept/receive. */
    DtlsHandshakeException translate(Throwable t, boolean closedLocally) {
        DtlsHandshakeException typed = failure;
        if (typed != null) {
            if (t != null && t != typed) {
                typed.addSuppressed(t); // the Bouncy Castle alert that carried it
            }
            return typed;
        }
        if (closedLocally) {
            return new DtlsHandshakeException(role, step, "endpoint closed before the handshake completed", -1, t);
        }
        if (t instanceof TlsTimeoutException) {
            return new DtlsHandshakeTimeoutException(role, step, config.handshakeTimeout(), t);
        }
        if (t instanceof TlsFatalAlertReceived) {
            return new DtlsHandshakeException(role, step, "peer sent a fatal alert",
                    ((TlsFatalAlertReceived) t).getAlertDescription(), t);
        }
        if (t instanceof TlsFatalAlert) {
            return new DtlsHandshakeException(role, step, String.valueOf(t.getMessage()),
                    ((TlsFatalAlert) t).getAlertDescription(), t);
        }
        return new DtlsHandshakeException(role, step, t.toString(), -1, t);
    }

    /** Server: picks, among the client's use_srtp offer, the first profile in our preference order (RFC 5764 §4.1.1). */
    void selectProfile(UseSRTPData offer) throws TlsFatalAlert {
        List<Integer> offered = new ArrayList<>();
        if (offer != null) {
            for (int id : offer.getProtectionProfiles()) {
                offered.add(id);
            }
        }
        for (SrtpProtectionProfile p : config.srtpProfiles()) {
            if (offered.contains(p.dtlsId())) {
                profile = p;
                return;
            }
        }
        throw fail(new DtlsHandshakeException(role, step, offer == null ? "client did not offer use_srtp"
                : "no common SRTP protection profile (client offered " + hexIds(offered) + ", we accept "
                        + config.srtpProfiles() + ")", AlertDescription.handshake_failure, null));
    }

    /** Client: the server must answer use_srtp with exactly one profile we offered and no MKI (RFC 5764 §4.1.1). */
    void acceptServerProfile(UseSRTPData answer) throws TlsFatalAlert {
        if (answer == null) {
            throw fail(new DtlsHandshakeException(role, step, "server did not negotiate use_srtp",
                    AlertDescription.handshake_failure, null));
        }
        int[] ids = answer.getProtectionProfiles();
        SrtpProtectionProfile p = ids.length == 1 ? SrtpProtectionProfile.forDtlsId(ids[0]) : null;
        if (p == null || !config.srtpProfiles().contains(p) || answer.getMki().length != 0) {
            throw fail(new DtlsHandshakeException(role, step, "server selected use_srtp profile(s) "
                    + hexIds(toList(ids)) + (answer.getMki().length != 0 ? " with an MKI" : "")
                    + " (expected: one of " + config.srtpProfiles() + ", no MKI)",
                    AlertDescription.illegal_parameter, null));
        }
        profile = p;
    }

    /** Exports the SRTP keying material (RFC 5764 §4.2); must run before Bouncy Castle clears the master secret. */
    void exportKeys(TlsContext context) {
        byte[] material = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null,
                DtlsSrtpKeys.keyingMaterialLength(profile));
        keys = DtlsSrtpKeys.fromKeyingMaterial(profile, material, role);
        SecurityParameters params = context.getSecurityParametersConnection();
        cipherSuite = params.getCipherSuite();
        extendedMasterSecret = params.isExtendedMasterSecret();
        log.debug("DTLS {} handshake completed: {} {}, extended master secret {}, {}", role,
                params.getNegotiatedVersion(), String.format("cipher suite 0x%04X", cipherSuite), extendedMasterSecret, profile);
    }

    /** The negotiated cipher suite (RFC 5289 code point), or -1 before completion. */
    int cipherSuite() {
        return cipherSuite;
    }

    /** Whether the extended master secret (RFC 7627) was negotiated. */
    boolean extendedMasterSecret() {
        return extendedMasterSecret;
    }

    void logAlert(String direction, short level, short description, String message) {
        if (level == AlertLevel.fatal) {
            log.debug("DTLS {} {} fatal alert {}: {}", role, direction, AlertDescription.getText(description), message);
        } else {
            log.trace("DTLS {} {} warning alert {}", role, direction, AlertDescription.getText(description));
        }
    }

    private static List<Integer> toList(int[] ids) {
        List<Integer> l = new ArrayList<>();
        for (int id : ids) {
            l.add(id);
        }
        return l;
    }

    private static String hexIds(List<Integer> ids) {
        StringBuilder sb = new StringBuilder("[");
        for (int id : ids) {
            sb.append(sb.length() > 1 ? ", " : "").append(String.format("0x%04X", id));
        }
        return sb.append(']').toString();
    }

    private int[] offeredIds() {
        int[] ids = new int[config.srtpProfiles().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = config.srtpProfiles().get(i).dtlsId();
        }
        return ids;
    }

    /*
     * Client and Server repeat the same small overrides (version, suites, timeouts, alert logging):
     * they extend different Bouncy Castle base classes, so the shared values live in this class.
     */

    /** DTLS 1.2 client (setup:active) for {@code DTLSClientProtocol}. */
    static final class Client extends DefaultTlsClient {
        private final DtlsHandshake hs;

        Client(DtlsHandshake hs) {
            super(hs.crypto);
            this.hs = hs;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return (int) hs.config.handshakeTimeout().toMillis();
        }

        @Override
        public int getHandshakeResendTimeMillis() {
            return (int) hs.config.initialRetransmitTimeout().toMillis();
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getClientExtensions() throws IOException {
            Hashtable extensions = TlsExtensionsUtils.ensureExtensionsInitialised(super.getClientExtensions());
            TlsSRTPUtils.addUseSRTPExtension(extensions, new UseSRTPData(hs.offeredIds(), TlsUtils.EMPTY_BYTES));
            hs.step(DtlsHandshakeStep.AWAITING_SERVER_HELLO);
            return extensions;
        }

        @Override
        public void notifyServerVersion(ProtocolVersion serverVersion) throws IOException {
            super.notifyServerVersion(serverVersion);
            hs.step(DtlsHandshakeStep.AWAITING_SERVER_CERTIFICATE);
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processServerExtensions(Hashtable serverExtensions) throws IOException {
            super.processServerExtensions(serverExtensions);
            hs.acceptServerProfile(serverExtensions == null ? null : TlsSRTPUtils.getUseSRTPExtension(serverExtensions));
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                    hs.verifyPeerCertificate(serverCertificate.getCertificate());
                    hs.step(DtlsHandshakeStep.AWAITING_SERVER_HELLO_DONE);
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    hs.step(DtlsHandshakeStep.AWAITING_SERVER_FINISHED);
                    return hs.config.certificate().tlsSignerCredentials(context, hs.crypto);
                }
            };
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            hs.exportKeys(context);
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            hs.logAlert("sent", level, description, message);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            hs.logAlert("received", level, description, null);
        }
    }

    /** DTLS 1.2 server (setup:passive) for {@code DTLSServerProtocol}; requests a client certificate. */
    static final class Server extends DefaultTlsServer {
        private final DtlsHandshake hs;

        Server(DtlsHandshake hs) {
            super(hs.crypto);
            this.hs = hs;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return TlsUtils.getSupportedCipherSuites(getCrypto(), CIPHER_SUITES);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return (int) hs.config.handshakeTimeout().toMillis();
        }

        @Override
        public int getHandshakeResendTimeMillis() {
            return (int) hs.config.initialRetransmitTimeout().toMillis();
        }

        @Override
        @SuppressWarnings("rawtypes")
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            hs.selectProfile(clientExtensions == null ? null : TlsSRTPUtils.getUseSRTPExtension(clientExtensions));
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getServerExtensions() throws IOException {
            Hashtable extensions = TlsExtensionsUtils.ensureExtensionsInitialised(super.getServerExtensions());
            TlsSRTPUtils.addUseSRTPExtension(extensions,
                    new UseSRTPData(new int[] {hs.profile.dtlsId()}, TlsUtils.EMPTY_BYTES));
            return extensions;
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return hs.config.certificate().tlsSignerCredentials(context, hs.crypto);
        }

        /** WebRTC authenticates both sides by certificate (RFC 8827 §6.5): always request one. */
        @Override
        public CertificateRequest getCertificateRequest() {
            hs.step(DtlsHandshakeStep.AWAITING_CLIENT_CERTIFICATE);
            short[] types = {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign};
            return new CertificateRequest(types, TlsUtils.getDefaultSupportedSignatureAlgorithms(context), null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            hs.verifyPeerCertificate(clientCertificate);
            hs.step(DtlsHandshakeStep.AWAITING_CLIENT_FINISHED);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            hs.exportKeys(context);
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            hs.logAlert("sent", level, description, message);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            hs.logAlert("received", level, description, null);
        }
    }
}
