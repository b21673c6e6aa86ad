package io.sluice.webrtc.stun;

import java.util.Objects;

/**
 * The value of an ERROR-CODE attribute: a code 300..699 and a UTF-8 reason phrase.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Reserved, should be 0         |Class|     Number    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Reason Phrase (variable, &lt; 128 characters, &lt; 763 bytes) ...
 * </pre>
 *
 * @param code   300..699 (class × 100 + number)
 * @param reason the reason phrase, may be empty
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-14.8">RFC 8489 §14.8</a>
 */
public record StunErrorCode(int code, String reason) {
    /** 400 Bad Request: malformed, e.g. a request without USERNAME or MESSAGE-INTEGRITY. */
    public static final StunErrorCode BAD_REQUEST = new StunErrorCode(400, "Bad Request");
    /** 401 Unauthenticated: integrity failed or USERNAME unknown. */
    public static final StunErrorCode UNAUTHENTICATED = new StunErrorCode(401, "Unauthenticated");
    /** 420 Unknown Attribute: comprehension-required attributes not understood (listed in UNKNOWN-ATTRIBUTES). */
    public static final StunErrorCode UNKNOWN_ATTRIBUTE = new StunErrorCode(420, "Unknown Attribute");
    /** 487 Role Conflict (RFC 8445 §7.3.1.1). */
    public static final StunErrorCode ROLE_CONFLICT = new StunErrorCode(487, "Role Conflict");
    /** 500 Server Error. */
    public static final StunErrorCode SERVER_ERROR = new StunErrorCode(500, "Server Error");

    /** Largest reason phrase in bytes, RFC 8489 §14.8. */
    public static final int MAX_REASON_BYTES = 763;

    /**
     * @throws IllegalArgumentException if {@code code} is outside 300..699 or reason is too long
     */
    public StunErrorCode {
        if (code < 300 || code > 699) {
            throw new IllegalArgumentException("code: " + code + " (expected: 300..699)");
        }
        Objects.requireNonNull(reason, "reason");
        if (reason.length() > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("reason: " + reason.length() + " chars (expected: < 763 bytes)");
        }
    }
}
