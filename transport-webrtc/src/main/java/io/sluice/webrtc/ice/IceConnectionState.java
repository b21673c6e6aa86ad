package io.sluice.webrtc.ice;

/**
 * The agent's connection state, modelled on RTCIceConnectionState.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-6.1.3">RFC 8445 §6.1.3</a>
 */
public enum IceConnectionState {
    /** Nothing received or sent yet. */
    NEW,
    /** Checks under way, no pair nominated. */
    CHECKING,
    /** A pair is nominated and consent is fresh: media may flow. */
    CONNECTED,
    /** Every pair failed, no check arrived in time, or consent was lost (RFC 7675 §5.1): stop sending. */
    FAILED,
    /** {@code close()} was called. */
    CLOSED
}
