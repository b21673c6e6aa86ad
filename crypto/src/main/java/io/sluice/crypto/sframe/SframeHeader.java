package io.sluice.crypto.sframe;

/**
 * The SFrame header of RFC 9605 §4.3: a key ID (KID) and a counter (CTR), both unsigned 64-bit
 * integers carried in a Java {@code long} (read them with {@link Long#toUnsignedString(long)}).
 *
 * <pre>
 *   0 1 2 3 4 5 6 7
 *  +-+-+-+-+-+-+-+-+---------------------+---------------------+
 *  |X|  K  |Y|  C  |  KID (0 or K+1 B)   |  CTR (0 or C+1 B)   |
 *  +-+-+-+-+-+-+-+-+---------------------+---------------------+
 * </pre>
 *
 * A value 0–7 sits in the 3-bit field (K or C) with its flag (X or Y) clear. A larger value sets the
 * flag, the field holds its length minus one, and the value follows big-endian in that many bytes
 * (1–8), KID first. The encoding is minimal: {@link #encode} always produces it, and the decoders
 * reject anything else ({@link SframeReceiveStatus#MALFORMED_HEADER}): an extended field whose value is
 * below 8, or one with a leading zero byte. A header is 1 to {@value #MAX_LENGTH} bytes.
 *
 * <p>Immutable value. The static methods work on caller-supplied arrays and allocate nothing.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.3">RFC 9605 §4.3</a>
 */
public final class SframeHeader {
    /** Longest header: config byte + 8-byte KID + 8-byte CTR. */
    public static final int MAX_LENGTH = 17;

    /** Parse result codes of {@link #parse}; negative so that lengths stay positive. */
    static final int PARSE_TRUNCATED = -1;
    static final int PARSE_NON_MINIMAL = -2;

    private final long kid;
    private final long ctr;

    private SframeHeader(long kid, long ctr) {
        this.kid = kid;
        this.ctr = ctr;
    }

    /** A header for {@code kid} and {@code ctr}, each an unsigned 64-bit value (any {@code long}). */
    public static SframeHeader of(long kid, long ctr) {
        return new SframeHeader(kid, ctr);
    }

    /** Key ID, unsigned 64-bit. */
    public long kid() {
        return kid;
    }

    /** Counter, unsigned 64-bit. */
    public long ctr() {
        return ctr;
    }

    /** Length of this header's minimal encoding, 1..{@value #MAX_LENGTH} bytes. */
    public int encodedLength() {
        return encodedLength(kid, ctr);
    }

    /** This header's minimal encoding, a new array. */
    public byte[] encode() {
        byte[] b = new byte[encodedLength()];
        encode(kid, ctr, b, 0);
        return b;
    }

    /** Length in bytes of the minimal header for {@code kid} and {@code ctr} (unsigned), 1..{@value #MAX_LENGTH}. */
    public static int encodedLength(long kid, long ctr) {
        return 1 + extLength(kid) + extLength(ctr);
    }

    /**
     * Writes the minimal header for {@code kid} and {@code ctr} (unsigned 64-bit) at {@code dst[off]}.
     *
     * @return bytes written, {@link #encodedLength(long, long)}
     * @throws IndexOutOfBoundsException if {@code dst} has less room than that from {@code off}
     */
    public static int encode(long kid, long ctr, byte[] dst, int off) {
        int kl = extLength(kid);
        int cl = extLength(ctr);
        int len = 1 + kl + cl;
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        int config = (kl == 0 ? (int) kid << 4 : 0x80 | (kl - 1) << 4) | (cl == 0 ? (int) ctr : 0x08 | (cl - 1));
        dst[off] = (byte) config;
        writeBigEndian(kid, kl, dst, off + 1);
        writeBigEndian(ctr, cl, dst, off + 1 + kl);
        return len;
    }

