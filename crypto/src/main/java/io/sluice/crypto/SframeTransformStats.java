package io.sluice.crypto;

import java.util.EnumMap;
import java.util.Map;

/**
 * Immutable snapshot of an {@link SframeEncryptor}'s or {@link SframeDecryptor}'s counters: frames in
 * and out, payload bytes in and out, and dropped frames per {@link SframeDropReason}; for an encryptor also the
 * CTRs it skipped to keep H.264 slice headers RTP-safe ({@link SframeEncryptor.Builder#rtpSafeSliceHeaders}).
 */
public final class SframeTransformStats {
    private final long framesIn;
    private final long framesOut;
    private final long bytesIn;
    private final long bytesOut;
    private final long[] drops;
    private final long ctrsSkipped;
    private final long unsafeSliceHeaders;

    SframeTransformStats(long framesIn, long framesOut, long bytesIn, long bytesOut, long[] drops) {
        this(framesIn, framesOut, bytesIn, bytesOut, drops, 0, 0);
    }

    SframeTransformStats(long framesIn, long framesOut, long bytesIn, long bytesOut, long[] drops, long ctrsSkipped,
            long unsafeSliceHeaders) {
        this.ctrsSkipped = ctrsSkipped;
        this.unsafeSliceHeaders = unsafeSliceHeaders;
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

    /**
     * Encryptor: CTR values skipped (never used) so that encrypted H.264 slices start with an RTP-safe
     * slice-header prefix; unsigned. Always 0 for a decryptor.
     */
    public long ctrsSkipped() {
        return ctrsSkipped;
    }

    /**
     * Encryptor: slice NAL units encrypted with a header that is not RTP-safe because the bounded CTR search
     * found none (RTP receivers that parse slice headers, such as Chromium, may drop them). Always 0 for a
     * decryptor.
     */
    public long unsafeSliceHeaders() {
        return unsafeSliceHeaders;
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
                + bytesOut + " B, drops=" + dropsByReason()
                + (ctrsSkipped != 0 || unsafeSliceHeaders != 0
                        ? ", ctrsSkipped=" + Long.toUnsignedString(ctrsSkipped) + ", unsafeSliceHeaders=" + unsafeSliceHeaders : "")
                + '}';
    }
}
