package io.sluice.abr.tcp;

import io.sluice.core.spi.RateChangeReason;
import java.util.ArrayDeque;

/**
 * Rate control for a publisher over TCP (RTMP), from its own send buffer: how much media waits to be written,
 * and how fast the socket takes bytes while it is backlogged. Sans-IO: the caller passes each measurement with
 * its time and reads {@link #targetBps()}.
 *
 * <p>It does what OBS's dynamic bitrate does (cut when the send buffer holds too much, raise while it stays
 * empty), but faster both ways:
 * <ul>
 *   <li><b>Start-up</b>: from the start rate (a guess below the path, see {@code AdaptiveRateController}) the
 *       target doubles every second ({@link Config#startupPerSecond()}) until the queue first grows.</li>
 *   <li><b>Cut</b> when at least {@link Config#cutQueueUs()} (200 ms) of media waits and, with the send buffer
 *       holding media, the socket drains under 80 % of the target, or on a second report in a row on which the send
 *       buffer held media and did not shrink, or on a third report in a row with the media past the send buffer (in
 *       the network), or at twice that queue on one (so a keyframe burst, which drains at the target or faster, does not cut while it drains, nor
 *       while it crosses the network): straight to the measured
 *       drain rate less a margin, less what it takes to empty the queue within {@link Config#drainHorizonUs()}, and
 *       never below {@link Config#floorFraction()} of the video's share (the drain rate less the reserved audio).
 *       The drain rate is bits over time across the busy period (the intervals with media queued at both ends, the
 *       last second of them), what the path carried, so one cut lands under the capacity instead of OBS's repeated
 *       10 % steps.</li>
 *   <li><b>Recover</b> while the queue stays empty: quickly (×{@link Config#recoverPerSecond()} per second) back
 *       to {@link Config#operatingPoint()} of the capacity last measured, slowly
 *       (×{@link Config#nearCapacityPerSecond()}) around it; once the target has passed the old capacity, or stayed
 *       at the operating point for {@link Config#probeAfterUs()}, with the queue still empty, the capacity is stale:
 *       probe upward at ×{@link Config#probePerSecond()} per second until the queue grows again. The target rises
 *       to at most 1.5 × the last second's drain rate (what the encoder really produced) during start-up, while
 *       application-limited (under 2/3 of what was asked drained), and while a probe is still near the capacity it
 *       found stale; once the path has carried 1.1 × that capacity, an encoder that lags its setting (x264) no longer
 *       slows the probe. A restored
 *       capacity is reached to 90 % within about 5 s, where OBS's +10 % every 4 s needs up to 40 s.</li>
 *   <li>It never disconnects and never goes below the minimum; dropping media when even the minimum does not
 *       fit is the transport's job (RTMP drops whole GOP tails after 2 s of backlog).</li>
 * </ul>
 *
 * <p>Rates are the link rate the transport sends (all tracks and the protocol's framing); the caller turns the
 * target into an encoder target. Times are µs on the caller's monotonic clock. Not thread-safe.
 */
