package io.sluice.crypto.sframe;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The keys RFC 9605 §4.4.2 derives from one {@code base_key} for one KID and cipher suite, plus the
 * §4.5.1 split of a CTR+HMAC {@code sframe_key}:
 *
 * <pre>
 * sframe_secret = HKDF-Extract("", base_key)
 * sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  ‖ KID(8) ‖ suite(2), Nk)
 * sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " ‖ KID(8) ‖ suite(2), Nn)
 * enc_key = sframe_key[..Nka), auth_key = sframe_key[Nka..)      (CTR+HMAC suites only)
 * </pre>
 *
 * HKDF uses the suite's hash (Bouncy Castle; the JDK 17 has no HKDF). KID and suite are big-endian.
 * {@link #destroy()} zeroes every array. Package-private; never logged.
 */
final class SframeKeyMaterial {
    private static final byte[] KEY_LABEL = "SFrame 1.0 Secret key ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SALT_LABEL = "SFrame 1.0 Secret salt ".getBytes(StandardCharsets.US_ASCII);

    final SframeCipherSuite suite;
    final long kid;
    final byte[] sframeSecret;
    final byte[] sframeKey;
    final byte[] sframeSalt;
    /** AES key: {@code enc_key} for CTR suites, {@code sframe_key} itself for GCM. */
    final byte[] encKey;
    /** HMAC key for CTR suites; empty for GCM. */
    final byte[] authKey;

    private SframeKeyMaterial(SframeCipherSuite suite, long kid, byte[] secret, byte[] key, byte[] salt) {
        this.suite = suite;
        this.kid = kid;
        this.sframeSecret = secret;
        this.sframeKey = key;
        this.sframeSalt = salt;
        if (suite.isCtrHmac()) {
            this.encKey = Arrays.copyOfRange(key, 0, suite.nka());
            this.authKey = Arrays.copyOfRange(key, suite.nka(), suite.nk());
        } else {
            this.encKey = key.clone();
            this.authKey = new byte[0];
        }
    }

    /** Derives the keys for {@code kid} from {@code baseKey} (borrowed, not modified). */
    static SframeKeyMaterial derive(SframeCipherSuite suite, long kid, byte[] baseKey) {
        byte[] secret = extract(suite, baseKey);
        byte[] key = expand(suite, secret, label(KEY_LABEL, kid, suite), suite.nk());
        byte[] salt = expand(suite, secret, label(SALT_LABEL, kid, suite), suite.nn());
        return new SframeKeyMaterial(suite, kid, secret, key, salt);
    }

    /** Key material from an already derived {@code sframe_key} and {@code sframe_salt} (copied); for tests. */
    static SframeKeyMaterial of(SframeCipherSuite suite, long kid, byte[] sframeKey, byte[] sframeSalt) {
        return new SframeKeyMaterial(suite, kid, new byte[0], sframeKey.clone(), sframeSalt.clone());
    }

    /** The HKDF info {@code prefix ‖ KID (8 bytes BE) ‖ cipher suite (2 bytes BE)}. */
    static byte[] label(byte[] prefix, long kid, SframeCipherSuite suite) {
        byte[] info = Arrays.copyOf(prefix, prefix.length + 10);
        for (int i = 0; i < 8; i++) {
            info[prefix.length + i] = (byte) (kid >>> (56 - 8 * i));
        }
        info[prefix.length + 8] = (byte) (suite.id() >>> 8);
        info[prefix.length + 9] = (byte) suite.id();
        return info;
    }

    static byte[] keyLabel(long kid, SframeCipherSuite suite) {
        return label(KEY_LABEL, kid, suite);
    }

    static byte[] saltLabel(long kid, SframeCipherSuite suite) {
        return label(SALT_LABEL, kid, suite);
    }

    private static Digest digest(SframeCipherSuite suite) {
        return suite.nh() == 64 ? new SHA512Digest() : new SHA256Digest();
    }

    private static byte[] extract(SframeCipherSuite suite, byte[] ikm) {
        return new HKDFBytesGenerator(digest(suite)).extractPRK(new byte[0], ikm);
    }

    private static byte[] expand(SframeCipherSuite suite, byte[] prk, byte[] info, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(digest(suite));
        hkdf.init(HKDFParameters.skipExtractParameters(prk, info));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    /** Zeroes every key array held here. */
    void destroy() {
        Arrays.fill(sframeSecret, (byte) 0);
        Arrays.fill(sframeKey, (byte) 0);
        Arrays.fill(sframeSalt, (byte) 0);
        Arrays.fill(encKey, (byte) 0);
        Arrays.fill(authKey, (byte) 0);
    }

    @Override
    public String toString() {
        return "SframeKeyMaterial{KID=" + Long.toUnsignedString(kid) + ' ' + suite + " <redacted>}";
    }
}
