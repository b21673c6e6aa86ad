package io.sluice.webrtc.srtp;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * HMAC-SHA1 (RFC 2104) over a reused {@link MessageDigest}, writing the 20-octet MAC into a caller's
 * array without allocating: the JDK's {@code Mac.doFinal(byte[], int)} allocates the MAC and copies
 * it. Same work per message as the JDK's {@code HmacCore}: the inner and outer pad blocks are hashed
 * again for every message. Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc2104">RFC 2104</a>
 */
final class HmacSha1 {
    /** MAC length, octets. */
    static final int LENGTH = 20;
    private static final int BLOCK = 64;
    private final MessageDigest sha1;
    private final byte[] innerPad = new byte[BLOCK];
    private final byte[] outerPad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];
    private final byte[] word = new byte[4];

    /**
     * @param key the authentication key, any length (longer than 64 octets is hashed first)
     * @throws GeneralSecurityException if the JDK has no SHA-1
     */
    HmacSha1(byte[] key) throws GeneralSecurityException {
        sha1 = MessageDigest.getInstance("SHA-1");
        byte[] k = key.length > BLOCK ? sha1.digest(key) : key;
        for (int i = 0; i < BLOCK; i++) {
            byte kb = i < k.length ? k[i] : 0;
            innerPad[i] = (byte) (kb ^ 0x36);
            outerPad[i] = (byte) (kb ^ 0x5C);
        }
        sha1.update(innerPad);
    }

    /** Adds {@code b[off, off+len)} to the message. */
    void update(byte[] b, int off, int len) {
        sha1.update(b, off, len);
    }

    /** Adds the 4 octets of {@code v}, big-endian (the SRTP ROC). */
    void updateInt(int v) {
        SrtpTransform.putInt(word, 0, v);
        sha1.update(word, 0, 4);
    }

    /** Writes the MAC of the message to {@code out[off, off+20)} and starts a new message. */
    void doFinal(byte[] out, int off) {
        try {
            sha1.digest(inner, 0, LENGTH);
            sha1.update(outerPad);
            sha1.update(inner);
            sha1.digest(out, off, LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        sha1.update(innerPad);
    }
}