public final class SendQueueController {
    /** Reports older than this do not count as the interval of the next one (a stall, a reconnect). */
    private static final long MAX_INTERVAL_US = 1_000_000;
    /** How much of the current busy period (queued media at both ends of each interval) the capacity estimate spans. */
    private static final long CAPACITY_WINDOW_US = 1_000_000;
    /** How long every report's drain rate is kept as the rate actually sent (see {@link #increase}). */
    private static final long SENT_WINDOW_US = 1_000_000;
    /**
     * The target rises to at most this multiple of what the transport was asked to carry, and, while
     * application-limited, of what it really sent in the last {@link #SENT_WINDOW_US}.
     */
    private static final double SENT_HEADROOM = 1.5;
    /**
     * Application-limited when the last {@link #SENT_WINDOW_US} drained less than this fraction of the rate the
     * transport was asked to carry in the same intervals: below it the target stays within {@link #SENT_HEADROOM} ×
     * the drain rate, so it is never more than 1.5 × what is really sent (the criterion, libwebrtc's ALR
     * cap); at or above it the encoder is following its setting, only below it (x264 drained 0.62–0.73 of its
     * setting over the second after each raise on the bench), and a cap on the drain rate would slow a probe to
     * ~1.15 × a second instead of {@link Config#probePerSecond()}.
     */
    private static final double APP_LIMITED_RATIO = 1 / SENT_HEADROOM;
    /**
     * While probing above a stale capacity, the path counts as grown once the last {@link #SENT_WINDOW_US} drained
     * this multiple of it with the queue empty: only then is the target freed from the cap on the drain rate. Near the
     * old capacity (a steady path) the cap keeps the probe gentle: with x264 lagging its setting by about a second,
     * an uncapped ×1.4 a second probe passed a steady 1 Mbit/s path by 50 % before the queue showed, and filled the
     * bottleneck to 220 ms (bench, session 7).
     */
    private static final double GROWN_ABOVE = 1.1;
    /**
     * Bytes in the send buffer from which it counts as holding media back. Under it, queued media is in the network
     * (RTMP adds the path's standing queue, smoothed RTT − min RTT) or an audio frame in passing.
     */
    private static final long MIN_BACKLOG_BYTES = 2_000;

    private final Config config;
    /** Link rate of the tracks that do not adapt (audio), bit/s: a cut's floor is taken on the rest. */
    private final long reservedBps;
    private long minBps;
    private long maxBps;
    private long targetBps;
    private RateChangeReason reason = RateChangeReason.INITIAL;
    /** Drain rate while backlogged, bit/s; 0 while unknown or stale. */
    private long capacityBps;
    /** The capacity a probe found stale, bit/s, until the next cut; 0 if none. */
    private long staleCapacityBps;
    private long lastSampleUs = Long.MIN_VALUE;
    private long lastCutUs = Long.MIN_VALUE;
    private int overReports;
    /** Queued bytes at the previous report. */
    private long lastQueuedBytes;
    /** Before the first cut and before the queue first grew past {@link Config#backlogUs()}: ramping up from the start rate. */
    private boolean startup = true;
    /** Since when the queue has stayed empty with the target at or above the operating point, µs; MIN_VALUE if not. */
    private long nearCapacitySinceUs = Long.MIN_VALUE;
    /**
     * The intervals of the current busy period (media queued at both ends: the path, not the encoder, set the pace)
     * within {@link #CAPACITY_WINDOW_US}: {timeUs, bps, intervalUs}.
     */
    private final ArrayDeque<long[]> drainSamples = new ArrayDeque<>();
    private boolean lastBacklogged;
    /**
     * Every report's drain rate within {@link #SENT_WINDOW_US}, with the rate the transport was asked to carry
     * during its interval (the previous report's {@code sendingBps}, 0 if unknown): {timeUs, drainBps, askedBps}.
     */
    private final ArrayDeque<long[]> sentSamples = new ArrayDeque<>();
    /** {@code sendingBps} of the previous report: what was asked during the interval that ends at the next one. */
    private long lastSendingBps;

    /**
     * @param config   thresholds and rates
     * @param minBps   lowest target, bit/s, &gt; 0
     * @param maxBps   highest target, bit/s, &ge; {@code minBps}
     * @param startBps target before the first report, bit/s, clamped to min..max
     * @throws IllegalArgumentException if the bounds are not positive or min &gt; max
     */
    public SendQueueController(Config config, long minBps, long maxBps, long startBps) {
        this(config, minBps, maxBps, startBps, 0);
    }

