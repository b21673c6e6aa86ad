package io.sluice.abr.cc;

/**
 * How fast the pacer drains its queue.
 *
 * @param pacingRateBps  rate media leaves the pacer, bit/s (a multiple of the target, see the controller)
 * @param paddingRateBps rate the pacer fills with padding when there is no media, bit/s (0: no padding)
 * @param afterLargeCut  whether the controller just cut the target far below what the path carried (its capacity
 *                       fell) and paces at the target to let the bottleneck drain: media made at the old rate should
 *                       not follow (Sluice's WHIP client then sheds video behind its pacer sooner). The controller says
 *                       it once, in every config of that window, so that senders need not infer it from the rates.
 */
public record PacerConfig(long pacingRateBps, long paddingRateBps, boolean afterLargeCut) {
    public PacerConfig {
        if (pacingRateBps < 0 || paddingRateBps < 0) {
            throw new IllegalArgumentException("rates must be >= 0: " + pacingRateBps + ", " + paddingRateBps);
        }
    }

    /** A config outside a large cut's window. */
    public PacerConfig(long pacingRateBps, long paddingRateBps) {
        this(pacingRateBps, paddingRateBps, false);
    }
}
