package io.sluice.abr.gcc;

/**
 * Tunables of {@link GccNetworkController}. Immutable; start from {@link #DEFAULT} and derive with the
 * {@code with…} methods.
 *
 * @param pacingFactor        pacing rate = this × target (default {@value #DEFAULT_PACING_FACTOR}, see
 *                            {@link #DEFAULT_PACING_FACTOR}); &ge; 1
 * @param paddingRateBps      the pacer pads up to min(this, target) when media runs short, bit/s (default 0:
 *                            padding only inside probe clusters)
 * @param alrEstimateCapFactor while application-limited the delay-based estimate is capped at this × the
 *                            acknowledged rate (default 1.25); &gt; 1
 * @param alrBandwidthUsageRatio the sender is application-limited when it sends less than this × the target
 *                            (default 0.75; libwebrtc 0.65). With 0.65 ALR only starts once the target exceeds
 *                            1.54 × the send rate, so AIMD's own increase limit (1.5 × acknowledged + 10 kbit/s)
 *                            plus keyframe noise in the acknowledged rate let the estimate settle at 1.5–1.6 × the
 *                            send rate in simulation; 0.75 starts ALR, and the cap, at 1.33 ×
 * @param periodicAlrProbing  whether to probe at 2 × the estimate every 5 s while application-limited (default true)
 * @param stableProbeIntervalUs probe at 2 × the target once the delay detector has seen no overuse for this long
 *                            while the sender sent at least 95 % of its target (probes excluded) over the last second, µs (default 2 s; 0: never). Not in
 *                            libwebrtc, whose only way up outside ALR is AIMD's 8 %/s: in the RFC 8867 §5.1
 *                            simulation that takes 14 s to reach 90 % of a 1 → 2.5 Mbit/s step
 * @param relay               the sender relays a stream whose rate does not follow the target (a WHEP session
 *                            playing a published stream or a ladder's rung; default false). A relay sends the
 *                            stream's keyframes, 8–9 × its average frame, above the path's rate and is
 *                            application-limited between them, and the target only chooses its rung. Four changes:
 *                            <ul>
 *                            <li>a decrease on overuse never goes under β × the highest rate the path delivered of
 *                            this flow over 200 ms windows in the last second
 *                            ({@link ReceiveRate#recentDeliveredRateBps()}). A relay overuses at each keyframe,
 *                            when the path delivers its capacity, while its acknowledged rate is the stream's
 *                            average: with the default decrease the target sat at 2.08 Mbit/s for a 2.5 Mbit/s
 *                            stream playing without loss on a 3.5 Mbit/s path (simulation, {@code GccScenarios
 *                            relayed}); with the floor 2.8 Mbit/s. Nor under β × the receive rate of the last
 *                            500 ms ({@link ReceiveRate#rateBps()}) when that is above the acknowledged rate: a
 *                            Bayesian average that, application-limited, lagged what the path delivered (behind a
 *                            350 kbit/s tbf, Chromium viewers on a 245 kbit/s rung had 206-288 kbit/s acknowledged
 *                            while 350-380 kbit/s arrived; the cut went to 170-250 kbit/s and a rung lower, and with
 *                            this floor to 285-330 kbit/s and stayed: {@code WhepLadderViewersBench}, session 20);</li>
 *                            <li>no fallback to β × the link capacity estimate when a decrease would not lower
 *                            the estimate ({@link AimdRateControl#linkCapacityFallback});</li>
 *                            <li>every probe result that raises the estimate holds the ALR cap off for 5 s, as a
 *                            requested probe's does: a relay on a lower rung is application-limited by choice, and
 *                            a periodic ALR probe that shows room for the next rung was otherwise capped back to
 *                            1.2 × its rung within 0.7 s, before the rung's next keyframe;</li>
 *                            <li>the ALR cap is 1.2 × the highest acknowledged rate of the last 10 s, not of now: a
 *                            relay whose source stalls for seconds acknowledges only audio, and the cap took a
 *                            viewer on a 6 Mbit/s path to 125 kbit/s and its lowest rung.</li>
 *                            </ul>
 *                            Off for encoders that follow the target: on the bursty LTE uplink trace the floor's
 *                            shallower cuts raised the p95 bottleneck delay from 73 to 192 ms.
 */
