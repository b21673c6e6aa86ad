package io.sluice.abr.rate;

import io.sluice.abr.tcp.SendQueueController;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.Rational;
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
 *       encoder that must reopen to change its rate (OpenH264) does not emit a keyframe per report; an encoder
 *       that changes its rate in place ({@link EncoderControl#changesBitrateInPlace}, x264) follows increases from
 *       2 %, at most every 200 ms.</li>
 *   <li><b>Encoder undershoot.</b> Rate-controlled encoders often produce less than their setting (x264 with a
 *       1 s VBV sent 0.78–1.0 × its target on the bottleneck bench; simple scenes far less), and a congestion
 *       controller that sees the sender below its estimate takes it for application-limited and stops probing. The
 *       controller meters the video encoder's output ({@link #onVideoEncoded}) over 2 s of PTS against the mean of
 *       the settings it had over the same time, and, once a second from 0.5 s after the last setting change,
 *       raises the encoder's setting above the target (at most {@value #MAX_BOOST} ×, at most 15 % a second) while
 *       the output would stay under 95 % of the target (aiming at 98 %), and lowers it again when it would exceed the target; any
 *       decrease of the target resets it. Judging against the settings' mean (not only after 2.5 s without a change,
 *       as before) lets it act during a climb, when the target rises every second or two: there the old rule never
 *       judged, and the sender stayed at ~0.9 × its target, under the 0.95 a congestion controller's stable-period
 *       probe asks for (GCC's step up then takes AIMD's 10+ s). An encoder that follows
 *       increases in place changes its setting every 200-400 ms during a climb, each change restarting the 0.5 s
 *       settle, so it is compensated only where the target holds: judging it during the climb (tried) read x264's
 *       lag behind a rising setting as undershoot, boosted, overshot when the climb stopped, and slowed RFC 8867
 *       §5.1's 1 → 2.5 Mbit/s step from 4.6-7.7 s to 10.2-11.7 s on the bottleneck bench. The target (what the
 *       network allows, in {@link RateDecision}) is unchanged: only what the encoder is told moves.</li>
 *   <li><b>Picture size</b> ({@link ResolutionLadder}): one step down when the target falls below the current
 *       size's minimum for 1 s (at once below 75 % of it), one step up when it has stayed 30 % above the next
 *       size's minimum (or at the maximum) for 4 s, at most one change per 2 s; never down while the target is
 *       at the maximum (the network is then not the limit: a low configured bitrate keeps its size); never above the encoder's starting size, aspect
 *       ratio kept, even dimensions. The encoder codes the first frame at a new size as an IDR picture.</li>
 *   <li><b>Frame rate</b> (with {@link AdaptiveBitrate#adaptFrameRate()} and an encoder that reports its
 *       {@link EncoderControl#frameRate()}): below the smallest size the ladder goes on at 1/2 and 1/3 of the frame
 *       rate (not below 5 fps), with the same hysteresis; see {@link ResolutionLadder}. Only reachable when the
 *       user's minimum is below the smallest size's range (the default 150 kbit/s stops at about 270 lines).</li>
 *   <li><b>Several transports.</b> {@link AdaptiveBitrate.Governing#SLOWEST} by default; a transport that is
 *       {@link TransportState#RECONNECTING}, failed or closed drops out until it is connected again (its queue
 *       controller then starts measuring anew).</li>
 * </ul>
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
    /**
     * Increases of an encoder that changes its bitrate in place ({@link EncoderControl#changesBitrateInPlace}, x264):
     * from 2 %, at most every 200 ms. Why: GCC's estimate climbs continuously (8 % a second far from the link
     * capacity), and with 5 % steps once a second the encoder ran about a second behind it, 10–15 % under the
     * target during every climb (bottleneck bench, RFC 8867 §5.1: video target 0.67–0.73 × the estimate on the
     * 0.6 → 1 Mbit/s step, audio reserve included), under the send rate GCC's stable-period probe asks for, so the
     * step up waited for AIMD. Simulation with this controller in the loop ({@code GccScenarios adapted}, nine
     * encoder efficiencies): 90 % of the 1 → 2.5 Mbit/s step in 2.2–6.4 s (2.2–11.3 s with the 1 s rule), steady
     * utilization 0.83–0.87 (0.81–0.86).
     */
    private static final double IN_PLACE_INCREASE_STEP = 0.02;
    private static final long IN_PLACE_INCREASE_INTERVAL_NANOS = 200_000_000L;
    private static final long SIZE_DOWN_HOLD_NANOS = 1_000_000_000L;
    private static final long SIZE_UP_HOLD_NANOS = 4_000_000_000L;
    private static final long SIZE_CHANGE_INTERVAL_NANOS = 2_000_000_000L;
    private static final double SIZE_DOWN_AT_ONCE = 0.75;
    private static final double SIZE_UP_MARGIN = 1.3;
    /** The encoder output meter's window, µs of PTS. */
    static final long OUTPUT_WINDOW_US = 2_000_000;
    /** Access units the meter holds at most: the window at 240 fps, twice over. */
    private static final int OUTPUT_RING = 1024;
    /**
     * How long after a setting change the encoder's output is not judged, ns: its rate control needs about its
     * buffer to follow (333 ms, {@code VideoEncoderConfig.ADAPTIVE_RATE_CONTROL_BUFFER}).
     */
    private static final long OUTPUT_SETTLE_NANOS = 500_000_000L;
    /** Setting changes remembered for the mean over the output window (more than a change per 100 ms never happens). */
    private static final int SETTING_RING = 64;
    private static final long BOOST_INTERVAL_NANOS = 1_000_000_000L;
    /** The largest encoder setting ÷ target. */
    static final double MAX_BOOST = 1.3;
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
    /** Encoder setting ÷ target: &gt; 1 while the encoder produces less than its setting (see the class doc). */
    private double boost = 1.0;
    /** When the encoder's setting last changed (target or boost), ticker ns; its output is judged from then + settle. */
    private long settingChangedNanos = Long.MIN_VALUE;
    private long lastBoostCheckNanos = Long.MIN_VALUE;
    /**
     * The encoder's recent access units, a ring (no allocation per frame): PTS µs and bytes, from {@link #outputHead}
     * for {@link #outputCount} entries, oldest first, spanning at most {@link #OUTPUT_WINDOW_US}.
     */
    private final long[] outputPts = new long[OUTPUT_RING];
    private final int[] outputSizes = new int[OUTPUT_RING];
    /** The encoder's settings, a ring: ticker ns from which each applied, and bit/s, oldest first. */
    private final long[] settingFromNanos = new long[SETTING_RING];
    private final long[] settingBps = new long[SETTING_RING];
    private int settingHead;
    private int settingCount;
    private int outputHead;
    private int outputCount;
    private long outputBytes;
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
        Rational frameRate = config.adaptFrameRate() ? video.frameRate() : null;
        if (size != null && (config.adaptResolution() || frameRate != null)) {
            ladder = ResolutionLadder.below(size, frameRate, config.adaptResolution());
            rung = 0;
            if (ladder.size() == 1) {
                ladder = null; // nothing to step through
            }
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
        recordSetting(ticker.nanoTime(), targetBps);
        current = new RateDecision(targetBps, 0, size, video.frameRate(), RateChangeReason.INITIAL, null, false);
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
        long targetBpsBefore = targetBps;
        boolean changed = false;
        boolean inPlace = video != null && video.changesBitrateInPlace();
        double increaseStep = inPlace ? IN_PLACE_INCREASE_STEP : INCREASE_STEP;
        long increaseInterval = inPlace ? IN_PLACE_INCREASE_INTERVAL_NANOS : INCREASE_INTERVAL_NANOS;
        if (wanted <= targetBps * (1 - DECREASE_STEP) || wanted < targetBps && wanted == minBps) {
            targetBps = wanted;
            changed = true;
        } else if ((wanted >= targetBps * (1 + increaseStep) || wanted > targetBps && wanted == maxBps)
                && (lastIncreaseNanos == Long.MIN_VALUE || now - lastIncreaseNanos >= increaseInterval)) {
            targetBps = wanted;
            lastIncreaseNanos = now;
            changed = true;
        }
        if (changed) {
            if (wanted < targetBpsBefore) {
                boost = 1.0; // the network asked for less: no output above the new target, whatever the encoder did
            }
            applySetting(now);
        }
        boolean sizeChanged = ladder != null && adaptSize(now);
        if (changed || sizeChanged) {
            current = new RateDecision(targetBps, governing.videoBps, ladder != null ? ladder.get(rung).size() : video.resolution(),
                    ladder != null && ladder.get(rung).frameRate() != null ? ladder.get(rung).frameRate() : video.frameRate(),
                    governing.reason, governing.uri, sizeChanged);
            decisions.accept(current);
        }
    }

    /**
     * Measures the encoder's output over the last {@value #OUTPUT_WINDOW_US} µs of PTS and, once a second while the
     * setting has been unchanged for 2.5 s, moves {@link #boost} so that the output approaches the target (see the
     * class doc).
     */
    @Override
    public synchronized void onVideoEncoded(int bytes, long ptsUs) {
        if (video == null) {
            return;
        }
        if (outputCount == OUTPUT_RING) {
            dropOldestOutput();
        }
        int tail = (outputHead + outputCount) % OUTPUT_RING;
        outputPts[tail] = ptsUs;
        outputSizes[tail] = bytes;
        outputCount++;
        outputBytes += bytes;
        while (outputCount > 1 && outputPts[outputHead] <= ptsUs - OUTPUT_WINDOW_US) {
            dropOldestOutput();
        }
        long now = ticker.nanoTime();
        long spanUs = ptsUs - outputPts[outputHead];
        if (spanUs < OUTPUT_WINDOW_US * 9 / 10 || outputCount < 10
                || settingChangedNanos != Long.MIN_VALUE && now - settingChangedNanos < OUTPUT_SETTLE_NANOS
                || lastBoostCheckNanos != Long.MIN_VALUE && now - lastBoostCheckNanos < BOOST_INTERVAL_NANOS) {
            return;
        }
        lastBoostCheckNanos = now;
        // The window's frames, less the newest (its duration is not in the span), over the span, against the mean
        // setting over the same time: what the output would be now, with the current setting, over the target.
        double outBps = (outputBytes - bytes) * 8e6 / spanUs;
        double meanSetting = meanSettingBps(now - spanUs * 1000, now);
        double ratio = meanSetting > 0 ? outBps / meanSetting * boost : outBps / targetBps;
        double next = boost;
        if (ratio < 0.95) {
            next = Math.min(MAX_BOOST, boost * Math.min(1.15, 0.98 / ratio));
        } else if (ratio > 1.0) {
            next = Math.max(1.0, boost * Math.max(0.8, 0.97 / ratio));
        }
        if (Math.abs(next / boost - 1) >= 0.05 || next == 1.0 && boost != 1.0) {
            boost = next;
            applySetting(now);
        }
    }

    private void dropOldestOutput() {
        outputBytes -= outputSizes[outputHead];
        outputHead = (outputHead + 1) % OUTPUT_RING;
        outputCount--;
    }

    /** Sets the encoder to the target times the boost. */
    private void applySetting(long now) {
        long setting = Math.max(1, Math.round(targetBps * boost));
        video.setTargetBitrate(setting);
        settingChangedNanos = now;
        recordSetting(now, setting);
    }

    private void recordSetting(long now, long bps) {
        if (settingCount == SETTING_RING) {
            settingHead = (settingHead + 1) % SETTING_RING;
            settingCount--;
        }
        int tail = (settingHead + settingCount) % SETTING_RING;
        settingFromNanos[tail] = now;
        settingBps[tail] = bps;
        settingCount++;
    }

    /** Time-weighted mean of the encoder's settings over [from, to], ticker ns; 0 if none was recorded by then. */
    private double meanSettingBps(long from, long to) {
        double sum = 0;
        long covered = 0;
        for (int i = 0; i < settingCount; i++) {
            int k = (settingHead + i) % SETTING_RING;
            long start = Math.max(from, settingFromNanos[k]);
            long end = i + 1 < settingCount ? Math.min(to, settingFromNanos[(k + 1) % SETTING_RING]) : to;
            if (end > start) {
                sum += (double) settingBps[k] * (end - start);
                covered += end - start;
            }
        }
        return covered > 0 ? sum / covered : 0;
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
        ResolutionLadder.Rung from = ladder.get(rung);
        ResolutionLadder.Rung to = ladder.get(index);
        if (!to.size().equals(from.size()) && !video.setResolution(to.size().width(), to.size().height())) {
            ladder = null; // the encoder cannot change its size: adapt the bitrate only
            return false;
        }
        if (to.frameRate() != null && !to.frameRate().equals(from.frameRate()) && !video.setFrameRate(to.frameRate())) {
            ladder = ladder.sizesOnly(); // the encoder cannot change its frame rate: sizes only
            if (ladder.size() == 1) {
                ladder = null;
            }
            return false;
        }
        rung = index;
        lastSizeChangeNanos = now;
        settingChangedNanos = now; // the reopened encoder's output is judged anew
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
