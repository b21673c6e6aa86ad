package io.sluice.webrtc.dtls;

/**
 * How far a DTLS 1.2 handshake got, named after the flight an endpoint is waiting for. A
 * {@link DtlsHandshakeException} names the step it failed in.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6347#section-4.2.4">RFC 6347 §4.2.4 (flights)</a>
 */
public enum DtlsHandshakeStep {
    /** The endpoint was created or started but has not run the handshake yet. */
    NOT_STARTED("not started"),
    /** Server: waiting for the client's ClientHello. */
    AWAITING_CLIENT_HELLO("waiting for ClientHello"),
    /** Client: ClientHello sent, waiting for ServerHello. */
    AWAITING_SERVER_HELLO("ClientHello sent, waiting for ServerHello"),
    /** Client: ServerHello received, waiting for the server's Certificate. */
    AWAITING_SERVER_CERTIFICATE("ServerHello received, waiting for the server Certificate"),
    /** Client: the server certificate matched the fingerprint; waiting for the rest of the server flight. */
    AWAITING_SERVER_HELLO_DONE("server Certificate verified, waiting for ServerHelloDone"),
    /** Client: own flight sent (Certificate … Finished), waiting for the server's Finished. */
    AWAITING_SERVER_FINISHED("client Finished sent, waiting for the server Finished"),
    /** Server: ClientHello answered (ServerHello … ServerHelloDone), waiting for the client's Certificate. */
    AWAITING_CLIENT_CERTIFICATE("ServerHelloDone sent, waiting for the client Certificate"),
    /** Server: the client certificate matched the fingerprint; waiting for the client's Finished. */
    AWAITING_CLIENT_FINISHED("client Certificate verified, waiting for the client Finished"),
    /** The handshake completed and SRTP keys were exported. */
    COMPLETED("completed");

    private final String description;

    DtlsHandshakeStep(String description) {
        this.description = description;
    }

    /** A short English description of the step, e.g. {@code "waiting for ClientHello"}. */
    public String description() {
        return description;
    }
}
