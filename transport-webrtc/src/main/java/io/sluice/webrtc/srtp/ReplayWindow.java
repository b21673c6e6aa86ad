package io.sluice.webrtc.srtp;

/**
 * Sliding replay window over packet indices (RFC 3711 §3.3.2): a circular bitmap of {@code size}
 * (a power of two) indices ending at the highest index accepted so far. Not thread-safe.
 */
final class ReplayWindow {
    private final long[] bits;
    private final int mask;
    private long highest = -1;

    ReplayWindow(int size) {
        this.bits = new long[size >>> 6];
        this.mask = size - 1;
    }

    /** {@link SrtpResult#OK} if {@code index} may be accepted, else REPLAY_FAIL or REPLAY_OLD. Does not change state. */
    SrtpResult check(long index) {
        if (highest < 0 || index > highest) {
            return SrtpResult.OK;
        }
        if (highest - index > mask) {
            return SrtpResult.REPLAY_OLD;
        }
        int p = (int) (index & mask);
        return (bits[p >>> 6] & (1L << p)) != 0 ? SrtpResult.REPLAY_FAIL : SrtpResult.OK;
    }

    /** Marks {@code index} received; call only after {@link #check} said OK and the packet authenticated. */
    void accept(long index) {
        if (index > highest) {
            if (highest < 0 || index - highest > mask) {
                java.util.Arrays.fill(bits, 0);
            } else {
                for (long i = highest + 1; i < index; i++) {
                    int p = (int) (i & mask);
                    bits[p >>> 6] &= ~(1L << p);
                }
            }
            highest = index;
        }
        int p = (int) (index & mask);
        bits[p >>> 6] |= 1L << p;
    }

    long highest() {
        return highest;
    }
}
