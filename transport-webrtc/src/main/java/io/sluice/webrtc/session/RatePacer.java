package io.sluice.webrtc.session;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.ProbeClusterConfig;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * A leaky-bucket {@link Pacer} in the way of libwebrtc's {@code PacingController}: packets leave at the
 * {@link PacerConfig#pacingRateBps() pacing rate} in bursts of at most {@link #DEFAULT_BURST_INTERVAL}
 * worth of bytes; probe clusters go out at their own rate; padding fills the link up to the
 * {@link PacerConfig#paddingRateBps() padding rate} when no media waits.
 *
 * <ul>
 * <li><b>Media debt.</b> Every sent byte adds to a debt that drains at the pacing rate (never below 0,
 *     so an idle link earns no burst). A packet may leave while the debt is at most one burst interval's
 *     worth of bytes: 5 ms by default, the size of GCC's send-time groups (draft-ietf-rmcat-gcc-02 §5.2,
 *     libwebrtc's 5 ms burst grouping), so a burst never splits the delay signal across groups and adds
 *     at most 5 ms of queue at a bottleneck running at the pacing rate, and absorbs a driver's 1 ms timer
 *     slack. A driver that wakes later while packets wait gets the time it slept back as credit (up to
 *     {@link #DEFAULT_MAX_CATCH_UP}), so the average rate holds on a loaded machine.</li>
 * <li><b>Queue time limit.</b> When the queue would take longer than {@link #DEFAULT_MAX_QUEUE_TIME}
 *     (2 s, libwebrtc's {@code kMaxExpectedQueueLength}) to drain, the pacer drains at the rate that
 *     empties it in the time left: queued bytes ÷ (limit − the oldest packet's wait), at least 1 ms.</li>
 * <li><b>Probes.</b> While a probe cluster is pending, its schedule governs: the n-th probe byte leaves at
 *     the cluster's start + n × 8 / cluster rate; packets are marked with the cluster's
 *     {@link PacedPacketInfo} (audio excepted) and do not add to the media debt. A cluster ends when it
 *     has sent its {@link ProbeClusterConfig#minBytes()} and {@link ProbeClusterConfig#targetProbeCount()};
 *     one that has not started {@value #PROBE_TIMEOUT_MS} ms after it was added is dropped.</li>
 * <li><b>Hold-back.</b> While packets wait and no probe cluster is pending, the pacer asks to be woken no
 *     sooner than {@link #DEFAULT_MAX_HOLD_BACK} or {@value #HOLD_BACK_PACKETS} packets' time at the drain rate,
 *     whichever is shorter ({@link #wakeTime}), and the late wake-up's credit sends what was owed meanwhile: at
 *     4 Mbit/s two 1200-octet packets every 5 ms instead of one every 2.4 ms. Bursts stay within the burst
 *     allowance; only the number of wake-ups changes. libwebrtc's {@code TaskQueuePacedSender} bounds its sleep the
 *     same way ({@code max_hold_back_window}, optionally in packets) and does not hold back while probing.</li>
 * <li><b>Padding.</b> A second debt, fed by every sent byte, drains at the padding rate; padding is
 *     wanted when it and the media debt are paid and no media waits.</li>
 * </ul>
 *
 * <p>Until the first {@link #setPacerConfig} (or {@link #setTargetBitrate}), packets leave at once.
 * Sans-IO, times are ns arguments; not thread-safe.
 */
public final class RatePacer implements Pacer {
    /** Default burst: 5 ms of the pacing rate. */
    public static final Duration DEFAULT_BURST_INTERVAL = Duration.ofMillis(5);
    /**
     * Default catch-up: after a late wake-up with packets queued, up to 200 ms of the rate may leave at once
     * (what the queue was owed while the driver slept; libwebrtc's interval budget keeps up to 500 ms of
     * underuse while backlogged).
     */
    public static final Duration DEFAULT_MAX_CATCH_UP = Duration.ofMillis(200);
    /**
     * Default hold-back: a pacer with packets waiting wakes up at most every 5 ms ({@link #wakeTime}). A WHEP viewer
     * paced at ~5 Mbit/s ({@code WhepViewerEngineBenchmark}: a 2.6 Mbit/s stream, GCC's probes bounded by the
     * stream) woke 245 times a simulated second without it and 127 with it; each wake-up is a timer task on the
     * server's event loop.
     */
    public static final Duration DEFAULT_MAX_HOLD_BACK = Duration.ofMillis(5);
    /** The hold-back is at most this many packets' time at the drain rate (a fast pacer is not held back 5 ms). */
    public static final int HOLD_BACK_PACKETS = 3;
    /** Default limit of the queue's drain time: 2 s. */
    public static final Duration DEFAULT_MAX_QUEUE_TIME = Duration.ofSeconds(2);
    /** Largest padding packet asked for, bytes (an MTU-sized RTP packet). */
    public static final int MAX_PADDING_BYTES = 1200;
    /** Smallest padding packet asked for, bytes. */
    public static final int MIN_PADDING_BYTES = 50;
    private static final long PROBE_TIMEOUT_MS = 5000;
    private static final double NS_PER_S = 1e9;
    /** Debts under a byte count as paid (rounding of the drain). */
    private static final double EPSILON_BYTES = 1.0;

    private final long burstNanos;
    private final long maxQueueNanos;
    private final long maxCatchUpNanos = DEFAULT_MAX_CATCH_UP.toNanos();
    private final long maxHoldBackNanos;
    private final ArrayDeque<Cluster> clusters = new ArrayDeque<>();
    private boolean configured;
    private long pacingRateBps;
    private long paddingRateBps;
    /** The rate the media debt drains at now (the pacing rate, or faster for the queue time limit). */
    private long drainRateBps;
    private double mediaDebt;
    private double paddingDebt;
    private long lastNanos;
    private boolean started;

    private static final class Cluster {
        final ProbeClusterConfig config;
        final PacedPacketInfo info;
        final long addedNanos;
        long startNanos;
        boolean sending;
        long sentBytes;
        int sentProbes;

        Cluster(ProbeClusterConfig config, long addedNanos) {
            this.config = config;
            this.info = new PacedPacketInfo(config.id(), config.targetProbeCount(), config.minBytes());
            this.addedNanos = addedNanos;
        }

        long nextSendNanos(long nowNanos) {
            return sending ? startNanos + (long) Math.ceil(sentBytes * 8 * NS_PER_S / config.targetBitrateBps())
                    : nowNanos;
        }

        boolean done() {
            return sentBytes >= config.minBytes() && sentProbes >= config.targetProbeCount();
        }
    }

    /** A pacer with {@link #DEFAULT_BURST_INTERVAL}, {@link #DEFAULT_MAX_QUEUE_TIME} and {@link #DEFAULT_MAX_HOLD_BACK}. */
    public RatePacer() {
        this(DEFAULT_BURST_INTERVAL, DEFAULT_MAX_QUEUE_TIME, DEFAULT_MAX_HOLD_BACK);
    }

    /**
     * A pacer with {@link #DEFAULT_MAX_HOLD_BACK}, or the burst interval if that is shorter.
     *
     * @param burstInterval the burst allowance, as time at the pacing rate, 0..100 ms
     * @param maxQueueTime  the longest the queue may take to drain, 100 ms..10 s
     * @throws IllegalArgumentException if either is out of range
     */
    public RatePacer(Duration burstInterval, Duration maxQueueTime) {
        this(burstInterval, maxQueueTime, burstInterval.compareTo(DEFAULT_MAX_HOLD_BACK) < 0 && !burstInterval.isNegative()
                ? burstInterval : DEFAULT_MAX_HOLD_BACK);
    }

    /**
     * @param burstInterval the burst allowance, as time at the pacing rate, 0..100 ms
     * @param maxQueueTime  the longest the queue may take to drain, 100 ms..10 s
     * @param maxHoldBack   the longest a wake-up is held back while packets wait ({@link #wakeTime}), 0..burstInterval
     *                      (0: wake at every packet's send time; longer than the burst interval would let one
     *                      wake-up send more than a burst)
     * @throws IllegalArgumentException if any is out of range
     */
    public RatePacer(Duration burstInterval, Duration maxQueueTime, Duration maxHoldBack) {
        if (burstInterval.isNegative() || burstInterval.compareTo(Duration.ofMillis(100)) > 0) {
            throw new IllegalArgumentException("burstInterval: " + burstInterval + " (expected: 0..100 ms)");
        }
        if (maxQueueTime.compareTo(Duration.ofMillis(100)) < 0 || maxQueueTime.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("maxQueueTime: " + maxQueueTime + " (expected: 100 ms..10 s)");
        }
        if (maxHoldBack.isNegative() || maxHoldBack.compareTo(burstInterval) > 0) {
            throw new IllegalArgumentException("maxHoldBack: " + maxHoldBack + " (expected: 0.." + burstInterval + ")");
        }
        this.maxHoldBackNanos = maxHoldBack.toNanos();
        this.burstNanos = burstInterval.toNanos();
        this.maxQueueNanos = maxQueueTime.toNanos();
    }

    /** The configured pacing rate, bit/s (0 until configured). */
    public long pacingRateBps() {
        return pacingRateBps;
    }

    /** The configured padding rate, bit/s. */
    public long paddingRateBps() {
        return paddingRateBps;
    }

    /** Probe clusters not finished yet. */
    public int pendingProbeClusters() {
        return clusters.size();
    }

    private void advance(long nowNanos) {
        advance(nowNanos, nowNanos);
    }

    /**
     * Drains the debts up to {@code nowNanos}. The media debt floors at 0, except for the part of the
     * interval during which packets were queued (since {@code backlogSinceNanos}): that part is owed to
     * the queue and becomes credit (negative debt, at most {@link #DEFAULT_MAX_CATCH_UP} of the rate), so a
     * driver that wakes late catches up instead of losing rate.
     */
    private void advance(long nowNanos, long backlogSinceNanos) {
        if (!started) {
            started = true;
            lastNanos = nowNanos;
            return;
        }
        long elapsed = nowNanos - lastNanos;
        if (elapsed <= 0) {
            return;
        }
        long backlogged = Math.min(maxCatchUpNanos, nowNanos - Math.max(lastNanos, backlogSinceNanos));
        double floor = backlogged > 0 ? -drainRateBps * (backlogged / NS_PER_S) / 8 : 0;
        lastNanos = nowNanos;
        mediaDebt = Math.max(Math.min(floor, Math.max(0, mediaDebt)), mediaDebt - drainRateBps * (elapsed / NS_PER_S) / 8);
        paddingDebt = Math.max(0, paddingDebt - paddingRateBps * (elapsed / NS_PER_S) / 8);
    }

    private double burstBytes(long rateBps) {
        return rateBps * (burstNanos / NS_PER_S) / 8;
    }

    /** When the media debt allows a packet at {@code rateBps}, ns. */
    private long mediaTime(long nowNanos, long rateBps) {
        double over = mediaDebt - burstBytes(rateBps) - EPSILON_BYTES;
        if (over <= 0) {
            return nowNanos;
        }
        return nowNanos + (long) Math.ceil(over * 8 * NS_PER_S / Math.max(1, rateBps));
    }

    private Cluster activeCluster(long nowNanos) {
        Cluster c;
        while ((c = clusters.peekFirst()) != null
                && (c.done() || (!c.sending && nowNanos - c.addedNanos > PROBE_TIMEOUT_MS * 1_000_000L))) {
            clusters.pollFirst();
        }
        return c;
    }

    @Override
    public long sendTime(long nowNanos, int sizeBytes) {
        return sendTime(nowNanos, sizeBytes, sizeBytes, nowNanos);
    }

    @Override
    public long sendTime(long nowNanos, int sizeBytes, long queuedBytes, long oldestEnqueuedNanos) {
        if (!configured) {
            return nowNanos;
        }
        advance(nowNanos, oldestEnqueuedNanos);
        Cluster c = activeCluster(nowNanos);
        if (c != null) {
            return c.nextSendNanos(nowNanos);
        }
        long left = Math.max(1_000_000L, maxQueueNanos - (nowNanos - oldestEnqueuedNanos));
        long needed = (long) Math.ceil(queuedBytes * 8 * NS_PER_S / left);
        drainRateBps = Math.max(pacingRateBps, needed);
        return mediaTime(nowNanos, drainRateBps);
    }

    /**
     * {@code sendTimeNanos}, held back to at least {@code nowNanos} + min({@link #DEFAULT_MAX_HOLD_BACK} (or the
     * configured hold-back), {@value #HOLD_BACK_PACKETS} × {@code sizeBytes}' time at the drain rate) when the packet
     * cannot leave now and no probe cluster is pending (a cluster keeps its own schedule).
     */
    @Override
    public long wakeTime(long nowNanos, long sendTimeNanos, int sizeBytes) {
        if (!configured || maxHoldBackNanos == 0 || sendTimeNanos - nowNanos <= 0 || activeCluster(nowNanos) != null) {
            return sendTimeNanos;
        }
        long packets = (long) (HOLD_BACK_PACKETS * sizeBytes * 8 * NS_PER_S / Math.max(1, drainRateBps));
        long holdBack = Math.min(maxHoldBackNanos, packets);
        return sendTimeNanos - (nowNanos + holdBack) >= 0 ? sendTimeNanos : nowNanos + holdBack;
    }

    @Override
    public void onSent(long nowNanos, int sizeBytes) {
        onSent(nowNanos, sizeBytes, PacedPacketInfo.NONE);
    }

    @Override
    public void onSent(long nowNanos, int sizeBytes, PacedPacketInfo info) {
        if (!configured) {
            return;
        }
        advance(nowNanos);
        if (paddingRateBps > 0) {
            paddingDebt += sizeBytes;
        }
        Cluster c = info.isProbe() ? clusters.peekFirst() : null;
        if (c != null && c.info.probeClusterId() == info.probeClusterId()) {
            if (!c.sending) {
                c.sending = true;
                c.startNanos = nowNanos;
            }
            c.sentBytes += sizeBytes;
            c.sentProbes++;
            if (c.done()) {
                clusters.pollFirst();
            }
        } else {
            mediaDebt += sizeBytes;
        }
    }

    @Override
    public void setTargetBitrate(long bitrateBps) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        configured = true;
        pacingRateBps = bitrateBps;
        drainRateBps = Math.max(drainRateBps, bitrateBps);
    }

    @Override
    public void setPacerConfig(long nowNanos, PacerConfig config) {
        advance(nowNanos);
        setTargetBitrate(config.pacingRateBps());
        drainRateBps = config.pacingRateBps();
        if (paddingRateBps == 0) {
            paddingDebt = 0; // padding (re)starts now, not after what was sent while there was none
        }
        paddingRateBps = config.paddingRateBps();
    }

    @Override
    public void addProbeCluster(long nowNanos, ProbeClusterConfig cluster) {
        configured = true;
        advance(nowNanos);
        clusters.addLast(new Cluster(cluster, nowNanos));
    }

    @Override
    public PacedPacketInfo pacedPacketInfo(long nowNanos) {
        Cluster c = activeCluster(nowNanos);
        return c == null ? PacedPacketInfo.NONE : c.info;
    }

    @Override
    public int paddingBytes(long nowNanos) {
        if (!configured) {
            return 0;
        }
        advance(nowNanos);
        Cluster c = activeCluster(nowNanos);
        if (c != null) {
            if (c.nextSendNanos(nowNanos) - nowNanos > 0) {
                return 0;
            }
            long remaining = c.config.minBytes() - c.sentBytes;
            return (int) Math.max(MIN_PADDING_BYTES, Math.min(MAX_PADDING_BYTES, remaining));
        }
        if (paddingRateBps <= 0 || paddingDebt > EPSILON_BYTES || mediaTime(nowNanos, pacingRateBps) - nowNanos > 0) {
            return 0;
        }
        return (int) Math.max(MIN_PADDING_BYTES, Math.min(MAX_PADDING_BYTES, Math.round(burstBytes(paddingRateBps))));
    }

    @Override
    public long paddingTime(long nowNanos) {
        if (!configured) {
            return Long.MAX_VALUE;
        }
        advance(nowNanos);
        Cluster c = activeCluster(nowNanos);
        if (c != null) {
            return c.nextSendNanos(nowNanos);
        }
        if (paddingRateBps <= 0) {
            return Long.MAX_VALUE;
        }
        double over = paddingDebt - EPSILON_BYTES;
        long paddingAt = over <= 0 ? nowNanos : nowNanos + (long) Math.ceil(over * 8 * NS_PER_S / paddingRateBps);
        return Math.max(paddingAt, mediaTime(nowNanos, pacingRateBps));
    }
}
