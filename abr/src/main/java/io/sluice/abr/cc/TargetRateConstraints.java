package io.sluice.abr.cc;

/**
 * Bounds from the application.
 *
 * @param minBitrateBps   the target never goes below this, bit/s (&gt; 0)
 * @param startBitrateBps the target before any feedback, bit/s
 * @param maxBitrateBps   the target never goes above this, bit/s
 */
public record TargetRateConstraints(long minBitrateBps, long startBitrateBps, long maxBitrateBps) {
    /** libwebrtc's defaults: 30 kbit/s min, 300 kbit/s start, no practical max (here 20 Mbit/s). */
    public static final TargetRateConstraints DEFAULT = new TargetRateConstraints(30_000, 300_000, 20_000_000);

    public TargetRateConstraints {
        if (minBitrateBps <= 0 || startBitrateBps < minBitrateBps || maxBitrateBps < startBitrateBps) {
            throw new IllegalArgumentException("expected 0 < min <= start <= max, got min " + minBitrateBps
                    + ", start " + startBitrateBps + ", max " + maxBitrateBps + " bit/s");
        }
    }
}