public record GccConfig(double pacingFactor, long paddingRateBps, double alrEstimateCapFactor,
                        double alrBandwidthUsageRatio, boolean periodicAlrProbing, long stableProbeIntervalUs,
                        boolean relay) {
    /**
     * Default pacing factor: 1.1 (str0m's; libwebrtc uses 2.5). Measured in the simulation ({@code GccScenarios},
     * keyframe = 4 × an average frame every 3 s): at 2.5 the pacer releases each keyframe well above the
     * bottleneck rate, the queue it builds trips the overuse detector at keyframes, and the target settles at
     * 0.78/0.80 of a 500/800 kbit/s link (1.1: 0.85/0.88), RFC 8867 §5.1 steady segments reach 0.59–0.85 utilization
     * (1.1: 0.87–0.91) and the run's p95 bottleneck delay is 108 ms (1.1: 45 ms). The price is pacer latency: a
     * keyframe waits up to ~80 ms (p95) in the pacer at 1.1 against ~10 ms at 2.5.
     */
    public static final double DEFAULT_PACING_FACTOR = 1.1;

    public static final GccConfig DEFAULT = new GccConfig(DEFAULT_PACING_FACTOR, 0, 1.2, 0.8, true, 2_000_000,
            false);

    public GccConfig {
        if (!(pacingFactor >= 1)) {
            throw new IllegalArgumentException("pacingFactor: " + pacingFactor + " (expected: >= 1)");
        }
        if (paddingRateBps < 0) {
            throw new IllegalArgumentException("paddingRateBps: " + paddingRateBps + " (expected: >= 0)");
        }
        if (stableProbeIntervalUs < 0) {
            throw new IllegalArgumentException("stableProbeIntervalUs: " + stableProbeIntervalUs + " (expected: >= 0)");
        }
        if (!(alrBandwidthUsageRatio > 0 && alrBandwidthUsageRatio < 1)) {
            throw new IllegalArgumentException("alrBandwidthUsageRatio: " + alrBandwidthUsageRatio
                    + " (expected: 0 < r < 1)");
        }
        if (!(alrEstimateCapFactor > 1)) {
            throw new IllegalArgumentException("alrEstimateCapFactor: " + alrEstimateCapFactor + " (expected: > 1)");
        }
    }

    public GccConfig withPacingFactor(double factor) {
        return new GccConfig(factor, paddingRateBps, alrEstimateCapFactor, alrBandwidthUsageRatio, periodicAlrProbing,
                stableProbeIntervalUs, relay);
    }

    public GccConfig withPaddingRateBps(long bps) {
        return new GccConfig(pacingFactor, bps, alrEstimateCapFactor, alrBandwidthUsageRatio, periodicAlrProbing,
                stableProbeIntervalUs, relay);
    }

    public GccConfig withAlrEstimateCapFactor(double factor) {
        return new GccConfig(pacingFactor, paddingRateBps, factor, alrBandwidthUsageRatio, periodicAlrProbing,
                stableProbeIntervalUs, relay);
    }

    public GccConfig withAlrBandwidthUsageRatio(double ratio) {
        return new GccConfig(pacingFactor, paddingRateBps, alrEstimateCapFactor, ratio, periodicAlrProbing,
                stableProbeIntervalUs, relay);
    }

    public GccConfig withPeriodicAlrProbing(boolean enabled) {
        return new GccConfig(pacingFactor, paddingRateBps, alrEstimateCapFactor, alrBandwidthUsageRatio, enabled,
                stableProbeIntervalUs, relay);
    }

    public GccConfig withStableProbeIntervalUs(long intervalUs) {
        return new GccConfig(pacingFactor, paddingRateBps, alrEstimateCapFactor, alrBandwidthUsageRatio,
                periodicAlrProbing, intervalUs, relay);
    }

    /** With {@link #relay()} set: for a WHEP session relaying a published stream. */
    public GccConfig withRelay(boolean enabled) {
        return new GccConfig(pacingFactor, paddingRateBps, alrEstimateCapFactor, alrBandwidthUsageRatio,
                periodicAlrProbing, stableProbeIntervalUs, enabled);
    }
}