    /**
     * @param config      thresholds and rates
     * @param minBps      lowest target, bit/s, &gt; 0
     * @param maxBps      highest target, bit/s, &ge; {@code minBps}
     * @param startBps    target before the first report, bit/s, clamped to min..max
     * @param reservedBps link rate of the tracks whose rate does not follow the target (audio), bit/s, &ge; 0: a cut's
     *                    floor ({@link Config#floorFraction()}) is taken on the drain rate less this, the share the
     *                    video encoder can give back, not on the whole drain rate
     * @throws IllegalArgumentException if the bounds are not positive, min &gt; max or {@code reservedBps < 0}
     */
    public SendQueueController(Config config, long minBps, long maxBps, long startBps, long reservedBps) {
        this.config = java.util.Objects.requireNonNull(config, "config");
        if (reservedBps < 0) {
            throw new IllegalArgumentException("reservedBps: " + reservedBps + " (expected: >= 0)");
        }
        this.reservedBps = reservedBps;
        setBounds(minBps, maxBps);
        this.targetBps = clamp(startBps);
    }

    /**
     * New bounds; the target is clamped into them at once.
     *
     * @throws IllegalArgumentException if {@code minBps <= 0} or {@code maxBps < minBps}
     */
    public void setBounds(long minBps, long maxBps) {
        if (minBps <= 0 || maxBps < minBps) {
            throw new IllegalArgumentException("bounds: " + minBps + ".." + maxBps + " bit/s (expected: 0 < min <= max)");
        }
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.targetBps = clamp(targetBps);
    }

    /**
     * One report of the transport's send buffer (RTMP sends one every 100–250 ms).
     *
     * @param nowUs          when it was measured, µs, monotonic, never earlier than the previous report
     * @param drainBps       bytes that left the send buffer for the socket since the previous report, as bit/s
     * @param queuedBytes    bytes waiting in the send buffer now
     * @param queuedMediaUs  media time waiting now, µs (newest DTS offered − newest DTS written)
     * @param sendingBps     link rate the transport is actually asked to carry now (the encoder targets plus
     *                       framing), bit/s, or 0 if unknown; the target never rises above 1.5 × this, so a
     *                       sender held lower by something else (another transport, the encoder's maximum) does
     *                       not let the estimate run away from what it tests; nor above 1.5 × the mean drain
     *                       rate of the last second (what the encoder really produced)
     * @return the new target, bit/s
     * @throws IllegalArgumentException if a figure is negative or time went back
     */
    public long onReport(long nowUs, long drainBps, long queuedBytes, long queuedMediaUs, long sendingBps) {
        if (drainBps < 0 || queuedBytes < 0 || queuedMediaUs < 0 || sendingBps < 0) {
            throw new IllegalArgumentException("report: drain " + drainBps + " bit/s, queued " + queuedBytes + " B / "
                    + queuedMediaUs + " us, sending " + sendingBps + " bit/s (expected: >= 0)");
        }
        if (lastSampleUs != Long.MIN_VALUE && nowUs < lastSampleUs) {
            throw new IllegalArgumentException("nowUs: " + nowUs + " (expected: >= previous report " + lastSampleUs + ")");
        }
        long dtUs = lastSampleUs == Long.MIN_VALUE ? 0 : Math.min(MAX_INTERVAL_US, nowUs - lastSampleUs);
        lastSampleUs = nowUs;

        boolean backlogged = queuedMediaUs >= config.backlogUs();
        if (backlogged) {
            startup = false;
        }
        // The path's rate is what it carried over the busy period, the intervals with media queued at both ends: one
        // 200 ms interval alone read anything from 0.2 to 4 Mbit/s on a 2.5 Mbit/s path (TCP's window, a bursty
        // encoder), and a cut on one such reading landed at the floor.
        if (!backlogged) {
            drainSamples.clear();
        } else if (lastBacklogged && dtUs > 0) {
            drainSamples.addLast(new long[] {nowUs, drainBps, dtUs});
        }
        lastBacklogged = backlogged;
        while (!drainSamples.isEmpty() && nowUs - drainSamples.peekFirst()[0] > CAPACITY_WINDOW_US) {
            drainSamples.pollFirst();
        }
        sentSamples.addLast(new long[] {nowUs, drainBps, lastSendingBps});
        lastSendingBps = sendingBps;
        while (nowUs - sentSamples.peekFirst()[0] > SENT_WINDOW_US) {
            sentSamples.pollFirst();
        }

        overReports = queuedMediaUs >= config.cutQueueUs() ? overReports + 1 : 0;
        // One report over the threshold cuts when the socket drains well under the target with the send buffer
        // backed up (a sustained overload); a keyframe burst drains at least at the target, so it needs a second
        // report on which the send buffer held media and did not shrink (a burst that is draining, or one that has
        // left the buffer and is crossing the network, does not cut however long it takes), or twice the threshold.
        boolean held = queuedBytes >= MIN_BACKLOG_BYTES;
        boolean overloaded = overReports >= 1 && held && drainBps > 0 && drainBps < targetBps * 0.8;
        boolean notDraining = overReports >= 2 && held && queuedBytes >= lastQueuedBytes;
        // A queue over the threshold only in the network (the send buffer empty) on a third report in a row is
        // standing, not a keyframe crossing the path: a drop-tail bottleneck of 300 ms never lets such a queue reach
        // twice the threshold, and a probe's overshoot filled it to drops (bench CI run, 35 s).
        boolean standing = overReports >= 3 && !held;
        lastQueuedBytes = queuedBytes;
        if (overloaded || notDraining || standing || queuedMediaUs >= 2 * config.cutQueueUs()) {
            nearCapacitySinceUs = Long.MIN_VALUE;
            cut(nowUs, drainBps, queuedBytes, queuedMediaUs);
            return targetBps;
        }
        // (lastCutUs starts at Long.MIN_VALUE: "now - lastCutUs" would overflow and never allow the first increase)
        boolean holding = lastCutUs != Long.MIN_VALUE && nowUs - lastCutUs < config.holdAfterCutUs();
        if (queuedMediaUs < config.backlogUs() && dtUs > 0 && !holding) {
            increase(nowUs, dtUs, sendingBps);
        } else if (queuedMediaUs >= config.backlogUs()) {
            nearCapacitySinceUs = Long.MIN_VALUE;
        }
        return targetBps;
    }

