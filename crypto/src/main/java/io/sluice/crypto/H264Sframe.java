package io.sluice.crypto;

import io.sluice.crypto.sframe.SframeHeader;

/**
 * H.264 helpers for {@link SframeFraming#NAL_PRESERVING}: which NAL units stay clear, and emulation
 * prevention (ITU-T H.264 §7.4.1) over SFrame bytes. Package-private; static, allocation-free.
 */
final class H264Sframe {
    /** Appended after every escaped SFrame body so it never ends in 0x00 (like {@code rbsp_stop_one_bit} + alignment). */
    static final byte TRAILER = (byte) 0x80;

    private H264Sframe() {
    }

    /**
     * NAL unit types left in the clear: SPS (7), PPS (8), access unit delimiter (9), end of sequence (10),
     * end of stream (11), filler data (12). They carry no picture or user data, and relays need SPS/PPS.
     * Everything else is encrypted, SEI (6) included, since SEI can carry user data (captions, time codes,
     * unregistered payloads).
     */
    static boolean isClear(int nalHeader) {
        int type = nalHeader & 0x1f;
        return type >= 7 && type <= 12;
    }

    /** Upper bound of {@link #escape}'s output (including the trailer) for {@code len} input bytes. */
    static int escapedBound(int len) {
        return len + len / 2 + 2;
    }

