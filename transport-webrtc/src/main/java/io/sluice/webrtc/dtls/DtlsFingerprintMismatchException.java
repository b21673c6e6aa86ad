package io.sluice.webrtc.dtls;

import java.util.Objects;
import org.bouncycastle.tls.AlertDescription;

/**
 * The peer's certificate does not hash to the fingerprint signalled in its SDP, or the peer sent
 * no certificate: the peer is not who signalling said. The handshake fails with a
 * {@code bad_certificate} alert and no keys are exported.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8842#section-5">RFC 8842 §5</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5763#section-5">RFC 5763 §5</a>
 */
public class DtlsFingerprintMismatchException extends DtlsHandshakeException {
    private static final long serialVersionUID = 1L;

    private final DtlsFingerprint expected;
    private final DtlsFingerprint actual;

    /**
     * @param role role of the endpoint that checked
     * @param step the step the handshake was in
     * @param expected the fingerprint from the peer's SDP
     * @param actual the fingerprint of the certificate the peer presented (same hash function), or
     *     {@code null} if it presented none
     */
    public DtlsFingerprintMismatchException(DtlsRole role, DtlsHandshakeStep step, DtlsFingerprint expected,
            DtlsFingerprint actual) {
        super(role, step, actual == null ? "peer sent no certificate (expected " + expected + ")"
                : "peer certificate " + actual + " does not match the SDP fingerprint " + expected,
                AlertDescription.bad_certificate, null);
        this.expected = Objects.requireNonNull(expected, "expected");
        this.actual = actual;
    }

    /** The fingerprint from the peer's SDP. */
    public DtlsFingerprint expected() {
        return expected;
    }

    /** The fingerprint of the presented certificate, or {@code null} if the peer sent none. */
    public DtlsFingerprint actual() {
        return actual;
    }
}
