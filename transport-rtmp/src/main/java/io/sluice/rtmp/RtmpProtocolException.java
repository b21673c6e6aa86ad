package io.sluice.rtmp;

import io.sluice.core.MediaProtocolException;

/**
 * An RTMP peer sent malformed or out-of-bounds data: a bad handshake, a chunk that breaks the
 * chunk stream protocol or a configured limit, an AMF0 value that cannot be decoded, an FLV tag
 * body that is truncated. The message names what was wrong and, where known, the byte offset.
 * The connection that sent it should be closed; other connections are unaffected.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0</a>
 */
public class RtmpProtocolException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, e.g. {@code "chunkSize: 0 (expected: 1..65536)"} */
    public RtmpProtocolException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong
     * @param cause   the underlying failure
     */
    public RtmpProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
