package io.sluice.crypto;

import io.sluice.crypto.sframe.SframeReceiveStatus;
import io.sluice.crypto.sframe.SframeSenderException;

/** Why an {@link SframeEncryptor} or {@link SframeDecryptor} dropped a frame; counted in {@link SframeTransformStats}. */
public enum SframeDropReason {
    /** Encryptor: no {@code base_key} for the current KID ({@link SframeSenderException.Reason#NO_KEY}). */
    NO_KEY,
    /** Encryptor: the current KID's CTRs are used up ({@link SframeSenderException.Reason#CTR_EXHAUSTED}). */
    CTR_EXHAUSTED,
    /** Encryptor: the JDK cipher failed ({@link SframeSenderException.Reason#CRYPTO_FAILURE}). */
    CRYPTO_FAILURE,
    /**
     * Either side: the payload is not the expected layout (NAL-preserving: a 4-byte AVCC length that runs
     * past the payload, an empty NAL unit, a missing 0x80 trailer, or a start-code prefix inside an encrypted NAL body).
     */
    MALFORMED_FRAME,
    /** Decryptor: {@link SframeReceiveStatus#TRUNCATED}. */
    TRUNCATED,
    /** Decryptor: {@link SframeReceiveStatus#MALFORMED_HEADER}. */
    MALFORMED_HEADER,
    /** Decryptor: {@link SframeReceiveStatus#UNKNOWN_KID}. */
    UNKNOWN_KID,
    /** Decryptor: {@link SframeReceiveStatus#AUTH_FAILED}. */
    AUTH_FAILED,
    /** Decryptor: {@link SframeReceiveStatus#REPLAYED}. */
    REPLAYED,
    /**
     * Decryptor, whole-frame H.264 of an opaque track without configuration (a WebRTC ingest's): decrypted,
     * but no keyframe with SPS and PPS has been decrypted yet, so the track's resolution and
     * {@code AVCDecoderConfigurationRecord} are unknown and the frame could not be decoded.
     */
    NO_PARAMETER_SETS;

    static SframeDropReason of(SframeReceiveStatus s) {
        return switch (s) {
            case TRUNCATED -> TRUNCATED;
            case MALFORMED_HEADER -> MALFORMED_HEADER;
            case UNKNOWN_KID -> UNKNOWN_KID;
            case AUTH_FAILED -> AUTH_FAILED;
            case REPLAYED -> REPLAYED;
            case OK -> throw new IllegalArgumentException("OK is not a drop reason");
        };
    }

    static SframeDropReason of(SframeSenderException.Reason r) {
        return switch (r) {
            case NO_KEY -> NO_KEY;
            case CTR_EXHAUSTED -> CTR_EXHAUSTED;
            case CRYPTO_FAILURE -> CRYPTO_FAILURE;
        };
    }
}
