package io.sluice.webrtc.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The receiver's side of generic NACK (RFC 4585 §6.2.1) for one SSRC: when a packet's extended
 * sequence number jumps past the highest seen, the missing numbers are asked for once, at most
 * {@link #maxPerGap()} of them (the newest), right away. Reordered packets that fill a gap later
 * cost nothing. Sans-IO. Not thread-safe.
 */
public final class NackGenerator {
    /** Default number of sequence numbers asked for per gap: 64 (≈ 75 kB of 1200-octet packets). */
    public static final int DEFAULT_MAX_PER_GAP = 64;

    private final int maxPerGap;
    private long highest = -1;

    /** A generator asking for at most {@value #DEFAULT_MAX_PER_GAP} packets per gap. */
    public NackGenerator() {
        this(DEFAULT_MAX_PER_GAP);
    }

    /**
     * @param maxPerGap how many of a gap's newest sequence numbers to ask for, 1..1024
     * @throws IllegalArgumentException if out of range
     */
    public NackGenerator(int maxPerGap) {
        if (maxPerGap < 1 || maxPerGap > 1024) {
            throw new IllegalArgumentException("maxPerGap: " + maxPerGap + " (expected: 1..1024)");
        }
        this.maxPerGap = maxPerGap;
    }

    /** Sequence numbers asked for per gap at most. */
    public int maxPerGap() {
        return maxPerGap;
    }

    /**
     * One packet arrived.
     *
     * @param extendedSequenceNumber its sequence number extended past 16 bits (RFC 3550 A.1), ≥ 0
     * @return the 16-bit sequence numbers to NACK now, oldest first; empty if none is missing
     */
    public List<Integer> onPacket(long extendedSequenceNumber) {
        long seq = extendedSequenceNumber;
        if (highest < 0) {
            highest = seq;
            return List.of();
        }
        List<Integer> lost = List.of();
        if (seq > highest + 1) {
            lost = new ArrayList<>((int) Math.min(maxPerGap, seq - highest - 1));
            for (long s = Math.max(highest + 1, seq - maxPerGap); s < seq; s++) {
                lost.add((int) (s & 0xFFFF));
            }
        }
        if (seq > highest) {
            highest = seq;
        }
        return lost;
    }
}
