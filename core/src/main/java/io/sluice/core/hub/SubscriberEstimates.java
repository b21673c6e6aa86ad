package io.sluice.core.hub;

import io.sluice.core.spi.BandwidthEstimate;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * A snapshot of what the viewers of one hub stream can take: the fresh bandwidth estimates their
 * subscriptions reported ({@link StreamHub.Subscription#reportEstimate}), for a publisher or a ladder
 * transcoder choosing bitrates and rungs.
 *
 * @param subscribers every subscriber of the stream at the snapshot, reporting or not (&ge; 0)
 * @param estimates   the fresh estimates (one per reporting subscriber, at most
 *                    {@link StreamHub.Builder#estimateMaxAge} old), sorted by
 *                    {@link BandwidthEstimate#bitrateBps()} ascending; immutable
 */
public record SubscriberEstimates(int subscribers, List<BandwidthEstimate> estimates) {
    /**
     * @throws IllegalArgumentException if {@code subscribers} is negative or smaller than the number of estimates
     */
    public SubscriberEstimates {
        if (subscribers < estimates.size()) {
            throw new IllegalArgumentException("subscribers: " + subscribers + " (expected: >= " + estimates.size() + " estimates)");
        }
        estimates = estimates.stream().sorted(Comparator.comparingLong(BandwidthEstimate::bitrateBps)).toList();
    }

    /** @return how many subscribers reported a fresh estimate */
    public int reporting() {
        return estimates.size();
    }

    /** @return the lowest fresh estimate in bit/s, empty if none reported */
    public OptionalLong minBitrateBps() {
        return estimates.isEmpty() ? OptionalLong.empty() : OptionalLong.of(estimates.get(0).bitrateBps());
    }

    /**
     * The nearest-rank percentile of the fresh estimates: the smallest reported bitrate such that at
     * least {@code percent} % of the reporting subscribers report at most it.
     *
     * @param percent 0..100 (0 gives the minimum, 50 the median, 100 the maximum)
     * @return bit/s, empty if none reported
     * @throws IllegalArgumentException if {@code percent} is outside 0..100
     */
    public OptionalLong percentileBitrateBps(double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 0..100)");
        }
        if (estimates.isEmpty()) {
            return OptionalLong.empty();
        }
        int rank = Math.max(1, (int) Math.ceil(percent / 100 * estimates.size()));
        return OptionalLong.of(estimates.get(rank - 1).bitrateBps());
    }
}
