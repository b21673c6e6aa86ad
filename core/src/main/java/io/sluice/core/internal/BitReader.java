package io.sluice.core.internal;

/**
 * MSB-first bit reader with Exp-Golomb codes (ITU-T H.264 §9.1), for codec configuration parsing.
 * Throws {@link IllegalStateException} past the end. Not a published API.
 */
public final class BitReader {
    private final byte[] data;
    private int bit;

    public BitReader(byte[] data) {
        this.data = data;
    }

    /** Bits read so far. */
    public int position() {
        return bit;
    }

    public boolean bit() {
        if (bit >= data.length * 8) {
            throw new IllegalStateException("end of data");
        }
        boolean b = (data[bit >>> 3] >> (7 - (bit & 7)) & 1) != 0;
        bit++;
        return b;
    }

    /** {@code n} bits, 0..31, as an unsigned value. */
    public int bits(int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 1 | (bit() ? 1 : 0);
        }
        return v;
    }

    /** ue(v): unsigned Exp-Golomb. */
    public int ue() {
        int zeros = 0;
        while (!bit()) {
            if (++zeros > 31) {
                throw new IllegalStateException("Exp-Golomb code too long");
            }
        }
        return (int) ((1L << zeros) - 1 + (zeros == 0 ? 0 : Integer.toUnsignedLong(bits(zeros))));
    }

    /** se(v): signed Exp-Golomb. */
    public int se() {
        int k = ue();
        return (k & 1) != 0 ? (k + 1) / 2 : -(k / 2);
    }
}