    private void cut(long nowUs, long drainBps, long queuedBytes, long queuedMediaUs) {
        // Bits over time across the busy period (a step down starts one, so it holds only the new rate); on the
        // first interval of one, that interval's drain rate (partly idle: at most the path's rate).
        double bits = 0;
        long us = 0;
        for (long[] s : drainSamples) {
            bits += (double) s[1] * s[2];
            us += s[2];
        }
        long measured = us > 0 ? (long) (bits / us) : drainBps;
        if (measured <= 0) {
            return; // nothing left the buffer: a stalled socket; the transport's backlog limit handles it
        }
        capacityBps = measured;
        staleCapacityBps = 0;
        // What waits: the send buffer, or the queued media at the measured rate if more (media in the network)
        double queueBits = Math.max(queuedBytes * 8.0, queuedMediaUs * (double) measured / 1_000_000);
        double drainQueueBps = queueBits * 1_000_000 / config.drainHorizonUs();
        // The floor is taken on what the video encoder can give back: half of (drain − audio), not half the drain,
        // which with 128 kbit/s of audio on a 0.6 Mbit/s path left video at its minimum.
        long reserved = Math.min(reservedBps, measured);
        double floor = reserved + (measured - reserved) * config.floorFraction();
        long candidate = (long) Math.max(measured * (1 - config.margin()) - drainQueueBps, floor);
        candidate = clamp(candidate);
        if (candidate < targetBps) {
            targetBps = candidate;
            reason = RateChangeReason.QUEUE;
            lastCutUs = nowUs;
        }
    }

