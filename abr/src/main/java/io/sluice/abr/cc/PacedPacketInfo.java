package io.sluice.abr.cc;

/**
 * How the pacer sent a packet: as part of a probe cluster or not. A probe's send and arrival times let
 * the controller measure capacity above the current estimate (draft-ietf-rmcat-gcc-02 §5.4 notes;
 * libwebrtc's {@code ProbeBitrateEstimator}).
 *
 * @param probeClusterId        the cluster's id, or {@link #NOT_A_PROBE}
 * @param probeClusterMinProbes packets the cluster must send (0 when not a probe)
 * @param probeClusterMinBytes  bytes the cluster must send (0 when not a probe)
 */
public record PacedPacketInfo(int probeClusterId, int probeClusterMinProbes, int probeClusterMinBytes) {
    /** {@link #probeClusterId} of a packet that is not part of a probe. */
    public static final int NOT_A_PROBE = -1;

    /** A packet sent at the pacing rate, not as a probe. */
    public static final PacedPacketInfo NONE = new PacedPacketInfo(NOT_A_PROBE, 0, 0);

    /** Whether the packet belongs to a probe cluster. */
    public boolean isProbe() {
        return probeClusterId != NOT_A_PROBE;
    }
}
