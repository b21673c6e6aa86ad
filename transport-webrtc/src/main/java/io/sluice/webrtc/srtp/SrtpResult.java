package io.sluice.webrtc.srtp;

/**
 * Outcome of protecting or unprotecting one packet. Expected per-packet failures are results, not
 * exceptions; {@link SrtpReceiver#count(SrtpResult)} and {@link SrtpSender#count(SrtpResult)} count them.
 */
public enum SrtpResult {
    /** The packet was transformed; the buffer holds the result. */
    OK,
    /** The authentication tag (HMAC-SHA1 or GCM) did not verify; the buffer is unchanged. */
    AUTH_FAIL,
    /** The packet index was already received inside the replay window (RFC 3711 §3.3.2). */
    REPLAY_FAIL,
    /** The packet index is older than the replay window covers; it cannot be checked, so it is dropped. */
    REPLAY_OLD,
    /** Too short, wrong RTP version, bad lengths, or too many SSRCs; nothing was transformed. */
    INVALID_PACKET
}
