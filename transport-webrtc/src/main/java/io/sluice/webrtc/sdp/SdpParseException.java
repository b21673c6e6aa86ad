package io.sluice.webrtc.sdp;

import io.sluice.core.MediaProtocolException;

/**
 * An SDP could not be parsed: a line breaks RFC 8866 syntax, an attribute Sluice reads is malformed,
 * or a limit ({@link SdpLimits}) is exceeded. The message starts with the 1-based line number.
 */
public class SdpParseException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param lineNumber 1-based line, or 0 when the problem is the whole description (e.g. too large)
     * @param reason     what was wrong, e.g. {@code "m= port: 70000 (expected: 0..65535)"}
     */
    public SdpParseException(int lineNumber, String reason) {
        super(lineNumber > 0 ? "line " + lineNumber + ": " + reason : reason);
        this.lineNumber = lineNumber;
    }

    /** The 1-based line number, or 0 for the whole description. */
    public int lineNumber() {
        return lineNumber;
    }
}