    private void increase(long nowUs, long dtUs, long sendingBps) {
        double seconds = dtUs / 1e6;
        double perSecond;
        long ceiling = maxBps;
        // Compared as the same truncated long it is capped at: a target held at the operating point must move on
        // to the next phase, not stay "below" it by the fraction the cast dropped (it stuck there for good).
        long operatingBps = (long) (capacityBps * config.operatingPoint());
        if (capacityBps > 0 && targetBps >= operatingBps) {
            if (nearCapacitySinceUs == Long.MIN_VALUE) {
                nearCapacitySinceUs = nowUs;
            } else if (nowUs - nearCapacitySinceUs >= config.probeAfterUs()) {
                staleCapacityBps = capacityBps;
                capacityBps = 0; // the queue stayed empty at the old capacity: it may have grown, find out
            }
        }
        if (startup) {
            perSecond = config.startupPerSecond();
        } else if (capacityBps > 0 && targetBps < operatingBps) {
            perSecond = config.recoverPerSecond();
            ceiling = Math.min(ceiling, operatingBps);
        } else if (capacityBps > 0 && targetBps < capacityBps * config.staleAbove()) {
            perSecond = config.nearCapacityPerSecond();
        } else {
            if (capacityBps > 0) {
                staleCapacityBps = capacityBps;
            }
            capacityBps = 0; // sent above the old capacity with an empty queue: the path got faster
            perSecond = config.probePerSecond();
        }
        if (sendingBps > 0) {
            ceiling = Math.min(ceiling, Math.max(targetBps, (long) (sendingBps * SENT_HEADROOM)));
        }
        // Application-limited (libwebrtc's ALR): an empty queue says nothing about rates the encoder did not produce
        // (a CPU-starved encoder, a static scene). Without this the target ran up to the maximum while 300 kbit/s
        // flowed, and the first burst the encoder then made at the new target overflowed the path.
        // An encoder that produces most of its setting (x264 under it while its rate control ramps) is not: once the
        // path has carried more than the capacity a probe found stale (GROWN_ABOVE), capping the target on its drain
        // rate only slowed the probe to ~1.15 x a second (1 -> 2.5 Mbit/s in 5-8 s on the bench).
        // The start-up ramp (x2 a second, before any queue was seen) keeps the cap: past the path, the drain rate
        // stops at the path's rate while the target doubles on, and the cap is what bounds its overshoot.
        if (sentSamples.size() >= 2 && sentSamples.peekLast()[0] - sentSamples.peekFirst()[0] >= SENT_WINDOW_US * 3 / 4) {
            long drained = 0;
            long asked = 0;
            boolean askedKnown = true;
            for (long[] x : sentSamples) {
                drained += x[1];
                asked += x[2];
                askedKnown &= x[2] > 0;
            }
            boolean grown = staleCapacityBps > 0 && drained >= staleCapacityBps * GROWN_ABOVE * sentSamples.size();
            if (startup || !grown || !askedKnown || drained < asked * APP_LIMITED_RATIO) {
                ceiling = Math.min(ceiling, Math.max(targetBps, (long) (drained / sentSamples.size() * SENT_HEADROOM)));
            }
        }
        long next = clamp(Math.min(ceiling, (long) Math.ceil(targetBps * Math.pow(perSecond, seconds))));
        if (next > targetBps) {
            targetBps = next;
            reason = capacityBps == 0 ? RateChangeReason.PROBE : RateChangeReason.INCREASE;
        }
    }

    /**
     * Forgets measurements (after a reconnect: a new connection, maybe a new path); the target stays.
     *
     * @param nowUs µs, monotonic
     */
    public void reset(long nowUs) {
        drainSamples.clear();
        lastBacklogged = false;
        sentSamples.clear();
        lastSendingBps = 0;
        capacityBps = 0;
        staleCapacityBps = 0;
        overReports = 0;
        nearCapacitySinceUs = Long.MIN_VALUE;
        startup = false;
        lastSampleUs = nowUs;
    }

    /** The link rate to send at, bit/s. */
    public long targetBps() {
        return targetBps;
    }

    /** Why the target last changed: {@link RateChangeReason#QUEUE} for a cut, INCREASE or PROBE upward, INITIAL before. */
    public RateChangeReason reason() {
        return reason;
    }

    /** The drain rate measured at the last cut, bit/s; 0 while unknown or found stale by a probe. */
    public long capacityBps() {
        return capacityBps;
    }

