package io.sluice.webrtc.ice;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Random;

/**
 * An agent's ICE short-term credentials: the username fragment (ice-ufrag, 4..256 ice-chars) and
 * password (ice-pwd, 22..256 ice-chars), exchanged in SDP.
 *
 * @param ufrag the username fragment
 * @param pwd   the password; its UTF-8 bytes are the MESSAGE-INTEGRITY key
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8839#section-5.4">RFC 8839 §5.4</a>
 */
public record IceCredentials(String ufrag, String pwd) {
    /** The ice-char alphabet: ALPHA / DIGIT / "+" / "/". */
    public static final String ICE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /**
     * @throws IllegalArgumentException if a value is too short, too long or has a non-ice-char
     */
    public IceCredentials {
        check("ufrag", ufrag, 4);
        check("pwd", pwd, 22);
    }

    private static void check(String name, String value, int min) {
        Objects.requireNonNull(value, name);
        if (value.length() < min || value.length() > 256) {
            throw new IllegalArgumentException(name + ": " + value.length() + " chars (expected: " + min + "..256)");
        }
        for (int i = 0; i < value.length(); i++) {
            if (ICE_CHARS.indexOf(value.charAt(i)) < 0) {
                throw new IllegalArgumentException(name + ": '" + value.charAt(i) + "' at index " + i
                        + " (expected: ice-char ALPHA / DIGIT / + / /)");
            }
        }
    }

    /**
     * New random credentials: an 8-char ufrag and a 24-char pwd (≥ 128 bits of randomness in the
     * pwd, RFC 8445 §5.3). Pass a {@link java.security.SecureRandom}.
     */
    public static IceCredentials random(Random random) {
        return new IceCredentials(randomChars(random, 8), randomChars(random, 24));
    }

    private static String randomChars(Random random, int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ICE_CHARS.charAt(random.nextInt(ICE_CHARS.length()));
        }
        return new String(c);
    }

    /** The MESSAGE-INTEGRITY key: UTF-8 bytes of {@link #pwd()} (RFC 8489 §9.1.1). */
    public byte[] key() {
        return pwd.getBytes(StandardCharsets.UTF_8);
    }

    /** Hides the pwd. */
    @Override
    public String toString() {
        return "IceCredentials(ufrag=" + ufrag + ", pwd=***)";
    }
}
