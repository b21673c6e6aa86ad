package io.sluice.webrtc.stun;

/**
 * Outcome of checking MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 while decoding. A bad check
 * is an expected per-packet failure (an attacker or a stale peer), so it is a result, not an
 * exception; the receiver answers 400/401 or drops the message as RFC 8489 §9.1.3 says.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-9.1.3">RFC 8489 §9.1.3</a>
 */
public enum StunIntegrity {
    /** The message carries neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256. */
    ABSENT,
    /** Every integrity attribute present verified with the looked-up key. */
    VALID,
    /** An integrity attribute did not verify. */
    INVALID,
    /** An integrity attribute is present but the key lookup had no key (e.g. unknown USERNAME). */
    NO_KEY
}