    /**
     * Decodes the header at the start of {@code src[off, off+len)}; bytes after it are ignored.
     *
     * @throws SframeProtocolException with {@link SframeReceiveStatus#TRUNCATED} if the data ends inside the
     *                                 header, {@link SframeReceiveStatus#MALFORMED_HEADER} if it is not minimal
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     */
    public static SframeHeader decode(byte[] src, int off, int len) {
        long[] kidCtr = new long[2];
        int n = parse(src, off, len, kidCtr);
        if (n == PARSE_TRUNCATED) {
            throw new SframeProtocolException(SframeReceiveStatus.TRUNCATED,
                    "truncated SFrame header: " + len + " byte(s) (expected: " + (len == 0 ? 1 : headerLength(src[off])) + ")");
        }
        if (n == PARSE_NON_MINIMAL) {
            throw new SframeProtocolException(SframeReceiveStatus.MALFORMED_HEADER,
                    "SFrame header not minimally encoded: config 0x" + Integer.toHexString(src[off] & 0xff));
        }
        return new SframeHeader(kidCtr[0], kidCtr[1]);
    }

    /**
     * Total header length announced by a config byte (1..{@value #MAX_LENGTH}); every config byte is valid.
     */
    public static int headerLength(byte config) {
        int c = config & 0xff;
        int len = 1;
        if ((c & 0x80) != 0) {
            len += ((c >> 4) & 7) + 1;
        }
        if ((c & 0x08) != 0) {
            len += (c & 7) + 1;
        }
        return len;
    }

    /**
     * Allocation-free parse for the hot path: stores KID in {@code kidCtr[0]} and CTR in {@code kidCtr[1]}.
     *
     * @return the header length, or {@link #PARSE_TRUNCATED} / {@link #PARSE_NON_MINIMAL}
     */
    static int parse(byte[] src, int off, int len, long[] kidCtr) {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        if (len < 1) {
            return PARSE_TRUNCATED;
        }
        int c = src[off] & 0xff;
        int hl = headerLength(src[off]);
        if (len < hl) {
            return PARSE_TRUNCATED;
        }
        int p = off + 1;
        long kid;
        if ((c & 0x80) == 0) {
            kid = (c >> 4) & 7;
        } else {
            int kl = ((c >> 4) & 7) + 1;
            if (!minimal(src, p, kl)) {
                return PARSE_NON_MINIMAL;
            }
            kid = readBigEndian(src, p, kl);
            p += kl;
        }
        long ctr;
        if ((c & 0x08) == 0) {
            ctr = c & 7;
        } else {
            int cl = (c & 7) + 1;
            if (!minimal(src, p, cl)) {
                return PARSE_NON_MINIMAL;
            }
            ctr = readBigEndian(src, p, cl);
        }
        kidCtr[0] = kid;
        kidCtr[1] = ctr;
        return hl;
    }

    /** An extended field of {@code n} bytes is minimal when its first byte is non-zero and, for 1 byte, the value is at least 8. */
    private static boolean minimal(byte[] src, int p, int n) {
        int first = src[p] & 0xff;
        return n == 1 ? first >= 8 : first != 0;
    }

    /** Bytes in the extended field for {@code v}: 0 when {@code v} fits in 3 bits, else its minimal big-endian length. */
    static int extLength(long v) {
        if (v >= 0 && v < 8) {
            return 0;
        }
        return (64 - Long.numberOfLeadingZeros(v) + 7) >>> 3;
    }

    private static void writeBigEndian(long v, int n, byte[] dst, int off) {
        for (int i = n - 1; i >= 0; i--) {
            dst[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long readBigEndian(byte[] src, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (src[off + i] & 0xff);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SframeHeader h && h.kid == kid && h.ctr == ctr;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(kid) * 31 + Long.hashCode(ctr);
    }

    @Override
    public String toString() {
        return "SframeHeader{KID=" + Long.toUnsignedString(kid) + " CTR=" + Long.toUnsignedString(ctr) + '}';
    }
}
