package io.sluice.webrtc.stun;

/**
 * STUN method numbers (12 bits). ICE uses only Binding.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-18.2">RFC 8489 §18.2</a>
 */
public final class StunMethod {
    /** Binding (0x001): connectivity checks, consent checks and server-reflexive discovery. */
    public static final int BINDING = 0x001;

    private StunMethod() {
    }
}
