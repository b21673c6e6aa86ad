package io.sluice.webrtc.stun;

/**
 * Supplies the HMAC key used to verify a decoded message's MESSAGE-INTEGRITY. For ICE
 * short-term credentials the key is the UTF-8 bytes of the password (RFC 8489 §9.1.1): a request
 * is verified with the local ice-pwd, found from the USERNAME {@code localUfrag:remoteUfrag}; a
 * response with the remote ice-pwd, found from the transaction id.
 */
@FunctionalInterface
public interface StunKeyLookup {
    /**
     * @param message the decoded message, integrity not yet known ({@link StunMessage#integrity()}
     *                returns {@link StunIntegrity#ABSENT} during this call)
     * @return the key, or null if none is known (the result is then {@link StunIntegrity#NO_KEY})
     */
    byte[] integrityKey(StunMessage message);
}