    private long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }

    /**
     * Thresholds and rates of a {@link SendQueueController}.
     *
     * @param cutQueueUs            queued media that triggers a cut, µs (200 ms)
     * @param backlogUs             queued media under which the buffer counts as empty, µs (50 ms); drain rates are
     *                              capacity measurements only above it
     * @param margin                fraction below the drain rate a cut lands (0.1)
     * @param drainHorizonUs        a cut also leaves room to empty the queue within this, µs (2 s)
     * @param floorFraction         a cut never goes below this fraction of the drain rate (0.5)
     * @param holdAfterCutUs        no increase this long after a cut, µs (500 ms)
     * @param operatingPoint        fraction of the measured capacity to return to quickly (0.9)
     * @param recoverPerSecond      growth per second up to the operating point (1.35)
     * @param nearCapacityPerSecond growth per second between the operating point and {@code staleAbove} (1.05)
     * @param staleAbove            above this multiple of the measured capacity with an empty queue, the capacity
     *                              is stale (1.05)
     * @param probePerSecond        growth per second while probing above a stale or unknown capacity (1.4: a path
     *                              that got 2.5 times faster is reached in under 3 s; 1.2 took 5 s)
     * @param startupPerSecond      growth per second from the start rate until the queue first grows past
     *                              {@code backlogUs} (2.0: the start rate is a guess below the path, see
     *                              {@code AdaptiveRateController}, and the queue tells within a report when it is passed)
     * @param probeAfterUs          once the target has stayed at or above the operating point this long with an empty
     *                              queue, the measured capacity counts as stale and probing starts, µs (1.5 s: the
     *                              ×1.05 per second phase alone took 3 s to pass the old capacity, so a 1 → 2.5 Mbit/s
     *                              step took 6–10 s to reach 90 %; probing costs a 200 ms queue and a cut to 90 % of
     *                              the capacity every few seconds on a steady path)
     */
    public record Config(long cutQueueUs, long backlogUs, double margin, long drainHorizonUs, double floorFraction,
                         long holdAfterCutUs, double operatingPoint, double recoverPerSecond,
                         double nearCapacityPerSecond, double staleAbove, double probePerSecond, double startupPerSecond,
                         long probeAfterUs) {
        public Config {
            if (cutQueueUs <= 0 || backlogUs <= 0 || backlogUs >= cutQueueUs) {
                throw new IllegalArgumentException("cutQueueUs " + cutQueueUs + ", backlogUs " + backlogUs
                        + " (expected: 0 < backlogUs < cutQueueUs)");
            }
            if (margin < 0 || margin >= 1 || floorFraction <= 0 || floorFraction > 1) {
                throw new IllegalArgumentException("margin " + margin + ", floorFraction " + floorFraction
                        + " (expected: 0 <= margin < 1, 0 < floorFraction <= 1)");
            }
            if (drainHorizonUs <= 0 || holdAfterCutUs < 0 || probeAfterUs < 0) {
                throw new IllegalArgumentException("drainHorizonUs " + drainHorizonUs + ", holdAfterCutUs " + holdAfterCutUs
                        + ", probeAfterUs " + probeAfterUs + " (expected: > 0, >= 0, >= 0)");
            }
            if (operatingPoint <= 0 || operatingPoint > 1 || staleAbove < 1 || recoverPerSecond < 1
                    || nearCapacityPerSecond < 1 || probePerSecond < 1 || startupPerSecond < 1) {
                throw new IllegalArgumentException("operatingPoint " + operatingPoint + ", staleAbove " + staleAbove
                        + ", growth " + recoverPerSecond + "/" + nearCapacityPerSecond + "/" + probePerSecond + "/" + startupPerSecond
                        + " (expected: 0 < operatingPoint <= 1 <= staleAbove, growth >= 1)");
            }
        }

        /** The defaults above. */
        public static Config defaults() {
            return new Config(200_000, 50_000, 0.1, 2_000_000, 0.5, 500_000, 0.9, 1.35, 1.05, 1.05, 1.4, 2.0, 1_500_000);
        }
    }
}
