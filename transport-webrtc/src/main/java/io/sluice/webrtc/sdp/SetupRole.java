package io.sluice.webrtc.sdp;

/**
 * {@code a=setup} (RFC 4145 §4, RFC 8842 §5): who starts the DTLS handshake. {@code active} is the
 * DTLS client.
 */
public enum SetupRole {
    /** Connects: the DTLS client. */
    ACTIVE("active"),
    /** Accepts: the DTLS server. */
    PASSIVE("passive"),
    /** Either; an offer must use this (RFC 8842 §5.2). */
    ACTPASS("actpass"),
    /** Hold the connection; not valid in WebRTC. */
    HOLDCONN("holdconn");

    private final String sdpName;

    SetupRole(String sdpName) {
        this.sdpName = sdpName;
    }

    /** The attribute value. */
    public String sdpName() {
        return sdpName;
    }

    /**
     * @throws IllegalArgumentException for an unknown value
     */
    public static SetupRole ofSdpName(String name) {
        for (SetupRole r : values()) {
            if (r.sdpName.equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("setup: " + name + " (expected: active, passive, actpass or holdconn)");
    }
}
