package io.sluice.webrtc.rtp;

/**
 * Extends 16-bit RTP sequence numbers (or any 16-bit wrapping counter) to a monotonic 64-bit value:
 * each new value is placed within ±32768 of the last one returned (RFC 3550 §A.1 idea). The first
 * value maps to itself plus 2^16·2^20 so that early reordered packets stay positive. Not thread-safe.
 */
public final class SequenceUnwrapper {
    private static final long START = 1L << 36;
    private long last = -1;

    /**
     * @param seq a 16-bit value, 0..65535
     * @return the unwrapped 64-bit value
     */
    public long unwrap(int seq) {
        seq &= 0xFFFF;
        if (last < 0) {
            last = START + seq;
            return last;
        }
        int delta = (short) (seq - (int) (last & 0xFFFF));
        long v = last + delta;
        if (v > last) {
            last = v;
        }
        return v;
    }

    /** The highest value returned so far, or -1 before the first call. */
    public long highest() {
        return last;
    }
}
