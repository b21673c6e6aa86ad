package io.sluice.webrtc.dtls;

import java.util.Locale;

/**
 * Which side of the DTLS handshake this endpoint plays. In WebRTC the SDP {@code a=setup}
 * attribute decides: {@code active} opens the handshake (client), {@code passive} waits for it
 * (server); {@code actpass} is an offer that leaves the choice to the answerer.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8842#section-5">RFC 8842 §5</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc4145#section-4">RFC 4145 §4</a>
 */
public enum DtlsRole {
    /** Sends the ClientHello ({@code a=setup:active}); runs {@code DTLSClientProtocol}. */
    CLIENT("active"),
    /** Waits for the ClientHello ({@code a=setup:passive}); runs {@code DTLSServerProtocol}. */
    SERVER("passive");

    private final String sdpSetup;

    DtlsRole(String sdpSetup) {
        this.sdpSetup = sdpSetup;
    }

    /** The {@code a=setup} value that announces this role: {@code "active"} or {@code "passive"}. */
    public String sdpSetup() {
        return sdpSetup;
    }

    /** The other side's role. */
    public DtlsRole opposite() {
        return this == CLIENT ? SERVER : CLIENT;
    }

    /**
     * The role announced by an {@code a=setup} value of a resolved offer/answer.
     *
     * @param setup {@code "active"} or {@code "passive"} (case-insensitive)
     * @throws IllegalArgumentException for {@code "actpass"}, {@code "holdconn"} or anything else:
     *     those do not fix a role
     */
    public static DtlsRole fromSdpSetup(String setup) {
        String s = setup == null ? "" : setup.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "active":
                return CLIENT;
            case "passive":
                return SERVER;
            default:
                throw new IllegalArgumentException("setup: " + setup + " (expected: active or passive)");
        }
    }
}
