package io.sluice.crypto.sframe;

import java.util.EnumMap;
import java.util.Map;

/**
 * Immutable snapshot of an {@link SframeReceiver}'s counters: how many SFrame ciphertexts ended in each
 * {@link SframeReceiveStatus}, and the plaintext bytes recovered.
 */
public final class SframeReceiverStats {
    private final long[] counts;
    private final long plaintextBytes;

    SframeReceiverStats(long[] counts, long plaintextBytes) {
        this.counts = counts;
        this.plaintextBytes = plaintextBytes;
    }

    /** Ciphertexts that ended with {@code status}. */
    public long count(SframeReceiveStatus status) {
        return counts[status.ordinal()];
    }

    /** Ciphertexts seen, whatever their outcome. */
    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** Ciphertexts dropped (every status but {@link SframeReceiveStatus#OK}). */
    public long dropped() {
        return total() - count(SframeReceiveStatus.OK);
    }

    /** Plaintext bytes of the {@link SframeReceiveStatus#OK} ciphertexts. */
    public long plaintextBytes() {
        return plaintextBytes;
    }

    /** Counts per status, zero counts omitted. */
    public Map<SframeReceiveStatus, Long> asMap() {
        Map<SframeReceiveStatus, Long> m = new EnumMap<>(SframeReceiveStatus.class);
        for (SframeReceiveStatus s : SframeReceiveStatus.values()) {
            if (counts[s.ordinal()] != 0) {
                m.put(s, counts[s.ordinal()]);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return "SframeReceiverStats" + asMap() + " plaintextBytes=" + plaintextBytes;
    }
}
