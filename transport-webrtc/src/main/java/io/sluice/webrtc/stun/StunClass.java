package io.sluice.webrtc.stun;

/**
 * The class of a STUN message: bits C1 (0x0100) and C0 (0x0010) of the 14-bit message type.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-5">RFC 8489 §5</a>
 */
public enum StunClass {
    /** 0b00: a request, answered by a success or error response. */
    REQUEST(0b00),
    /** 0b01: an indication, never answered. */
    INDICATION(0b01),
    /** 0b10: a success response. */
    SUCCESS_RESPONSE(0b10),
    /** 0b11: an error response carrying ERROR-CODE. */
    ERROR_RESPONSE(0b11);

    private final int bits;

    StunClass(int bits) {
        this.bits = bits;
    }

    /** The two class bits, C1C0 (0..3). */
    public int bits() {
        return bits;
    }

    /**
     * Combines this class with a 12-bit method into the 14-bit message type of the header.
     *
     * @param method the method, 0..0xFFF (Binding is {@link StunMethod#BINDING})
     * @return the message type, 0..0x3FFF
     * @throws IllegalArgumentException if {@code method} is out of range
     */
    public int messageType(int method) {
        if (method < 0 || method > 0xFFF) {
            throw new IllegalArgumentException("method: " + method + " (expected: 0..4095)");
        }
        return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
                | ((bits & 0b01) << 4) | ((bits & 0b10) << 7);
    }

    /** The class encoded in a 14-bit message type. */
    public static StunClass ofMessageType(int messageType) {
        int c = ((messageType >> 4) & 0b01) | ((messageType >> 7) & 0b10);
        return values()[c];
    }

    /** The 12-bit method encoded in a 14-bit message type. */
    public static int methodOf(int messageType) {
        return (messageType & 0x000F) | ((messageType >> 1) & 0x0070) | ((messageType >> 2) & 0x0F80);
    }
}
