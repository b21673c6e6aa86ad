package io.sluice.crypto;

import java.util.EnumMap;
import java.util.Map;

/**
 * Immutable snapshot of an {@link SframeEncryptor}'s or {@link SframeDecryptor}'s counters: frames in
 * and out, payload bytes in and out, and dropped frames per {@link SframeDropReason}.
 */
public final class SframeTransformStats {
    private final long framesIn;
    private final long framesOut;
    private final long bytesIn;
    private final long bytesOut;
    private final long[] drops;

    SframeTransformStats(long framesIn, long framesOut, long bytesIn, long bytesOut, long[] drops) {
        this.framesIn = framesIn;
        this.framesOut = framesOut;
        this.bytesIn = bytesIn;
        this.bytesOut = bytesOut;
        this.drops = drops.clone();
    }

    /** Frames handed to {@code apply}. */
    public long framesIn() {
        return framesIn;
    }

    /** Frames returned (encrypted or decrypted); {@code framesIn() - dropped()}. */
    public long framesOut() {
        return framesOut;
    }

    /** Payload bytes of all input frames. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Payload bytes of all returned frames. */
    public long bytesOut() {
        return bytesOut;
    }

    /** Frames dropped for {@code reason}. */
    public long drops(SframeDropReason reason) {
        return drops[reason.ordinal()];
    }

    /** Frames dropped for any reason. */
    public long dropped() {
        long t = 0;
        for (long d : drops) {
            t += d;
        }
        return t;
    }

    /** Drops per reason, zero counts omitted. */
    public Map<SframeDropReason, Long> dropsByReason() {
        Map<SframeDropReason, Long> m = new EnumMap<>(SframeDropReason.class);
        for (SframeDropReason r : SframeDropReason.values()) {
            if (drops[r.ordinal()] != 0) {
                m.put(r, drops[r.ordinal()]);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return "SframeTransformStats{in=" + framesIn + " frames/" + bytesIn + " B, out=" + framesOut + " frames/"
                + bytesOut + " B, drops=" + dropsByReason() + '}';
    }
}
