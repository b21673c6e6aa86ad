package io.sluice.webrtc.ice;

/**
 * Something an ICE agent reports through {@code pollEvent()}. New kinds may be added; switch with a
 * default branch.
 */
public sealed interface IceEvent {
    /** The pair media must use changed (first nomination or re-nomination). */
    record SelectedPairChanged(CandidatePair pair) implements IceEvent {
    }

    /** The connection state changed. */
    record StateChanged(IceConnectionState state) implements IceEvent {
    }

    /**
     * No valid check (lite) or consent response (full) for the consent timeout (30 s by default,
     * RFC 7675 §5.1): the caller must stop sending media on {@code pair} now.
     */
    record ConsentLost(CandidatePair pair) implements IceEvent {
    }

    /** A new local candidate (server-reflexive) to signal to the peer. */
    record LocalCandidate(IceCandidate candidate) implements IceEvent {
    }
}
