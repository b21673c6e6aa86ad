package io.sluice.crypto.sframe;

/**
 * Outcome of decrypting one SFrame ciphertext ({@link SframeReceiver#decrypt}). Every value but
 * {@link #OK} means the frame was dropped; the receiver counts each in its
 * {@link SframeReceiver#stats() stats} and goes on with the next frame. Returned, never thrown (a bad
 * frame from the network is expected input, not an error of the program).
 */
public enum SframeReceiveStatus {
    /** Authenticated and decrypted. */
    OK,
    /**
     * The data ends inside the SFrame header, or is shorter than header + {@code Nt} (no room for
     * the tag).
     */
    TRUNCATED,
    /**
     * The header is not in the minimal encoding RFC 9605 §4.3 requires: an extended KID or CTR whose
     * value fits in the 3-bit config field (0–7), or that has a leading zero byte.
     */
    MALFORMED_HEADER,
    /** The {@link KeyProvider} has no {@code base_key} for the header's KID. */
    UNKNOWN_KID,
    /** The tag does not verify: wrong key, tampered header, metadata, ciphertext or tag. */
    AUTH_FAILED,
    /**
     * The (KID, CTR) was already accepted, or is older than the replay window (only when the receiver
     * was built with a window, see {@link SframeReceiver.Builder#replayWindow(int)}).
     */
    REPLAYED
}
