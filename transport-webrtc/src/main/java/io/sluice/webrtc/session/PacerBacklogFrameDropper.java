package io.sluice.webrtc.session;

import java.time.Duration;

/**
 * Drops video frames in front of the pacer while the pacer already holds more than {@link #maxBacklog()} of
 * media at its pacing rate, from that frame until the next keyframe that fits (so the
 * decoder never sees a frame whose reference is missing), and asks for that keyframe. The role of libwebrtc's
 * encoder-side frame dropping (its {@code DropFrame} congestion-window pushback): the encoder follows a target cut
 * only after a second or so (rate control, a keyframe or a resolution change at the old rate), and what it
 * overshoots must not reach the bottleneck.
 *
 * <p>Why: the pacer ({@link RatePacer}) drains its queue faster than the pacing rate
 * once the queue would take longer than 2 s to drain (libwebrtc's queue time limit). After RFC 8867 §5.1's
 * 2.5 → 0.6 Mbit/s step the controller cut the target to 0.19–0.3 Mbit/s within a second, but the encoder still
 * produced ~1 Mbit/s for that second; the queue limit then pushed that backlog out at the link's rate for 3 more
 * seconds and the bottleneck stayed full (260–360 ms) for 6 s. With the backlog kept under 1 s at the pacing rate,
 * the pacer never hits that limit and the bottleneck sees at most the pacing rate.
 *
 * <p>Nothing is dropped in the first {@link #START_GRACE_US} after the first video frame: the pacing rate then
 * still comes from the start rate (GCC's 300 kbit/s), not from the path, and the initial probes raise it within a
 * few hundred ms on a path that has the capacity. Judged against the start rate, a pipeline that copies its video
 * (a 43 kB keyframe at 595 kbit/s in {@code WhipToWhepChromiumTest}: over 1 s at 330 kbit/s) had every frame after
 * its first keyframe dropped until the source's next one, 5 s later. The pacer's own queue time limit bounds what
 * the grace lets through.
 *
 * <p>After a large cut (the network controller cut its target far below what the path carried and says so in its
 * pacer config, {@link io.sluice.abr.cc.PacerConfig#afterLargeCut()}) the limit is {@link #AFTER_CUT_MAX_BACKLOG}
 * for {@link #AFTER_CUT_US}. Why: the frames the
 * encoder makes in the second after a cut are at the old rate, and whatever the pacer holds of them it sends at its
 * rate, about the new capacity, so the queue the step filled at the bottleneck cannot drain until they are gone
 * (bottleneck bench, RFC 8867 §5.1's 2.5 → 0.6 Mbit/s step: 90 kB held after the cut, the bottleneck over 100 ms for
 * 4 s). Dropping that overshoot costs one freeze until the keyframe asked for, which the step's own loss would cost
 * anyway.
 *
 * <p>Used by the WHIP client (in front of its encoder's output) and by every WHEP viewer session (in front of the
 * copied stream: there the "keyframe asked for" goes to the publisher or the rendition ladder, and a viewer on a path
 * that carries less than its rung holds the last picture instead of congesting its path).
 *
 * <p>Audio is never dropped. Sans-IO (time is an argument), not thread-safe.
 */
public final class PacerBacklogFrameDropper {
    /** Default: 1 s at the pacing rate (a keyframe of 10 average frames at 30 fps is ~300 ms of it). */
    public static final Duration DEFAULT_MAX_BACKLOG = Duration.ofSeconds(1);
    /** How long after the first video frame nothing is dropped, µs. */
    public static final long START_GRACE_US = 1_000_000;
    /** The backlog limit after a large cut: 250 ms at the pacing rate (a keyframe at the new rate still fits). */
    public static final Duration AFTER_CUT_MAX_BACKLOG = Duration.ofMillis(250);
    /** How long the lower limit holds after a large cut, µs. */
    public static final long AFTER_CUT_US = 3_000_000;

    /** What to do with one video frame. */
    public enum Decision {
        /** Hand it to the engine. */
        SEND,
        /** Drop it; a keyframe was already asked for. */
        DROP,
        /** Drop it and ask the encoder for a keyframe. */
        DROP_AND_REQUEST_KEYFRAME
    }

