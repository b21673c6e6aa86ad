package io.sluice.abr.cc;

/**
 * A burst the pacer must send at {@code targetBitrateBps}, above the pacing rate, so the controller can
 * measure whether the path carries it. The pacer fills the cluster with media when media waits, else with
 * padding (RTX of recent packets or padding-only RTP packets), and marks each packet with
 * {@link PacedPacketInfo} carrying {@code id}.
 *
 * @param atTimeUs         when it was created, µs
 * @param id               cluster id, unique within a session, ≥ 0
 * @param targetBitrateBps rate to send the cluster at, bit/s
 * @param targetDurationUs how long the cluster should last, µs (libwebrtc: 15 ms)
 * @param targetProbeCount packets it should hold at least (libwebrtc: 5)
 */
public record ProbeClusterConfig(long atTimeUs, int id, long targetBitrateBps, long targetDurationUs,
                                 int targetProbeCount) {
    public ProbeClusterConfig {
        if (id < 0) {
            throw new IllegalArgumentException("id: " + id + " (expected: >= 0)");
        }
        if (targetBitrateBps <= 0) {
            throw new IllegalArgumentException("targetBitrateBps: " + targetBitrateBps + " (expected: > 0)");
        }
    }

    /** Bytes the cluster should send at least: target rate × duration. */
    public int minBytes() {
        return (int) Math.min(Integer.MAX_VALUE, targetBitrateBps * targetDurationUs / 8_000_000L);
    }
}
