package io.sluice.core;

/**
 * A peer sent malformed or out-of-bounds protocol data (a bad chunk, a bogus SDP, a truncated
 * header). The connection or session that sent it fails; others go on.
 */
public class MediaProtocolException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public MediaProtocolException(String message) {
        super(message);
    }

    public MediaProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
