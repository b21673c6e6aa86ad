package io.sluice.webrtc.stun;

import io.sluice.core.MediaProtocolException;

/**
 * A datagram that claimed to be STUN broke RFC 8489 framing or a limit: a truncated header, a bad
 * magic cookie, an attribute running past the message, a FINGERPRINT mismatch, a malformed
 * XOR-MAPPED-ADDRESS. The message names what was wrong and the byte offset where known. The
 * datagram is dropped; the ICE session goes on.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-6.3">RFC 8489 §6.3</a>
 */
public class StunProtocolException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, e.g. {@code "attribute 0x0006 at offset 20: length 600 exceeds message (88 bytes)"} */
    public StunProtocolException(String message) {
        super(message);
    }
}