    private final long maxBacklogUs;
    private boolean dropping;
    private long dropped;
    private long firstFrameUs = Long.MIN_VALUE;
    private long graceUntilUs = Long.MIN_VALUE;
    private boolean droppingForCut;

    public PacerBacklogFrameDropper() {
        this(DEFAULT_MAX_BACKLOG);
    }

    /**
     * @param maxBacklog the pacer backlog at which video is dropped, as time at the pacing rate, 100 ms..10 s
     * @throws IllegalArgumentException if out of range
     */
    public PacerBacklogFrameDropper(Duration maxBacklog) {
        if (maxBacklog.compareTo(Duration.ofMillis(100)) < 0 || maxBacklog.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("maxBacklog: " + maxBacklog + " (expected: 100 ms..10 s)");
        }
        this.maxBacklogUs = maxBacklog.toNanos() / 1000;
    }

    /**
     * Nothing is dropped before {@code untilUs} (besides {@link #START_GRACE_US}): for a backlog the caller put in the
     * pacer on purpose and knows drains by then, such as a WHEP viewer's join (the GOP cache, up to a whole GOP,
     * sent at the pacing floor while the live frames keep coming). A later call replaces an earlier one.
     *
     * @param untilUs µs, on the clock of {@link #onVideoFrame}
     */
    public void graceUntil(long untilUs) {
        graceUntilUs = untilUs;
    }

    /** The backlog at which video is dropped. */
    public Duration maxBacklog() {
        return Duration.ofNanos(maxBacklogUs * 1000);
    }

    /** Whether video is being dropped until the next keyframe. */
    public boolean dropping() {
        return dropping;
    }

    /**
     * Whether the current drops started under the lower limit after a large cut rather than the normal one: the
     * encoder's overshoot of a cut, not a sender with more media than the path takes, so no reason to probe
     * ({@code NetworkController.onMediaDropped}).
     */
    public boolean droppingForCut() {
        return dropping && droppingForCut;
    }

    /** Video frames dropped so far. */
    public long dropped() {
        return dropped;
    }

    /**
     * Decides about one video frame about to be handed to the engine.
     *
     * @param nowUs            current time, µs (any origin)
     * @param keyframe         whether it is a keyframe (IDR access unit)
     * @param pacerQueuedBytes RTP octets the pacer holds now
     * @param pacingRateBps    the pacer's configured rate, bit/s; &le; 0 when there is no controller (then
     *                         nothing is dropped)
     * @param lastLargeCutUs   when the controller last started a large cut, µs on the same clock as {@code nowUs};
     *                         {@link Long#MIN_VALUE} if never
     * @return the decision
     */
    public Decision onVideoFrame(long nowUs, boolean keyframe, long pacerQueuedBytes, long pacingRateBps, long lastLargeCutUs) {
        if (firstFrameUs == Long.MIN_VALUE) {
            firstFrameUs = nowUs;
        }
        boolean afterCut = lastLargeCutUs != Long.MIN_VALUE && nowUs - lastLargeCutUs < AFTER_CUT_US;
        long limitUs = afterCut ? Math.min(maxBacklogUs, AFTER_CUT_MAX_BACKLOG.toNanos() / 1000) : maxBacklogUs;
        double backlogUs = pacingRateBps > 0 ? pacerQueuedBytes * 8_000_000.0 / pacingRateBps : 0;
        boolean over = pacingRateBps > 0 && nowUs - firstFrameUs >= START_GRACE_US
                && (graceUntilUs == Long.MIN_VALUE || nowUs >= graceUntilUs) && backlogUs >= limitUs;
        if (!over && (!dropping || keyframe)) {
            dropping = false;
            return Decision.SEND;
        }
        if (!dropping) {
            droppingForCut = backlogUs < maxBacklogUs;
        }
        dropped++;
        // A keyframe dropped is the one we waited for: ask again. Otherwise ask once, when dropping starts.
        Decision d = keyframe || !dropping ? Decision.DROP_AND_REQUEST_KEYFRAME : Decision.DROP;
        dropping = true;
        return d;
    }
}
