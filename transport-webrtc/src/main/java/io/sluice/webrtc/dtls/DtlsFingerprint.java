package io.sluice.webrtc.dtls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A certificate fingerprint as carried in the SDP {@code a=fingerprint} attribute: a hash function
 * name and the hash of the DER-encoded certificate. Immutable and thread-safe.
 *
 * <p>The SDP form is {@code "sha-256 AB:CD:…"}: the hash function's textual name in lower case,
 * one space, then upper-case hex octets separated by colons.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8122#section-5">RFC 8122 §5</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8842#section-5">RFC 8842 §5</a>
 */
public final class DtlsFingerprint {
    /** The hash function WebRTC endpoints use (RFC 8827 §6.5). */
    public static final String SHA_256 = "sha-256";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String hashFunction;
    private final byte[] value;

    private DtlsFingerprint(String hashFunction, byte[] value) {
        this.hashFunction = hashFunction;
        this.value = value;
    }

    /**
     * Hashes a DER-encoded certificate.
     *
     * @param hashFunction {@code "sha-1"}, {@code "sha-224"}, {@code "sha-256"}, {@code "sha-384"}
     *     or {@code "sha-512"} (case-insensitive; RFC 8122 §5 names)
     * @param derCertificate the certificate's DER encoding; not modified
     * @throws IllegalArgumentException for another hash function
     */
    public static DtlsFingerprint of(String hashFunction, byte[] derCertificate) {
        String name = normalize(hashFunction);
        return new DtlsFingerprint(name, digest(name).digest(derCertificate));
    }

    /** The {@code sha-256} fingerprint of a DER-encoded certificate. */
    public static DtlsFingerprint sha256(byte[] derCertificate) {
        return of(SHA_256, derCertificate);
    }

    /**
     * Parses the value of an SDP {@code a=fingerprint} attribute, e.g.
     * {@code "sha-256 AB:CD:…"}. Hex digits may be in either case.
     *
     * @throws IllegalArgumentException if the text is malformed, the hash function unsupported, or
     *     the length does not match the hash function
     */
    public static DtlsFingerprint parse(String sdpValue) {
        Objects.requireNonNull(sdpValue, "sdpValue");
        String s = sdpValue.trim();
        int sp = s.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("fingerprint: \"" + sdpValue
                    + "\" (expected: <hash-func> <hex:hex:...>, e.g. sha-256 AB:CD:...)");
        }
        String name = normalize(s.substring(0, sp));
        String hex = s.substring(sp + 1).trim();
        int expectedLength = digest(name).getDigestLength();
        if (hex.length() != expectedLength * 3 - 1) {
            throw new IllegalArgumentException("fingerprint: \"" + sdpValue + "\" (expected: " + expectedLength
                    + " colon-separated hex octets for " + name + ")");
        }
        byte[] value = new byte[expectedLength];
        for (int i = 0; i < expectedLength; i++) {
            int p = i * 3;
            int hi = Character.digit(hex.charAt(p), 16);
            int lo = Character.digit(hex.charAt(p + 1), 16);
            if (hi < 0 || lo < 0 || (i + 1 < expectedLength && hex.charAt(p + 2) != ':')) {
                throw new IllegalArgumentException("fingerprint: \"" + sdpValue
                        + "\" (expected: hex octets separated by ':' at octet " + i + ")");
            }
            value[i] = (byte) (hi << 4 | lo);
        }
        return new DtlsFingerprint(name, value);
    }

    /** The lower-case hash function name, e.g. {@code "sha-256"}. */
    public String hashFunction() {
        return hashFunction;
    }

    /** A copy of the hash octets. */
    public byte[] value() {
        return value.clone();
    }

    /** {@code true} if {@code derCertificate} hashes, with this fingerprint's function, to this value. */
    public boolean matches(byte[] derCertificate) {
        return MessageDigest.isEqual(value, digest(hashFunction).digest(derCertificate));
    }

    /** The SDP attribute value: {@code "sha-256 AB:CD:…"} (RFC 8122 §5, upper-case hex). */
    public String toSdpValue() {
        StringBuilder sb = new StringBuilder(hashFunction.length() + 1 + value.length * 3);
        sb.append(hashFunction).append(' ');
        for (int i = 0; i < value.length; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(HEX[(value[i] >> 4) & 0xF]).append(HEX[value[i] & 0xF]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DtlsFingerprint && ((DtlsFingerprint) o).hashFunction.equals(hashFunction)
                && Arrays.equals(((DtlsFingerprint) o).value, value);
    }

    @Override
    public int hashCode() {
        return hashFunction.hashCode() * 31 + Arrays.hashCode(value);
    }

    /** Same as {@link #toSdpValue()}. */
    @Override
    public String toString() {
        return toSdpValue();
    }

    private static String normalize(String hashFunction) {
        String name = Objects.requireNonNull(hashFunction, "hashFunction").trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case "sha-1":
            case "sha-224":
            case "sha-256":
            case "sha-384":
            case "sha-512":
                return name;
            default:
                throw new IllegalArgumentException("hashFunction: " + hashFunction
                        + " (expected: sha-1, sha-224, sha-256, sha-384 or sha-512)");
        }
    }

    private static MessageDigest digest(String normalizedName) {
        try {
            return MessageDigest.getInstance(normalizedName.toUpperCase(Locale.ROOT));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks " + normalizedName, e);
        }
    }
}
