package io.sluice.crypto.sframe;

import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Encrypts frames into SFrame ciphertexts (RFC 9605 §4.4.3): sans-IO, over caller arrays, one
 * {@code AEAD.Encrypt} per call.
 *
 * <p><b>Output layout</b> of {@link #encrypt}: {@code SFrame header (1..17 B) ‖ ciphertext (= plaintext
 * length) ‖ tag (Nt B)}; see {@link #ciphertextLength(int)}. The AAD is the header followed by the
 * caller's metadata (§4.4.3); the metadata itself is not written.
 *
 * <p><b>KID and CTR.</b> The sender encrypts under one current KID ({@link #useKid(long)} switches it for
 * the next frame, i.e. at a frame boundary). Each KID has its own CTR, starting at 0 and incremented
 * after every frame, for the life of this sender: switching back to an earlier KID continues its
 * counter, and a KID's counter never goes back, even if its key is removed and re-added. After CTR
 * 2<sup>64</sup>−1 the KID is exhausted ({@link SframeSenderException.Reason#CTR_EXHAUSTED}); it never
 * wraps. A {@code base_key} must not be used by two senders (RFC 9605 §4.4.1), and a sender restarted
 * with the same key must resume above its last CTR ({@link #useKid(long, long)}) or use a new key.
 *
 * <p><b>Allocation.</b> Keys are derived once per KID; the JDK {@code Cipher}/{@code Mac} are created once
 * per KID and re-initialised per frame. The only per-frame garbage is what the JDK allocates in
 * {@code Cipher.init} (the parameter spec and cipher-internal state).
 *
 * <p>Not thread-safe; confine to one thread (the track's encoder thread).
 *
 * @see SframeReceiver
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.4.3">RFC 9605 §4.4.3</a>
 */
public final class SframeSender {
    private final SframeCipherSuite suite;
    private final KeyCache keys;
    /** Next CTR per KID ever used (boxed, but touched only on {@link #useKid}). */
    private final Map<Long, long[]> counters = new HashMap<>();
    private long kid;
    /** {@code [0]} next CTR, {@code [1]} 1 once exhausted; shared with {@link #counters}. */
    private long[] counter;
    private long frames;

    /**
     * A sender that starts with {@code kid} (unsigned 64-bit).
     *
     * @throws SframeSenderException ({@link SframeSenderException.Reason#NO_KEY}) if {@code keys} has no key for {@code kid}
     */
    public SframeSender(SframeCipherSuite suite, KeyProvider keys, long kid) {
        this.suite = Objects.requireNonNull(suite, "suite");
        this.keys = new KeyCache(suite, Objects.requireNonNull(keys, "keys"), 4);
        useKid(kid);
    }

    /** The cipher suite. */
    public SframeCipherSuite suite() {
        return suite;
    }

    /**
     * Encrypts the following frames under {@code kid} (unsigned 64-bit), continuing its CTR if this sender
     * used it before, else from 0.
     *
     * @throws SframeSenderException ({@link SframeSenderException.Reason#NO_KEY}) if the provider has no key for it
     */
    public void useKid(long kid) {
        requireKey(kid);
        this.kid = kid;
        this.counter = counters.computeIfAbsent(kid, k -> new long[2]);
    }

    /**
     * Encrypts the following frames under {@code kid} starting at CTR {@code firstCtr} (both unsigned),
     * for a sender that resumes a key it used before (in this or an earlier process).
     *
     * @throws IllegalStateException if this sender already used {@code kid} at or above {@code firstCtr}
     *                               (that would reuse a nonce)
     * @throws SframeSenderException ({@link SframeSenderException.Reason#NO_KEY}) if the provider has no key for it
     */
    public void useKid(long kid, long firstCtr) {
        long[] c = counters.get(kid);
        if (c != null && (c[1] != 0 || Long.compareUnsigned(firstCtr, c[0]) < 0)) {
            throw new IllegalStateException("firstCtr: " + Long.toUnsignedString(firstCtr) + " for KID "
                    + Long.toUnsignedString(kid) + " (expected: >= " + (c[1] != 0 ? "2^64 (exhausted)" : Long.toUnsignedString(c[0]))
                    + "; a CTR must never repeat under one key)");
        }
        requireKey(kid);
        long[] fresh = c != null ? c : new long[2];
        fresh[0] = firstCtr;
        counters.put(kid, fresh);
        this.kid = kid;
        this.counter = fresh;
    }

    private void requireKey(long kid) {
        if (keys.get(kid) == null) {
            throw new SframeSenderException(SframeSenderException.Reason.NO_KEY,
                    "no base_key for KID " + Long.toUnsignedString(kid), null);
        }
    }

    /** The current KID (unsigned 64-bit). */
    public long kid() {
        return kid;
    }

    /** The CTR the next frame will carry (unsigned 64-bit); meaningless once {@link #isExhausted()}. */
    public long nextCtr() {
        return counter[0];
    }

    /**
     * Skips the current KID's CTRs below {@code nextCtr} (unsigned): the next frame carries {@code nextCtr} and
     * the values in between are never used. Allowed because RFC 9605 only requires that a CTR (from which the
     * nonce is formed, §4.4.3) never repeats under a key; receivers do not expect consecutive CTRs. A
     * receiver's replay window moves up to the new CTR, so a frame encrypted before a skip larger than the
     * window that arrives after a frame from after it is rejected as a replay. Used to pick CTRs whose header
     * bytes suit a framing (RTP-safe H.264 slice headers, see {@code SframeEncryptor}).
     *
     * @throws IllegalArgumentException if {@code nextCtr} is below {@link #nextCtr()} (unsigned): a CTR would repeat
     * @throws IllegalStateException if the current KID is {@linkplain #isExhausted() exhausted}
     */
    public void skipTo(long nextCtr) {
        if (counter[1] != 0) {
            throw new IllegalStateException("CTR exhausted for KID " + Long.toUnsignedString(kid));
        }
        if (Long.compareUnsigned(nextCtr, counter[0]) < 0) {
            throw new IllegalArgumentException("nextCtr: " + Long.toUnsignedString(nextCtr) + " (expected: >= "
                    + Long.toUnsignedString(counter[0]) + "; a CTR must never repeat under one key)");
        }
        counter[0] = nextCtr;
    }

    /** Whether the current KID has used every CTR. */
    public boolean isExhausted() {
        return counter[1] != 0;
    }

    /** Frames encrypted so far. */
    public long frames() {
        return frames;
    }

    /** Length of the SFrame header the next frame gets, 1..{@value SframeHeader#MAX_LENGTH} bytes. */
    public int nextHeaderLength() {
        return SframeHeader.encodedLength(kid, counter[0]);
    }

    /** Exact output length of the next {@link #encrypt} of {@code plaintextLength} bytes: header + plaintext + {@code Nt}. */
    public int ciphertextLength(int plaintextLength) {
        return nextHeaderLength() + plaintextLength + suite.nt();
    }

    /** Upper bound of the output length for {@code plaintextLength} bytes under any KID/CTR: 17 + plaintext + {@code Nt}. */
    public int maxCiphertextLength(int plaintextLength) {
        return SframeHeader.MAX_LENGTH + plaintextLength + suite.nt();
    }

    /**
     * Encrypts one frame under the current KID and next CTR, then advances the CTR.
     *
     * <p>Writes {@code header ‖ ciphertext ‖ tag} at {@code out[outOff]}. {@code out} may be {@code plaintext}
     * itself when {@code outOff + nextHeaderLength() == ptOff} (in place: the header goes in front of the
     * plaintext, which is overwritten by the ciphertext); otherwise the ranges must not overlap.
     *
     * @param plaintext the frame, borrowed
     * @param metadata  bytes authenticated with the header but not sent (RFC 9605 §4.4.3); may be
     *                  {@code null} when {@code metaLen} is 0
     * @param out       receives {@link #ciphertextLength(int) ciphertextLength(ptLen)} bytes
     * @return bytes written at {@code out[outOff]}
     * @throws SframeSenderException if there is no key for the current KID, its CTRs are exhausted, or the
     *                               JDK cipher fails; nothing is written then and the CTR is not consumed
     * @throws IndexOutOfBoundsException if a range lies outside its array
     */
    public int encrypt(byte[] plaintext, int ptOff, int ptLen, byte[] metadata, int metaOff, int metaLen,
            byte[] out, int outOff) {
        Objects.checkFromIndexSize(ptOff, ptLen, plaintext.length);
        if (metaLen > 0) {
            Objects.checkFromIndexSize(metaOff, metaLen, metadata.length);
        }
        long[] c = counter;
        if (c[1] != 0) {
            throw new SframeSenderException(SframeSenderException.Reason.CTR_EXHAUSTED,
                    "CTR exhausted for KID " + Long.toUnsignedString(kid) + " (2^64 frames); switch to a new KID", null);
        }
        KeyCache.Entry e = keys.get(kid);
        if (e == null) {
            throw new SframeSenderException(SframeSenderException.Reason.NO_KEY,
                    "no base_key for KID " + Long.toUnsignedString(kid) + " (removed from the KeyProvider?)", null);
        }
        long ctr = c[0];
        int hl = SframeHeader.encodedLength(kid, ctr);
        Objects.checkFromIndexSize(outOff, hl + ptLen + suite.nt(), out.length);
        if (out == plaintext && outOff + hl != ptOff && outOff < ptOff + ptLen && ptOff < outOff + hl + ptLen + suite.nt()) {
            throw new IllegalArgumentException("out overlaps plaintext (expected: disjoint, or outOff + "
                    + hl + " == ptOff for in-place)");
        }
        SframeHeader.encode(kid, ctr, out, outOff);
        int n;
        try {
            n = e.aead.seal(ctr, out, outOff, hl, metadata, metaOff, metaLen, plaintext, ptOff, ptLen, out, outOff + hl);
        } catch (GeneralSecurityException ex) {
            throw new SframeSenderException(SframeSenderException.Reason.CRYPTO_FAILURE,
                    "encryption failed for KID " + Long.toUnsignedString(kid) + " CTR " + Long.toUnsignedString(ctr), ex);
        }
        if (ctr == -1L) {
            c[1] = 1;
        } else {
            c[0] = ctr + 1;
        }
        frames++;
        return hl + n;
    }

    /** Zeroes and forgets every derived key; they are derived again from the provider on next use. CTRs are kept. */
    public void clearKeys() {
        keys.clear();
    }

    @Override
    public String toString() {
        return "SframeSender{" + suite + " KID=" + Long.toUnsignedString(kid) + " nextCTR="
                + (isExhausted() ? "exhausted" : Long.toUnsignedString(counter[0])) + '}';
    }
}
