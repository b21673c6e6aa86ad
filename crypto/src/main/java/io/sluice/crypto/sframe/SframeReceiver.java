package io.sluice.crypto.sframe;

import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Decrypts SFrame ciphertexts (RFC 9605 §4.4.4): sans-IO, over caller arrays, one {@code AEAD.Decrypt}
 * per call. Bad input never throws: {@link #decrypt} returns an {@link SframeReceiveStatus} and counts it
 * in {@link #stats()}, and the caller drops that frame and goes on.
 *
 * <p><b>Input layout</b>: {@code SFrame header ‖ ciphertext ‖ tag (Nt B)}, as {@link SframeSender} writes
 * it. The AAD is the header followed by the caller's metadata, which must equal the sender's.
 *
 * <p><b>Keys.</b> The receiver holds the keys of several KIDs at once (derived on first use from the
 * {@link KeyProvider}, at most {@link Builder#maxKeys(int)}, oldest evicted), so a sender can rotate KIDs
 * with frames of both keys in flight. Keys removed from the provider are dropped and zeroed before the
 * next frame (see {@link KeyProvider#version()}).
 *
 * <p><b>Replay.</b> RFC 9605 leaves replay protection to the application (§9.3 of the RFC's security
 * considerations). This receiver offers an optional per-KID sliding window ({@link Builder#replayWindow(int)},
 * off by default): a CTR already accepted, or more than the window below the highest accepted, returns
 * {@link SframeReceiveStatus#REPLAYED}. The window is updated only after authentication. It is lost when
 * its KID's key is evicted or removed.
 *
 * <p>Not thread-safe; confine to one thread. {@link #stats()} may be called from any thread.
 *
 * @see SframeSender
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.4.4">RFC 9605 §4.4.4</a>
 */
public final class SframeReceiver {
    private static final SframeReceiveStatus[] STATUSES = SframeReceiveStatus.values();

    private final SframeCipherSuite suite;
    private final KeyCache keys;
    private final int replayWindow;
    private final long[] kidCtr = new long[2];
    private final AtomicLongArray counts = new AtomicLongArray(STATUSES.length + 1);
    private int plaintextLength = -1;

    private SframeReceiver(Builder b) {
        this.suite = b.suite;
        this.keys = new KeyCache(b.suite, b.keys, b.maxKeys);
        this.replayWindow = b.replayWindow;
    }

    /** A receiver for {@code suite} with keys from {@code keys}, no replay window, up to 16 keys. */
    public static SframeReceiver create(SframeCipherSuite suite, KeyProvider keys) {
        return builder(suite, keys).build();
    }

    /** A builder for a receiver of {@code suite} with keys from {@code keys}. */
    public static Builder builder(SframeCipherSuite suite, KeyProvider keys) {
        return new Builder(suite, keys);
    }

    /** The cipher suite. */
    public SframeCipherSuite suite() {
        return suite;
    }

    /** Upper bound of the plaintext in an SFrame ciphertext of {@code sframeLength} bytes: {@code len - 1 - Nt}, at least 0. */
    public int maxPlaintextLength(int sframeLength) {
        return Math.max(0, sframeLength - 1 - suite.nt());
    }

    /**
     * Authenticates and decrypts one SFrame ciphertext.
     *
     * <p>On {@link SframeReceiveStatus#OK} the plaintext ({@link #plaintextLength()} bytes) is at
     * {@code out[outOff]}. {@code out} may be {@code in} when {@code outOff} equals the ciphertext start,
     * {@code off + header length}, or any offset outside the input range. On any other status the content
     * of {@code out} is unspecified (CTR suites leave it untouched; GCM may have written partial
     * plaintext of a forged frame, which must be discarded).
     *
     * @param in       {@code header ‖ ciphertext ‖ tag}, borrowed
     * @param metadata the metadata the sender authenticated; may be {@code null} when {@code metaLen} is 0
     * @param out      receives up to {@link #maxPlaintextLength(int) maxPlaintextLength(len)} bytes
     * @return the outcome, counted in {@link #stats()}
     * @throws IndexOutOfBoundsException if a range lies outside its array (a caller bug, not bad input)
     */
    public SframeReceiveStatus decrypt(byte[] in, int off, int len, byte[] metadata, int metaOff, int metaLen,
            byte[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, in.length);
        if (metaLen > 0) {
            Objects.checkFromIndexSize(metaOff, metaLen, metadata.length);
        }
        plaintextLength = -1;
        int hl = SframeHeader.parse(in, off, len, kidCtr);
        if (hl == SframeHeader.PARSE_TRUNCATED) {
            return count(SframeReceiveStatus.TRUNCATED);
        }
        if (hl == SframeHeader.PARSE_NON_MINIMAL) {
            return count(SframeReceiveStatus.MALFORMED_HEADER);
        }
        int bodyLen = len - hl;
        if (bodyLen < suite.nt()) {
            return count(SframeReceiveStatus.TRUNCATED);
        }
        Objects.checkFromIndexSize(outOff, bodyLen - suite.nt(), out.length);
        long kid = kidCtr[0];
        long ctr = kidCtr[1];
        KeyCache.Entry e = keys.get(kid);
        if (e == null) {
            return count(SframeReceiveStatus.UNKNOWN_KID);
        }
        ReplayWindow rw = null;
        if (replayWindow > 0) {
            rw = e.replay;
            if (rw == null) {
                rw = e.replay = new ReplayWindow(replayWindow);
            }
            if (!rw.check(ctr)) {
                return count(SframeReceiveStatus.REPLAYED);
            }
        }
        int n;
        try {
            n = e.aead.open(ctr, in, off, hl, metadata, metaOff, metaLen, in, off + hl, bodyLen, out, outOff);
        } catch (GeneralSecurityException | IllegalStateException ex) {
            // A JDK cipher refusing this input (it should report a bad tag as -1) is still a failed frame.
            n = -1;
        }
        if (n < 0) {
            return count(SframeReceiveStatus.AUTH_FAILED);
        }
        if (rw != null) {
            rw.update(ctr);
        }
        plaintextLength = n;
        counts.lazySet(STATUSES.length, counts.get(STATUSES.length) + n);
        return count(SframeReceiveStatus.OK);
    }

    private SframeReceiveStatus count(SframeReceiveStatus s) {
        int i = s.ordinal();
        counts.lazySet(i, counts.get(i) + 1);
        return s;
    }

    /** Plaintext length of the last {@link #decrypt} that returned {@link SframeReceiveStatus#OK}; -1 after any other outcome. */
    public int plaintextLength() {
        return plaintextLength;
    }

    /** KID of the last header parsed by {@link #decrypt} (unsigned 64-bit); meaningless after TRUNCATED/MALFORMED_HEADER. */
    public long lastKid() {
        return kidCtr[0];
    }

    /** CTR of the last header parsed by {@link #decrypt} (unsigned 64-bit); meaningless after TRUNCATED/MALFORMED_HEADER. */
    public long lastCtr() {
        return kidCtr[1];
    }

    /** A snapshot of the counters; callable from any thread. */
    public SframeReceiverStats stats() {
        long[] c = new long[STATUSES.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return new SframeReceiverStats(c, counts.get(STATUSES.length));
    }

    /** Zeroes and forgets every derived key (the provider's keys are untouched). */
    public void clearKeys() {
        keys.clear();
    }

    @Override
    public String toString() {
        return "SframeReceiver{" + suite + (replayWindow > 0 ? " replayWindow=" + replayWindow : "") + '}';
    }

    /** Builder for {@link SframeReceiver}; setters validate at once. */
    public static final class Builder {
        private final SframeCipherSuite suite;
        private final KeyProvider keys;
        private int maxKeys = 16;
        private int replayWindow;

        private Builder(SframeCipherSuite suite, KeyProvider keys) {
            this.suite = Objects.requireNonNull(suite, "suite");
            this.keys = Objects.requireNonNull(keys, "keys");
        }

        /** Most KIDs whose derived keys are held at once, 1..1024. Default 16. */
        public Builder maxKeys(int maxKeys) {
            if (maxKeys < 1 || maxKeys > 1024) {
                throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: 1..1024)");
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /**
         * Replay window per KID in CTRs: 0 (default) disables replay checking; otherwise 64..65536, rounded up
         * to a multiple of 64. With NAL-preserving framing every NAL unit takes one CTR, so size it in NAL
         * units, not frames.
         */
        public Builder replayWindow(int ctrs) {
            if (ctrs != 0 && (ctrs < 64 || ctrs > 65536)) {
                throw new IllegalArgumentException("replayWindow: " + ctrs + " (expected: 0 or 64..65536)");
            }
            this.replayWindow = (ctrs + 63) & ~63;
            return this;
        }

        /** A new receiver. */
        public SframeReceiver build() {
            return new SframeReceiver(this);
        }
    }
}
