package io.sluice.crypto.sframe;

/**
 * Sliding replay window over the CTRs of one KID, in the manner of RFC 3711 §3.3.2: accepts a CTR
 * above the highest seen, or within {@code size} below it if not seen before. Bits are a ring
 * indexed by CTR modulo the size. {@link #check} before authenticating, {@link #update} only after,
 * so forged frames cannot move the window. Package-private; not thread-safe.
 */
final class ReplayWindow {
    private final long[] bits;
    private final int size;
    private boolean any;
    private long highest;

    /** @param size window in CTRs, a multiple of 64, &ge; 64 */
    ReplayWindow(int size) {
        this.size = size;
        this.bits = new long[size / 64];
    }

    /** Whether {@code ctr} (unsigned) is new: above the highest seen, or inside the window and unseen. */
    boolean check(long ctr) {
        if (!any || Long.compareUnsigned(ctr, highest) > 0) {
            return true;
        }
        long delta = highest - ctr;
        if (Long.compareUnsigned(delta, size) >= 0) {
            return false;
        }
        return !isSet(ctr);
    }

    /** Records {@code ctr} as seen (call after it authenticated and passed {@link #check}). */
    void update(long ctr) {
        if (!any) {
            any = true;
            highest = ctr;
        } else if (Long.compareUnsigned(ctr, highest) > 0) {
            long advance = ctr - highest;
            if (Long.compareUnsigned(advance, size) >= 0) {
                java.util.Arrays.fill(bits, 0);
            } else {
                for (long c = highest + 1; c != ctr; c++) {
                    clear(c);
                }
            }
            highest = ctr;
        }
        set(ctr);
    }

    private int index(long ctr) {
        return (int) Long.remainderUnsigned(ctr, size);
    }

    private boolean isSet(long ctr) {
        int i = index(ctr);
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    private void set(long ctr) {
        int i = index(ctr);
        bits[i >>> 6] |= 1L << i;
    }

    private void clear(long ctr) {
        int i = index(ctr);
        bits[i >>> 6] &= ~(1L << i);
    }
}
