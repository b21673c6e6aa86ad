package io.sluice.webrtc.dtls;

import java.time.Duration;

/**
 * The DTLS handshake did not complete within {@link DtlsContext#handshakeTimeout()}: the peer went
 * silent or every retransmission was lost. {@link #step()} names the flight that never came.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6347#section-4.2.4">RFC 6347 §4.2.4 (timeout and retransmission)</a>
 */
public class DtlsHandshakeTimeoutException extends DtlsHandshakeException {
    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    /**
     * @param role role of the endpoint that timed out
     * @param step the step the handshake was in
     * @param timeout the handshake timeout that elapsed
     * @param cause Bouncy Castle's {@code TlsTimeoutException}, or {@code null}
     */
    public DtlsHandshakeTimeoutException(DtlsRole role, DtlsHandshakeStep step, Duration timeout, Throwable cause) {
        super(role, step, "timed out after " + timeout.toMillis() + " ms", -1, cause);
        this.timeout = timeout;
    }

    /** The handshake timeout that elapsed. */
    public Duration timeout() {
        return timeout;
    }
}
