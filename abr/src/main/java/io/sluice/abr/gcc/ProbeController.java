package io.sluice.abr.gcc;

import io.sluice.abr.cc.ProbeClusterConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides when to probe above the estimate (libwebrtc's {@code ProbeController}):
 * <ul>
 *   <li>initial exponential probing at {@link #FIRST_EXPONENTIAL_PROBE_SCALE} and
 *       {@link #SECOND_EXPONENTIAL_PROBE_SCALE} × the start rate;</li>
 *   <li>further probing at {@link #FURTHER_EXPONENTIAL_PROBE_SCALE} × the new estimate while a probe result reaches
 *       {@link #FURTHER_PROBE_THRESHOLD} of the last probe rate (within 1 s of it);</li>
 *   <li>ALR probes at {@link #ALR_PROBE_SCALE} × the estimate every {@link #ALR_PERIODIC_PROBING_INTERVAL_US} while
 *       application-limited, so a sender that is not using its estimate still learns whether it holds;</li>
 *   <li>a recovery probe at 85 % of the rate before a large drop (estimate fell below 66 % within 5 s), requested
 *       when the detector recovers from overuse in or just after ALR;</li>
 *   <li>a stable-period probe at {@link #STABLE_PROBE_SCALE} × the estimate (probing further on
 *       success) when the controller asks for one ({@link #requestStableProbe}; not in libwebrtc, see
 *       {@link GccConfig#stableProbeIntervalUs()}).</li>
 * </ul>
 * Probes never exceed the configured maximum, nor {@link #MAX_PROBE_ALLOCATION_FACTOR} × the streams' total
 * allocation once it is known ({@link #setMaxTotalAllocatedBitrate}), as libwebrtc's {@code ProbeController} bounds
 * them.
 */
public final class ProbeController {
    public static final double FIRST_EXPONENTIAL_PROBE_SCALE = 3.0;
    public static final double SECOND_EXPONENTIAL_PROBE_SCALE = 6.0;
    public static final double FURTHER_EXPONENTIAL_PROBE_SCALE = 2.0;
    public static final double FURTHER_PROBE_THRESHOLD = 0.7;
    public static final double ALR_PROBE_SCALE = 2.0;
    public static final long ALR_PERIODIC_PROBING_INTERVAL_US = 5_000_000;
    /** Probes for a sender that drops media are at least this far apart, µs. */
    public static final long MEDIA_DROP_PROBING_INTERVAL_US = 3_000_000;
    /** A probe cluster lasts this long, µs (libwebrtc: 15 ms). */
    public static final long MIN_PROBE_DURATION_US = 15_000;
    /**
     * A probe the sender asks for ({@link #requestProbeAt}: a viewer's next rung) lasts this long, µs, not
     * {@link #MIN_PROBE_DURATION_US}. A cluster of 15 ms (five packets, 3-6 kB) fits in a token-bucket shaper's burst
     * (tbf's 5,000 octets here) and arrives at the rate it was sent: behind a 350 kbit/s tbf, Chromium's feedback gave
     * clusters sent at 750-790 kbit/s a receive rate of 780-890 kbit/s, the estimate jumped above the path, and the next
     * overuse cut it to 0.85 × the acknowledged rate (240-250 kbit/s), a rung lower ({@code WhepLadderViewersBench},
     * session 20). In simulation ({@code UpDelaySweep}, the same bucket) 150 ms took the failed padding trials on
     * constant 350-450 kbit/s paths from 14-16 a minute to 0-1 and the 95th percentile queue from 95-163 to 33-95 ms;
     * 100 ms still fit the bucket at 400 kbit/s, 200 ms and more lengthened the queue and the loss at 250-300 kbit/s.
     */
    public static final long REQUESTED_PROBE_DURATION_US = 150_000;
    /** A probe cluster holds at least this many packets (libwebrtc: 5). */
    public static final int MIN_PROBE_PACKETS = 5;
    /**
     * A stable-period probe's rate, × the estimate. Lower than {@link #FURTHER_EXPONENTIAL_PROBE_SCALE} so that a
     * path with half the estimate to spare carries it unsaturated (the only result that counts, see
     * {@code GccNetworkController}); a probe that finds room is followed by further probes at 2 ×. With 2 × the
     * §5.1 0.6 → 1 Mbit/s step (1.67 ×) saturated every stable probe and took AIMD's 8.7 s.
     */
    static final double STABLE_PROBE_SCALE = 1.5;
    /**
     * Probes go at most this × the streams' total allocation ({@link #setMaxTotalAllocatedBitrate}; libwebrtc's
     * factor: room for bursty streams). Why: a relay's ALR probes otherwise climb 2 × per cluster to the configured
     * maximum (50 Mbit/s for a WHEP viewer) on a fast path, every 5 s; in {@code WhepViewerEngineBenchmark} (one
     * 2.6 Mbit/s relayed viewer, loopback-like feedback) 7.5 % of the packets sent were probe padding (29 a second),
     * with the bound 0.2 %, and {@code WhepFanOutBenchmark}'s viewers got 3.02 instead of 2.75 Mbit/s (the stream).
     */
    public static final double MAX_PROBE_ALLOCATION_FACTOR = 2.0;
    private static final long MAX_WAITING_TIME_FOR_PROBING_RESULT_US = 1_000_000;
    private static final double BITRATE_DROP_THRESHOLD = 0.66;
    private static final long BITRATE_DROP_TIMEOUT_US = 5_000_000;
    private static final double PROBE_FRACTION_AFTER_DROP = 0.85;
    private static final double PROBE_UNCERTAINTY = 0.05;
    private static final long MIN_TIME_BETWEEN_DROP_PROBES_US = 5_000_000;
    private static final long ALR_ENDED_TIMEOUT_US = 3_000_000;

    private enum State { INIT, WAITING_FOR_PROBING_RESULT, PROBING_COMPLETE }

    private final boolean periodicAlrProbing;
    private State state = State.INIT;
    private long maxBps;
    private long maxTotalAllocatedBps;
    private long startBps;
    private long estimatedBps;
    private long minBitrateToProbeFurther = Long.MAX_VALUE;
    private long timeLastProbingInitiatedUs = Long.MIN_VALUE;
    private long timeOfLastLargeDropUs = Long.MIN_VALUE;
    private long bitrateBeforeLastLargeDrop;
    private long lastDropProbingUs = Long.MIN_VALUE;
    private long alrStartUs = Long.MIN_VALUE;
    private long alrEndUs = Long.MIN_VALUE;
    private int nextClusterId;

    /** @param periodicAlrProbing whether to probe periodically while application-limited */
    public ProbeController(boolean periodicAlrProbing) {
        this.periodicAlrProbing = periodicAlrProbing;
    }

    /**
     * Sets the bounds; the first call starts exponential probing.
     *
     * @return clusters to send now
     */
    public List<ProbeClusterConfig> setBitrates(long minBps, long startBps, long maxBps, long nowUs) {
        if (startBps > 0) {
            this.startBps = startBps;
            this.estimatedBps = startBps;
        } else if (this.startBps == 0) {
            this.startBps = minBps;
        }
        long oldMax = this.maxBps;
        this.maxBps = maxBps;
        if (state == State.INIT) {
            return initiateProbing(nowUs, List.of((long) (FIRST_EXPONENTIAL_PROBE_SCALE * this.startBps),
                    (long) (SECOND_EXPONENTIAL_PROBE_SCALE * this.startBps)), true);
        }
        if (state == State.PROBING_COMPLETE && estimatedBps < oldMax && oldMax < maxBps) {
            return initiateProbing(nowUs, List.of(maxBps), false); // the max went up: see whether it holds
        }
        return List.of();
    }

    /**
     * The controller's target changed.
     *
     * @return clusters to send now (further exponential probing)
     */
    public List<ProbeClusterConfig> setEstimatedBitrate(long bps, long nowUs) {
        if (bps < BITRATE_DROP_THRESHOLD * estimatedBps) {
            timeOfLastLargeDropUs = nowUs;
            bitrateBeforeLastLargeDrop = estimatedBps;
        }
        estimatedBps = bps;
        if (state == State.WAITING_FOR_PROBING_RESULT && bps > minBitrateToProbeFurther) {
            return initiateProbing(nowUs, List.of((long) (FURTHER_EXPONENTIAL_PROBE_SCALE * bps)), true);
        }
        return List.of();
    }

    /**
     * The streams' total allocation: probes go no higher than {@link #MAX_PROBE_ALLOCATION_FACTOR} × it.
     *
     * @param bps bit/s, 0 for unknown (probes bounded by the maximum only)
     * @throws IllegalArgumentException if negative
     */
    public void setMaxTotalAllocatedBitrate(long bps) {
        if (bps < 0) {
            throw new IllegalArgumentException("bps: " + bps + " (expected: >= 0)");
        }
        maxTotalAllocatedBps = bps;
    }

    /** The highest probe rate now, bit/s: the maximum, bounded by the allocation when known. */
    private long maxProbeBps() {
        return maxTotalAllocatedBps > 0 ? Math.min(maxBps, (long) (MAX_PROBE_ALLOCATION_FACTOR * maxTotalAllocatedBps))
                : maxBps;
    }

    /** ALR started at this time, or ended ({@link Long#MIN_VALUE}). */
    public void setAlrStartTime(long alrStartUs) {
        this.alrStartUs = alrStartUs;
    }

    /** ALR ended at this time. */
    public void setAlrEndedTime(long alrEndUs) {
        this.alrEndUs = alrEndUs;
    }

    /**
     * The delay-based detector recovered from overuse: probe back towards the rate before a large drop if the
     * drop was recent and the sender is (or just was) application-limited.
     */
    public List<ProbeClusterConfig> requestProbe(long nowUs) {
        boolean alrEndedRecently = alrEndUs != Long.MIN_VALUE && nowUs - alrEndUs < ALR_ENDED_TIMEOUT_US;
        if ((alrStartUs != Long.MIN_VALUE || alrEndedRecently) && state == State.PROBING_COMPLETE
                && timeOfLastLargeDropUs != Long.MIN_VALUE) {
            long suggested = (long) (PROBE_FRACTION_AFTER_DROP * bitrateBeforeLastLargeDrop);
            long minExpected = (long) ((1 - PROBE_UNCERTAINTY) * suggested);
            if (minExpected > estimatedBps && nowUs - timeOfLastLargeDropUs < BITRATE_DROP_TIMEOUT_US
                    && (lastDropProbingUs == Long.MIN_VALUE
                        || nowUs - lastDropProbingUs > MIN_TIME_BETWEEN_DROP_PROBES_US)) {
                lastDropProbingUs = nowUs;
                return initiateProbing(nowUs, List.of(suggested), false);
            }
        }
        return List.of();
    }

    /**
     * The controller saw no overuse for a while with a sender that uses its target: probe at
     * {@link #STABLE_PROBE_SCALE} × the estimate (probing further on success).
     *
     * @return clusters to send now (empty while another probe is pending)
     */
    public List<ProbeClusterConfig> requestStableProbe(long nowUs) {
        if (state != State.PROBING_COMPLETE || estimatedBps == 0) {
            return List.of();
        }
        return initiateProbing(nowUs, List.of((long) (STABLE_PROBE_SCALE * estimatedBps)), true);
    }

    /**
     * The sender drops media in front of its pacer (it has more to send than the estimate lets out): probe at
     * {@link #FURTHER_EXPONENTIAL_PROBE_SCALE} × the estimate, and further while the result keeps up, at most once
     * per {@link #MEDIA_DROP_PROBING_INTERVAL_US}. Without it a sender whose media cannot follow the estimate (copied
     * video: no encoder to slow down) stays where a transient cut left it, since AIMD may not go above 1.5 × the
     * acknowledged rate and dropped media is never acknowledged. Sluice's own rule; libwebrtc's encoder adapts
     * instead.
     *
     * @return clusters to send now (empty while another probe is pending or one was sent within the interval)
     */
    public List<ProbeClusterConfig> requestMediaDropProbe(long nowUs) {
        if (state != State.PROBING_COMPLETE || estimatedBps == 0 || (timeLastProbingInitiatedUs != Long.MIN_VALUE
                && nowUs - timeLastProbingInitiatedUs < MEDIA_DROP_PROBING_INTERVAL_US)) {
            return List.of();
        }
        return initiateProbing(nowUs, List.of((long) (FURTHER_EXPONENTIAL_PROBE_SCALE * estimatedBps)), true);
    }

    /**
     * The sender asks for a probe at a given rate (its next rung: {@link GccNetworkController#onProbeRequest}).
     *
     * @param nowUs      now, µs
     * @param bitrateBps the rate, bit/s (at most the maximum)
     * @return the cluster to send now, or none while another probe is pending
     */
    public List<ProbeClusterConfig> requestProbeAt(long nowUs, long bitrateBps) {
        if (state != State.PROBING_COMPLETE || bitrateBps <= 0) {
            return List.of();
        }
        return initiateProbing(nowUs, List.of(bitrateBps), false, REQUESTED_PROBE_DURATION_US);
    }

    /** Periodic work: gives up waiting for a result after 1 s, starts ALR probes. */
    public List<ProbeClusterConfig> process(long nowUs) {
        if (timeLastProbingInitiatedUs != Long.MIN_VALUE
                && nowUs - timeLastProbingInitiatedUs > MAX_WAITING_TIME_FOR_PROBING_RESULT_US
                && state == State.WAITING_FOR_PROBING_RESULT) {
            state = State.PROBING_COMPLETE;
            minBitrateToProbeFurther = Long.MAX_VALUE;
        }
        if (estimatedBps == 0 || state != State.PROBING_COMPLETE) {
            return List.of();
        }
        if (periodicAlrProbing && alrStartUs != Long.MIN_VALUE) {
            long next = Math.max(alrStartUs, timeLastProbingInitiatedUs) + ALR_PERIODIC_PROBING_INTERVAL_US;
            if (nowUs >= next) {
                return initiateProbing(nowUs, List.of((long) (ALR_PROBE_SCALE * estimatedBps)), true);
            }
        }
        return List.of();
    }

    private List<ProbeClusterConfig> initiateProbing(long nowUs, List<Long> bitrates, boolean probeFurther) {
        return initiateProbing(nowUs, bitrates, probeFurther, MIN_PROBE_DURATION_US);
    }

    private List<ProbeClusterConfig> initiateProbing(long nowUs, List<Long> bitrates, boolean probeFurther,
                                                     long durationUs) {
        List<ProbeClusterConfig> out = new ArrayList<>();
        long last = 0;
        long maxProbe = maxProbeBps();
        for (long bps : bitrates) {
            if (bps >= maxProbe) {
                bps = maxProbe;
                probeFurther = false;
            }
            out.add(new ProbeClusterConfig(nowUs, nextClusterId++, bps, durationUs, MIN_PROBE_PACKETS));
            last = bps;
            if (!probeFurther) {
                break;
            }
        }
        timeLastProbingInitiatedUs = nowUs;
        if (probeFurther) {
            state = State.WAITING_FOR_PROBING_RESULT;
            minBitrateToProbeFurther = (long) (last * FURTHER_PROBE_THRESHOLD);
        } else {
            state = State.PROBING_COMPLETE;
        }
        return out;
    }
}
