package io.sluice.abr.cc;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link NetworkController} call decided. Null fields mean "unchanged".
 *
 * @param targetRate    a new target for the encoder, or null
 * @param pacerConfig   a new pacing configuration, or null
 * @param probeClusters probe clusters the pacer should send now (empty: none)
 */
public record NetworkControlUpdate(TargetTransferRate targetRate, PacerConfig pacerConfig,
                                   List<ProbeClusterConfig> probeClusters) {
    /** Nothing changed. */
    public static final NetworkControlUpdate NONE = new NetworkControlUpdate(null, null, List.of());

    public NetworkControlUpdate {
        probeClusters = List.copyOf(Objects.requireNonNull(probeClusters, "probeClusters"));
    }

    /** Whether this update changes nothing. */
    public boolean isEmpty() {
        return targetRate == null && pacerConfig == null && probeClusters.isEmpty();
    }
}
