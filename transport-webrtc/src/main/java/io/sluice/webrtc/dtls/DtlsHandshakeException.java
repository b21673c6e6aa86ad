package io.sluice.webrtc.dtls;

import java.io.IOException;
import java.util.Objects;
import java.util.OptionalInt;
import org.bouncycastle.tls.AlertDescription;

/**
 * A DTLS handshake failed: the peer could not be authenticated, no SRTP profile was common, the
 * peer sent a fatal alert, the handshake timed out or the endpoint was closed first. Reported
 * through {@link DtlsEndpoint#handshakeFuture()} and {@link DtlsEndpoint.Listener}, never thrown
 * into the caller's thread. Subclasses name the failures a caller may act on.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5246#section-7.2">RFC 5246 §7.2 (alerts)</a>
 */
public class DtlsHandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final DtlsRole role;
    private final DtlsHandshakeStep step;
    private final int alertDescription;

    /**
     * @param role role of the endpoint that failed
     * @param step the step the handshake was in
     * @param message what failed
     * @param alertDescription the TLS alert sent or received (RFC 5246 §7.2), or -1 for none
     * @param cause the underlying Bouncy Castle error, or {@code null}
     */
    public DtlsHandshakeException(DtlsRole role, DtlsHandshakeStep step, String message, int alertDescription,
            Throwable cause) {
        super("DTLS " + Objects.requireNonNull(role, "role").name().toLowerCase(java.util.Locale.ROOT)
                + " handshake failed (" + Objects.requireNonNull(step, "step").description() + "): " + message
                + (alertDescription >= 0 ? " [alert " + AlertDescription.getText((short) alertDescription) + "]" : ""),
                cause);
        this.role = role;
        this.step = step;
        this.alertDescription = alertDescription;
    }

    /** Role of the endpoint that failed. */
    public DtlsRole role() {
        return role;
    }

    /** The step the handshake failed in. */
    public DtlsHandshakeStep step() {
        return step;
    }

    /** The TLS {@code AlertDescription} code that was sent or received, if any (RFC 5246 §7.2). */
    public OptionalInt alertDescription() {
        return alertDescription >= 0 ? OptionalInt.of(alertDescription) : OptionalInt.empty();
    }
}
