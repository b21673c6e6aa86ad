package io.sluice.crypto.sframe;

/**
 * An {@link SframeSender} could not encrypt a frame, so it emitted nothing. These are states the
 * application must fix (provide a key, rotate to a new KID), not bad input.
 */
public class SframeSenderException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Why the sender refused. */
    public enum Reason {
        /** The {@link KeyProvider} has no {@code base_key} for the current KID (for example it was removed). */
        NO_KEY,
        /**
         * Every CTR of the current KID has been used (the last was 2<sup>64</sup>−1). CTRs never wrap:
         * a nonce must never repeat under one key (RFC 9605 §4.4.3, §9.2). Switch to a new KID.
         */
        CTR_EXHAUSTED,
        /** The JDK cipher failed (should not happen with a well-formed key; the cause says why). */
        CRYPTO_FAILURE
    }

    private final Reason reason;

    /**
     * @param reason  why the sender refused
     * @param message the KID and what to do
     * @param cause   the underlying JDK failure for {@link Reason#CRYPTO_FAILURE}, else {@code null}
     */
    public SframeSenderException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the sender refused. */
    public Reason reason() {
        return reason;
    }
}
