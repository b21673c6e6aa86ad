package io.sluice.crypto;

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
