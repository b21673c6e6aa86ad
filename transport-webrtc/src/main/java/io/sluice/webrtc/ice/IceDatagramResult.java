package io.sluice.webrtc.ice;

/**
 * What an agent did with one datagram. Bad input is a result, not an exception: a forged or
 * stale check must not tear down the session (RFC 8445 §7.3).
 */
public enum IceDatagramResult {
    /** A valid check or response was processed (and answered, for a request). */
    ACCEPTED,
    /** A request was answered with an error response (400, 401, 420, 487). */
    REJECTED,
    /** Dropped: not a well-formed STUN message (see the agent's counters). */
    DROPPED_MALFORMED,
    /** Dropped: a response whose MESSAGE-INTEGRITY did not verify. */
    DROPPED_UNAUTHENTICATED,
    /** Ignored: not STUN, an indication, an unknown transaction, or the agent is closed. */
    IGNORED
}
