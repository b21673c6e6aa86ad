package io.sluice.crypto.sframe;

import io.sluice.core.MediaProtocolException;

/**
 * Malformed SFrame data from a peer, thrown only by the convenience decoders
 * ({@link SframeHeader#decode(byte[], int, int)}). The per-frame paths ({@link SframeReceiver}) never
 * throw for bad input; they return an {@link SframeReceiveStatus}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.3">RFC 9605 §4.3</a>
 */
public class SframeProtocolException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    private final SframeReceiveStatus status;

    /**
     * @param status  why the data was rejected ({@link SframeReceiveStatus#TRUNCATED} or
     *                {@link SframeReceiveStatus#MALFORMED_HEADER})
     * @param message what was wrong, with the offending values
     */
    public SframeProtocolException(SframeReceiveStatus status, String message) {
        super(message);
        this.status = status;
    }

    /** Why the data was rejected. */
    public SframeReceiveStatus status() {
        return status;
    }
}
