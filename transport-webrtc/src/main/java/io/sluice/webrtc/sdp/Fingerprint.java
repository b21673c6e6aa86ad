package io.sluice.webrtc.sdp;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code a=fingerprint:<hash-function> <hex pairs>} (RFC 8122 §5, RFC 8842): the hash of the DTLS
 * certificate the peer must present.
 *
 * @param hashFunction lower-case hash name, e.g. {@code sha-256}
 * @param value        upper-case colon-separated hex pairs
 */
public record Fingerprint(String hashFunction, String value) {
    private static final Set<String> HASHES = Set.of("sha-1", "sha-224", "sha-256", "sha-384", "sha-512", "md5", "md2");
    private static final Pattern HEX_PAIRS = Pattern.compile("[0-9A-F]{2}(:[0-9A-F]{2}){15,63}");

    /**
     * @throws IllegalArgumentException for an unknown hash function or a malformed value
     */
    public Fingerprint {
        hashFunction = hashFunction.toLowerCase(Locale.ROOT);
        value = value.toUpperCase(Locale.ROOT);
        if (!HASHES.contains(hashFunction)) {
            throw new IllegalArgumentException("fingerprint hash function: " + hashFunction
                    + " (expected: sha-256, sha-1, sha-384, sha-512, ...)");
        }
        if (!HEX_PAIRS.matcher(value).matches()) {
            throw new IllegalArgumentException("fingerprint: '" + value + "' (expected: 16..64 colon-separated hex pairs)");
        }
    }

    /**
     * Parses {@code "sha-256 AB:CD:..."} (the attribute value).
     *
     * @throws IllegalArgumentException if malformed
     */
    public static Fingerprint parse(String attributeValue) {
        int sp = attributeValue.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("fingerprint: '" + attributeValue + "' (expected: <hash> <hex pairs>)");
        }
        return new Fingerprint(attributeValue.substring(0, sp), attributeValue.substring(sp + 1).trim());
    }

    /** The attribute value, {@code hash-function value}. */
    @Override
    public String toString() {
        return hashFunction + " " + value;
    }
}
