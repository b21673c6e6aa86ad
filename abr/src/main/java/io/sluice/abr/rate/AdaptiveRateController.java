package io.sluice.abr.rate;

import io.sluice.abr.tcp.SendQueueController;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.VideoSize;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.EncoderControl;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.core.spi.RateController;
import io.sluice.core.spi.RateControllerProvider;
import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.TransportState;
import io.sluice.core.time.Ticker;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one {@link RateController} for every transport kind: turns each transport's estimate into an available
 * video bitrate, lets the slowest (or, if configured, the fastest) transport govern, and sets the video
 * encoder's target bitrate and picture size.
 *
 * <ul>
 *   <li><b>Estimates.</b> {@link BandwidthEstimate.Kind#SEND_RATE} reports (RTMP's send buffer: drain rate,
 *       queued bytes, queued media in {@link BandwidthEstimate#queueDelayUs()}) drive a
 *       {@link SendQueueController} per transport. {@link BandwidthEstimate.Kind#TRANSPORT_CC},
 *       {@link BandwidthEstimate.Kind#REMB} and {@link BandwidthEstimate.Kind#LOSS} are a congestion
 *       controller's own judgement and are taken as they are. {@link BandwidthEstimate.Kind#DELIVERY_RATE}
 *       is ignored: it never exceeds the send rate, so following it could only ratchet down.</li>
 *   <li><b>Link rate → video target.</b> The video target is the link rate less packet overhead (3 % for RTMP's
 *       FLV tags and chunk headers, 5 % for RTP, UDP, IP and SRTP headers on ~1200-byte packets), less the
 *       retransmission share (the reported loss fraction, for RTP), less what the other tracks need
 *       ({@code reservedBps}, the audio bitrate), within the user's min..max.</li>
 *   <li><b>Start.</b> The user's start rate; else, when a transport measures a network path, below the maximum
 *       (see {@link #attach}), from where RTMP's {@link SendQueueController} doubles it each second while the
 *       send queue stays empty; else the maximum.</li>
 *   <li><b>Changes.</b> Decreases apply at once (from 3 %); increases from 5 % and at most once a second, so an
 *       encoder that must reopen to change its rate (OpenH264) does not emit a keyframe per report.</li>
 *   <li><b>Picture size</b> ({@link ResolutionLadder}): one step down when the target falls below the current
 *       size's minimum for 1 s (at once below 75 % of it), one step up when it has stayed 30 % above the next
 *       size's minimum (or at the maximum) for 4 s, at most one change per 2 s; never down while the target is
 *       at the maximum (the network is then not the limit: a low configured bitrate keeps its size); never above the encoder's starting size, aspect
 *       ratio kept, even dimensions. The encoder codes the first frame at a new size as an IDR picture.</li>
 *   <li><b>Several transports.</b> {@link AdaptiveBitrate.Governing#SLOWEST} by default; a transport that is
 *       {@link TransportState#RECONNECTING}, failed or closed drops out until it is connected again (its queue
 *       controller then starts measuring anew).</li>
 * </ul>
 * Frame rate stays the encoder's: only bitrate and size adapt.
 *
 * <p>Thread-safe (every method holds the instance lock; none blocks); time comes from the injected
 * {@link Ticker}.
 */
public final class AdaptiveRateController implements RateController {
    static final double RTMP_OVERHEAD = 0.03;
    static final double RTP_OVERHEAD = 0.05;
    private static final double DECREASE_STEP = 0.03;
    private static final double INCREASE_STEP = 0.05;
    private static final long INCREASE_INTERVAL_NANOS = 1_000_000_000L;
    private static final long SIZE_DOWN_HOLD_NANOS = 1_000_000_000L;
    private static final long SIZE_UP_HOLD_NANOS = 4_000_000_000L;
    private static final long SIZE_CHANGE_INTERVAL_NANOS = 2_000_000_000L;
    private static final double SIZE_DOWN_AT_ONCE = 0.75;
    private static final double SIZE_UP_MARGIN = 1.3;
    /** The lowest automatic start over a network path, bit/s: libwebrtc's default start bitrate. */
    static final long NETWORK_START_BPS = 300_000;
    /** The automatic start over a network path is at least this fraction of the maximum. */
    static final double NETWORK_START_FRACTION = 0.25;

    private final AdaptiveBitrate config;
    private final long reservedBps;
    private final boolean networkPath;
    private final Ticker ticker;
    private final Consumer<RateDecision> decisions;
    private final SendQueueController.Config queueConfig;
    private final Map<URI, Path> paths = new LinkedHashMap<>();

    private EncoderControl video;
    private long minBps;
    private long maxBps;
    private long targetBps;
    private long lastIncreaseNanos = Long.MIN_VALUE;
    private ResolutionLadder ladder;
    private int rung;
    private long lastSizeChangeNanos = Long.MIN_VALUE;
    /** Since when the target has been below the current rung's minimum / above the next one's, or MIN_VALUE. */
    private long belowSinceNanos = Long.MIN_VALUE;
    private long aboveSinceNanos = Long.MIN_VALUE;
    private RateDecision current;

    /** One transport's view of the network. */
    private static final class Path {
        final URI uri;
        boolean active = true;
        SendQueueController queue;
        BandwidthEstimate.Kind kind;
        /** Available video bitrate after overhead, retransmissions and the reserve, bit/s; -1 before any estimate. */
        long videoBps = -1;
        long linkBps;
        RateChangeReason reason = RateChangeReason.INITIAL;

        Path(URI uri) {
            this.uri = uri;
        }
    }

    /**
     * @param config      bounds, start rate and policy ({@link AdaptiveBitrate#enabled()} is the caller's business)
     * @param reservedBps bit/s the transports carry besides video (audio), &ge; 0
     * @param ticker      the clock (simulated in tests)
     * @param decisions   receives every decision that changed the target or the picture size
     * @throws IllegalArgumentException if {@code reservedBps < 0}
     */
    public AdaptiveRateController(AdaptiveBitrate config, long reservedBps, Ticker ticker, Consumer<RateDecision> decisions) {
        this(config, reservedBps, false, ticker, decisions, SendQueueController.Config.defaults());
    }

    /**
     * A pipeline's controller: as {@link #AdaptiveRateController(AdaptiveBitrate, long, Ticker, Consumer)}, and
     * when {@link RateControllerProvider.Context#networkPath()} the automatic start is below the maximum (see
     * {@link #attach}).
     */
    public AdaptiveRateController(RateControllerProvider.Context context) {
        this(context.config(), context.reservedBps(), context.networkPath(), context.ticker(), context.decisions(),
                SendQueueController.Config.defaults());
    }

    /**
     * As {@link #AdaptiveRateController(AdaptiveBitrate, long, Ticker, Consumer)} with the RTMP queue controller's
     * tuning.
     *
     * @param networkPath whether a transport measures a network path (the automatic start is then below the maximum)
     */
    public AdaptiveRateController(AdaptiveBitrate config, long reservedBps, boolean networkPath, Ticker ticker,
                                  Consumer<RateDecision> decisions, SendQueueController.Config queueConfig) {
        this.networkPath = networkPath;
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.decisions = Objects.requireNonNull(decisions, "decisions");
        this.queueConfig = Objects.requireNonNull(queueConfig, "queueConfig");
        if (reservedBps < 0) {
            throw new IllegalArgumentException("reservedBps: " + reservedBps + " (expected: >= 0)");
        }
        this.reservedBps = reservedBps;
    }

    /**
     * Takes the encoder's current target as the maximum unless {@link AdaptiveBitrate#maxBitrateBps()} is set, its
     * current size as the top of the {@link ResolutionLadder}, and sets the start rate: the user's
     * {@link AdaptiveBitrate#startBitrateBps()} if set; else, with a measured network path, the largest of
     * {@value #NETWORK_START_BPS} bit/s (libwebrtc's default start), a quarter of the maximum (two doublings of
     * the start-up ramp reach it) and the top rung's minimum (so the start does not change the picture size, a
     * keyframe, while the ramp is under way), within min..max: the first keyframe and TCP's first windows then fit
     * a path slower than the maximum instead of overflowing its queue before the first report; without one, the
     * maximum (nothing would ever raise a lower start). A {@code null} encoder (no video encoding) makes this
     * controller inert.
     */
    @Override
    public synchronized void attach(EncoderControl video) {
        this.video = video;
        if (video == null) {
            return;
        }
        maxBps = config.maxBitrateBps() > 0 ? config.maxBitrateBps() : video.targetBitrate();
        minBps = Math.min(config.minBitrateBps(), maxBps);
        VideoSize size = video.resolution();
        if (config.adaptResolution() && size != null) {
            ladder = ResolutionLadder.below(size);
            rung = 0;
        }
        long start = maxBps;
        if (config.startBitrateBps() > 0) {
            start = config.startBitrateBps();
        } else if (networkPath) {
            start = Math.max(NETWORK_START_BPS, (long) (maxBps * NETWORK_START_FRACTION));
            if (ladder != null) {
                start = Math.max(start, ladder.get(0).minBps());
            }
        }
        targetBps = Math.max(minBps, Math.min(maxBps, start));
        if (video.targetBitrate() != targetBps) {
            video.setTargetBitrate(targetBps);
        }
        current = new RateDecision(targetBps, 0, size, RateChangeReason.INITIAL, null, false);
    }

    @Override
    public synchronized void onBandwidthEstimate(URI transport, BandwidthEstimate estimate) {
        if (video == null) {
            return;
        }
        Path p = paths.computeIfAbsent(transport, Path::new);
        double overhead;
        long link;
        switch (estimate.kind()) {
            case SEND_RATE -> {
                overhead = RTMP_OVERHEAD;
                if (p.queue == null) {
                    p.queue = new SendQueueController(queueConfig, linkRate(minBps, overhead, 0), linkRate(maxBps, overhead, 0),
                            linkRate(targetBps, overhead, 0), linkRate(0, overhead, 0));
                }
                link = p.queue.onReport(nowUs(), estimate.bitrateBps(), estimate.queuedBytes(), estimate.queueDelayUs(),
                        linkRate(targetBps, overhead, 0));
                p.reason = p.queue.reason() == RateChangeReason.INITIAL ? RateChangeReason.MEASURED : p.queue.reason();
            }
            case TRANSPORT_CC, REMB, LOSS -> {
                overhead = RTP_OVERHEAD;
                link = estimate.bitrateBps();
                p.reason = estimate.reason();
            }
            default -> {
                return; // DELIVERY_RATE: see the class doc
            }
        }
        double loss = estimate.kind() == BandwidthEstimate.Kind.SEND_RATE ? 0 : estimate.lossFraction();
        p.kind = estimate.kind();
        p.linkBps = link;
        p.videoBps = Math.max(0, (long) (link * (1 - overhead) * (1 - loss)) - reservedBps);
        update();
    }

    @Override
    public synchronized void onTransportState(URI transport, TransportState state) {
        Path p = paths.get(transport);
        if (p == null) {
            return;
        }
        boolean active = state == TransportState.CONNECTED || state == TransportState.CONNECTING;
        if (active && !p.active && p.queue != null) {
            p.queue.reset(nowUs());
        }
        p.active = active;
        if (video != null) {
            update();
        }
    }

    @Override
    public synchronized RateDecision current() {
        return current;
    }

    /** Link rate that carries {@code videoBps} plus the reserve. */
    private long linkRate(long videoBps, double overhead, double loss) {
        return (long) Math.ceil((videoBps + reservedBps) / ((1 - overhead) * (1 - loss)));
    }

    private long nowUs() {
        return ticker.nanoTime() / 1000;
    }

    private void update() {
        long now = ticker.nanoTime();
        Path governing = null;
        for (Path p : paths.values()) {
            if (!p.active || p.videoBps < 0) {
                continue;
            }
            if (governing == null || (config.governing() == AdaptiveBitrate.Governing.SLOWEST
                    ? p.videoBps < governing.videoBps : p.videoBps > governing.videoBps)) {
                governing = p;
            }
        }
        if (governing == null) {
            return; // no connected transport measures anything: keep the target
        }
        long wanted = Math.max(minBps, Math.min(maxBps, governing.videoBps));
        boolean changed = false;
        if (wanted <= targetBps * (1 - DECREASE_STEP) || wanted < targetBps && wanted == minBps) {
            targetBps = wanted;
            changed = true;
        } else if ((wanted >= targetBps * (1 + INCREASE_STEP) || wanted > targetBps && wanted == maxBps)
                && (lastIncreaseNanos == Long.MIN_VALUE || now - lastIncreaseNanos >= INCREASE_INTERVAL_NANOS)) {
            targetBps = wanted;
            lastIncreaseNanos = now;
            changed = true;
        }
        if (changed) {
            video.setTargetBitrate(targetBps);
        }
        boolean sizeChanged = ladder != null && adaptSize(now);
        if (changed || sizeChanged) {
            current = new RateDecision(targetBps, governing.videoBps, ladder != null ? ladder.get(rung).size() : video.resolution(),
                    governing.reason, governing.uri, sizeChanged);
            decisions.accept(current);
        }
    }

    /** One hysteresis step of the picture size; returns whether the size changed. */
    private boolean adaptSize(long now) {
        ResolutionLadder.Rung r = ladder.get(rung);
        boolean mayChange = lastSizeChangeNanos == Long.MIN_VALUE || now - lastSizeChangeNanos >= SIZE_CHANGE_INTERVAL_NANOS;
        // At the maximum the network is not what limits the picture: a user who asks for 720p at 300 kbit/s gets it.
        if (targetBps < r.minBps() && targetBps < maxBps && rung < ladder.size() - 1) {
            aboveSinceNanos = Long.MIN_VALUE;
            if (belowSinceNanos == Long.MIN_VALUE) {
                belowSinceNanos = now;
            }
            boolean due = targetBps < r.minBps() * SIZE_DOWN_AT_ONCE || now - belowSinceNanos >= SIZE_DOWN_HOLD_NANOS;
            if (due && mayChange) {
                return moveTo(rung + 1, now);
            }
            return false;
        }
        belowSinceNanos = Long.MIN_VALUE;
        if (rung > 0 && (targetBps >= ladder.get(rung - 1).minBps() * SIZE_UP_MARGIN || targetBps >= maxBps)) {
            if (aboveSinceNanos == Long.MIN_VALUE) {
                aboveSinceNanos = now;
            }
            if (now - aboveSinceNanos >= SIZE_UP_HOLD_NANOS && mayChange) {
                return moveTo(rung - 1, now);
            }
            return false;
        }
        aboveSinceNanos = Long.MIN_VALUE;
        return false;
    }

    private boolean moveTo(int index, long now) {
        VideoSize s = ladder.get(index).size();
        if (!video.setResolution(s.width(), s.height())) {
            ladder = null; // the encoder cannot change its size: adapt the bitrate only
            return false;
        }
        rung = index;
        lastSizeChangeNanos = now;
        belowSinceNanos = Long.MIN_VALUE;
        aboveSinceNanos = Long.MIN_VALUE;
        return true;
    }

    @Override
    public synchronized String toString() {
        return "AdaptiveRateController{" + config + ", target " + targetBps / 1000 + " kb/s"
                + (ladder != null ? ", " + ladder.get(rung).size() : "") + '}';
    }
}
