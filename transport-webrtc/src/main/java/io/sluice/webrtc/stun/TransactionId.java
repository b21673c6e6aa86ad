package io.sluice.webrtc.stun;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/**
 * The 96-bit STUN transaction id (header bytes 8..19), chosen uniformly at random by the client of
 * a transaction and echoed in the response.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-5">RFC 8489 §5</a>
 */
public final class TransactionId {
    /** Length in bytes: 12 (96 bits). */
    public static final int LENGTH = 12;

    private final byte[] bytes;

    private TransactionId(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * @param bytes exactly 12 bytes (copied)
     * @throws IllegalArgumentException if not 12 bytes long
     */
    public static TransactionId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("transaction id: " + bytes.length + " bytes (expected: 12)");
        }
        return new TransactionId(bytes.clone());
    }

    /** A new random transaction id; pass a {@link java.security.SecureRandom} in production. */
    public static TransactionId random(Random random) {
        byte[] b = new byte[LENGTH];
        random.nextBytes(b);
        return new TransactionId(b);
    }

    static TransactionId wrap(byte[] bytes) {
        return new TransactionId(bytes);
    }

    /** A copy of the 12 bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransactionId t && Arrays.equals(t.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Lower-case hex, 24 characters. */
    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
