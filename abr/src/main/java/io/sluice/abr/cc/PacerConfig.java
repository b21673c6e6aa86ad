package io.sluice.abr.cc;

/**
 * How fast the pacer drains its queue.
 *
 * @param pacingRateBps rate media leaves the pacer, bit/s (a multiple of the target, see the controller)
 * @param paddingRateBps rate the pacer fills with padding when there is no media, bit/s (0: no padding)
 */
public record PacerConfig(long pacingRateBps, long paddingRateBps) {
    public PacerConfig {
        if (pacingRateBps < 0 || paddingRateBps < 0) {
            throw new IllegalArgumentException("rates must be >= 0: " + pacingRateBps + ", " + paddingRateBps);
        }
    }
}