    /**
     * Copies {@code src} to {@code dst} inserting 0x03 after every 0x00 0x00 that is followed by a byte
     * &le; 0x03, then appends {@link #TRAILER}.
     *
     * @return bytes written, at most {@link #escapedBound(int)}
     */
    static int escape(byte[] src, int off, int len, byte[] dst, int dOff) {
        int d = dOff;
        int zeros = 0;
        for (int i = off, end = off + len; i < end; i++) {
            byte b = src[i];
            if (zeros >= 2 && (b & 0xff) <= 3) {
                dst[d++] = 3;
                zeros = 0;
            }
            dst[d++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }
        dst[d++] = TRAILER;
        return d - dOff;
    }

    /**
     * Reverses {@link #escape}: checks and strips the trailer, removes each 0x03 that follows 0x00 0x00.
     * {@code dst} may be {@code src} at the same offset (the output never outgrows the input).
     *
     * @return bytes written, or -1 if the trailer is missing or the body holds 0x00 0x00 followed by 0x00–0x02
     */
    static int unescape(byte[] src, int off, int len, byte[] dst, int dOff) {
        if (len < 1 || src[off + len - 1] != TRAILER) {
            return -1;
        }
        int d = dOff;
        int zeros = 0;
        for (int i = off, end = off + len - 1; i < end; i++) {
            byte b = src[i];
            if (zeros >= 2) {
                if (b == 3) {
                    zeros = 0;
                    continue;
                }
                if ((b & 0xff) < 3) {
                    return -1;
                }
            }
            dst[d++] = b;
            zeros = b == 0 ? zeros + 1 : 0;
        }
        return d - dOff;
    }

    /**
     * Whether the AVCC payload {@code a[off, off+len)} holds an SPS NAL unit (type 7). Stops at the first
     * malformed length (then {@code false} if no SPS came before it).
     */
    static boolean hasSps(byte[] a, int off, int len) {
        int end = off + len;
        for (int p = off; p + 4 < end; ) {
            int n = readLength(a, p);
            if (n < 1 || n > end - p - 4) {
                return false;
            }
            if ((a[p + 4] & 0x1f) == 7) {
                return true;
            }
            p += 4 + n;
        }
        return false;
    }

    /** Largest {@code slice_type} (H.264 §7.4.3, Table 7-6: 0..9); a larger value fails RTP receivers' parse. */
    static final int MAX_SLICE_TYPE = 9;
    /** Largest {@code pic_parameter_set_id} (H.264 §7.4.2.2: 0..255). */
    static final int MAX_PPS_ID = 255;
    /** Most leading zero bits of an Exp-Golomb code a 32-bit reader accepts (libwebrtc's {@code BitstreamReader}). */
    static final int MAX_LEADING_ZEROS = 31;

    /**
     * Whether a NAL unit of this type begins with a slice header (H.264 §7.3.2.8, §7.3.2.9.1): non-IDR slice (1),
     * data partition A (2), IDR slice (5). Data partitions B and C (3, 4) begin with {@code slice_id}, which is
     * also ue(v); they are treated as slices too, so every coded-slice NAL unit type 1..5 gets an
     * RTP-safe SFrame header ({@link #sliceHeaderPrefixBits}). SEI (6) and the rest are not: RTP depacketizers
     * read no syntax element from them (libwebrtc's H.264 depacketizer parses only types 1 and 5, besides
     * SPS/PPS).
     */
    static boolean isSlice(int nalHeader) {
        int type = nalHeader & 0x1f;
        return type >= 1 && type <= 5;
    }

    /**
     * How many bits of {@code h[off, off+len)} the first three slice-header syntax elements take when read
     * the way an RTP depacketizer reads them (H.264 §7.3.3, as RBSP):
     * <pre>
     * first_mb_in_slice      ue(v)   any value that fits 32 bits (at most {@value #MAX_LEADING_ZEROS} leading zeros)
     * slice_type             ue(v)   0..{@value #MAX_SLICE_TYPE}
     * pic_parameter_set_id   ue(v)   0..{@value #MAX_PPS_ID}
     * </pre>
     * ue(v) is Exp-Golomb (§9.1): {@code z} zero bits, a one bit, then {@code z} bits {@code b}; the value is
     * {@code 2^z - 1 + b}.
     *
     * @return bits consumed (1..8·len), or -1 if a value is out of range or a read would run past
     *         {@code len} bytes (the bytes after them are ciphertext: random, so such a parse is treated as failing)
     */
    static int sliceHeaderPrefixBits(byte[] h, int off, int len) {
        int limit = len * 8;
        int pos = 0;
        for (int element = 0; element < 3; element++) {
            long max = element == 0 ? 0xffff_ffffL : element == 1 ? MAX_SLICE_TYPE : MAX_PPS_ID;
            int zeros = 0;
            while (pos < limit && bit(h, off, pos) == 0) {
                zeros++;
                pos++;
            }
            if (pos >= limit || zeros > MAX_LEADING_ZEROS || pos + 1 + zeros > limit) {
                return -1;
            }
            pos++;
            long v = 0;
            for (int i = 0; i < zeros; i++) {
                v = v << 1 | bit(h, off, pos++);
            }
            if ((1L << zeros) - 1 + v > max) {
                return -1;
            }
        }
        return pos;
    }

    private static int bit(byte[] h, int off, int pos) {
        return (h[off + (pos >>> 3)] >>> (7 - (pos & 7))) & 1;
    }

    /**
     * Whether an SFrame header placed right after a slice's NAL header byte (the NAL-preserving layout
     * {@code NAL header ‖ EP(SFrame header ‖ ciphertext ‖ tag) ‖ 0x80}) lets RTP receivers that parse the
     * slice-header prefix (libwebrtc's H.264 depacketizer drops a single-NAL-unit or STAP-A packet whose slice
     * fails it) succeed whatever the ciphertext is:
     * <ol>
     * <li>{@link #sliceHeaderPrefixBits} of the header ({@code config ‖ KID bytes ‖ CTR bytes}, RFC 9605
     *     §4.3) is not -1: all three values decode from header bits alone and are in range;</li>
     * <li>{@link #escape} inserts no emulation-prevention byte among the header bytes those bits occupy.
     *     It can insert one inside a header (after two zero bytes of a KID or CTR followed by a byte &le; 3,
     *     e.g. CTR {@code 01 00 00 00}); a receiver that removes it (RBSP, §7.4.1) and one that does not
     *     then see the same prefix.</li>
     * </ol>
     *
     * @param h the SFrame header bytes, borrowed, at {@code h[off, off+len)} (exactly the header)
     */
    static boolean isRtpSafeSliceHeader(byte[] h, int off, int len) {
        int bits = sliceHeaderPrefixBits(h, off, len);
        if (bits < 0) {
            return false;
        }
        int zeros = 0;
        for (int i = 0, n = (bits + 7) >>> 3; i < n; i++) {
            int b = h[off + i] & 0xff;
            if (zeros >= 2 && b <= 3) {
                return false;
            }
            zeros = b == 0 ? zeros + 1 : 0;
        }
        return true;
    }

    /** {@link #isRtpSafeSliceHeader(byte[], int, int)} of the minimal SFrame header for {@code kid} and {@code ctr}. */
    static boolean isRtpSafeSliceHeader(long kid, long ctr, byte[] scratch) {
        int n = SframeHeader.encode(kid, ctr, scratch, 0);
        return isRtpSafeSliceHeader(scratch, 0, n);
    }

    /** Candidates {@link #nextRtpSafeCtr} tries per byte position. */
    static final int SAFE_CTR_TRIES = 256;

    /**
     * The first CTR at or above {@code ctr} (unsigned) found by a bounded search whose header is
     * {@linkplain #isRtpSafeSliceHeader(long, long, byte[]) RTP-safe} for {@code kid}, or {@code ctr} itself if
     * none is found (then {@code ctr} is unsafe, unless it was safe to begin with). The search never wraps
     * past 2<sup>64</sup>−1 and tries at most 8 · {@value #SAFE_CTR_TRIES} values:
     * <ol>
     * <li>the next {@value #SAFE_CTR_TRIES} values {@code ctr, ctr+1, ...};</li>
     * <li>then, for byte position {@code k} = 1..7 in turn, {@value #SAFE_CTR_TRIES} steps to the next multiple
     *     of 256<sup>k</sup> (the byte above is incremented, the bytes below zeroed). Carrying out of the top
     *     byte reaches the next CTR length boundary (256<sup>n</sup>), whose bytes the later positions step.</li>
     * </ol>
     * Stepping the higher bytes matters because safety depends on the leading header bits: a whole run of
     * CTRs can be unsafe (KID 0: 0x010000..0x07ffff), and so are the length boundaries themselves (their top
     * CTR byte, 0x01, starts with seven zero bits), so jumping to a boundary alone does not help.
     *
     * @param scratch at least {@value SframeHeader#MAX_LENGTH} bytes, overwritten
     */
    static long nextRtpSafeCtr(long kid, long ctr, byte[] scratch) {
        long c = ctr;
        for (int k = 0; k < 8; k++) {
            long step = 1L << (8 * k);
            for (int i = 0; i < SAFE_CTR_TRIES; i++) {
                if (isRtpSafeSliceHeader(kid, c, scratch)) {
                    return c;
                }
                long next = (Long.divideUnsigned(c, step) + 1) * step;
                if (Long.compareUnsigned(next, c) <= 0) {
                    return ctr; // would wrap past 2^64-1
                }
                c = next;
            }
        }
        return ctr;
    }

    /**
     * The first CTR above {@code ctr} (unsigned) whose minimal SFrame field is longer (RFC 9605 §4.3): 8, then
     * 256<sup>n</sup>; 0 (meaning 2<sup>64</sup>) when {@code ctr} already takes 8 bytes.
     */
    static long nextCtrLengthBoundary(long ctr) {
        if (ctr >= 0 && ctr < 8) {
            return 8;
        }
        int bytes = (64 - Long.numberOfLeadingZeros(ctr) + 7) >>> 3;
        return bytes >= 8 ? 0 : 1L << (8 * bytes);
    }

    /** Reads a 4-byte big-endian AVCC length. */
    static int readLength(byte[] a, int p) {
        return (a[p] & 0xff) << 24 | (a[p + 1] & 0xff) << 16 | (a[p + 2] & 0xff) << 8 | (a[p + 3] & 0xff);
    }

    static void writeLength(byte[] a, int p, int v) {
        a[p] = (byte) (v >>> 24);
        a[p + 1] = (byte) (v >>> 16);
        a[p + 2] = (byte) (v >>> 8);
        a[p + 3] = (byte) v;
    }
}
