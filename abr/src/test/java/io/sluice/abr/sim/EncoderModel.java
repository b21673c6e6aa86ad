package io.sluice.abr.sim;

/**
 * A video encoder that hits its target on average: 30 fps, a keyframe {@link #KEYFRAME_SIZE_FACTOR} × the
 * average frame every {@link #KEYFRAME_INTERVAL_FRAMES} frames, delta frames shrunk so that a GOP averages the
 * target. The target is min(controller target, the application's maximum). Optionally the application follows
 * the controller as Sluice's {@code AdaptiveRateController} does: only when a target update arrives, decreases (from
 * 3 %) at once, increases only from 5 % and at most once per interval (1 s there).
 *
 * <p>{@link #likeX264} adds what a real encoder does on top ({@link #EncoderModel(long, long, long, double)}): its
 * output reaches a raised rate only gradually (first order, time constant {@code responseTimeUs}; x264's ABR rate
 * control needs about the length of its VBV to spend a new budget) and stays below the rate asked
 * ({@code outputFraction}). Decreases still apply at once.
 */
public class EncoderModel {
    public static final int FPS = 30;
    public static final int KEYFRAME_INTERVAL_FRAMES = 90;
    public static final double KEYFRAME_SIZE_FACTOR = 4;
    private static final double DELTA_SCALE =
            (KEYFRAME_INTERVAL_FRAMES - KEYFRAME_SIZE_FACTOR) / (KEYFRAME_INTERVAL_FRAMES - 1);

    /**
     * Output / target of {@link #likeX264}: the bottleneck bench's WHIP publisher (x264, {@code tune=zerolatency},
     * 1 s VBV, a 640x480 clip) sent 0.83–0.99 × (video target + audio) in its steady 2 s windows, payload only.
     */
    public static final double X264_OUTPUT_FRACTION = 0.9;
    /**
     * Time constant of {@link #likeX264}'s ramp to a raised rate, µs: x264 with the 333 ms rate-control buffer an
     * adapting pipeline gives it ({@code VideoEncoderConfig.ADAPTIVE_RATE_CONTROL_BUFFER}; with the 1 s buffer before
     * it, about 1 s).
     */
    public static final long X264_RESPONSE_TIME_US = 330_000;

    private final long maxBps;
    private final long increaseIntervalUs;
    private final long responseTimeUs;
    private final double outputFraction;
    private long frameIndex;
    /** The rate the encoder codes at, bit/s (-1 before the first frame); set by the application model. */
    protected long appliedBps = -1;
    private double outputBps = -1;
    private long lastFrameUs = Long.MIN_VALUE;
    private long lastIncreaseUs = Long.MIN_VALUE;

    /** @param maxBps the most the application produces, bit/s (an application-limited sender) */
    public EncoderModel(long maxBps) {
        this(maxBps, 0);
    }

    /**
     * @param maxBps             the most the application produces, bit/s
     * @param increaseIntervalUs the application raises the encoder's rate at most once per this interval, µs (0: it
     *                           follows every target at once)
     */
    public EncoderModel(long maxBps, long increaseIntervalUs) {
        this(maxBps, increaseIntervalUs, 0, 1);
    }

    /**
     * @param maxBps             the most the application produces, bit/s
     * @param increaseIntervalUs the application raises the encoder's rate at most once per this interval, µs (0: it
     *                           follows every target at once)
     * @param responseTimeUs     time constant with which the output follows a raised rate, µs (0: at once)
     * @param outputFraction     output / the rate asked, (0, 1]
     */
    public EncoderModel(long maxBps, long increaseIntervalUs, long responseTimeUs, double outputFraction) {
        if (!(outputFraction > 0 && outputFraction <= 1)) {
            throw new IllegalArgumentException("outputFraction: " + outputFraction + " (expected: 0 < f <= 1)");
        }
        this.maxBps = maxBps;
        this.increaseIntervalUs = increaseIntervalUs;
        this.responseTimeUs = responseTimeUs;
        this.outputFraction = outputFraction;
    }

    /**
     * An application and encoder as the bottleneck bench's WHIP publisher behaves: increases at most once a second
     * ({@code AdaptiveRateController}), output ramping to a raised rate with a {@link #X264_RESPONSE_TIME_US} time
     * constant, {@link #X264_OUTPUT_FRACTION} of the rate asked.
     *
     * @param maxBps the most the application produces, bit/s
     */
    public static EncoderModel likeX264(long maxBps) {
        return new EncoderModel(maxBps, 1_000_000, X264_RESPONSE_TIME_US, X264_OUTPUT_FRACTION);
    }

    /** The rate the encoder codes at now, bit/s (-1 before the first frame). */
    public long appliedBps() {
        return appliedBps;
    }

    /**
     * A target update reached the application (only used with an increase interval).
     *
     * @param targetBps the controller's target, bit/s
     * @param nowUs     now, µs
     */
    public void onTarget(long targetBps, long nowUs) {
        long wanted = Math.min(targetBps, maxBps);
        if (appliedBps < 0 || wanted <= appliedBps * 0.97) {
            appliedBps = wanted;
        } else if (wanted >= appliedBps * 1.05
                && (lastIncreaseUs == Long.MIN_VALUE || nowUs - lastIncreaseUs >= increaseIntervalUs)) {
            appliedBps = wanted;
            lastIncreaseUs = nowUs;
        }
    }

    /** Bytes of the next frame for a target, bit/s, at {@code nowUs}. */
    public int nextFrameBytes(long targetBps, long nowUs) {
        if (increaseIntervalUs == 0 || appliedBps < 0) {
            appliedBps = Math.min(targetBps, maxBps);
        }
        if (outputBps < 0 || appliedBps <= outputBps || responseTimeUs == 0) {
            outputBps = appliedBps;
        } else {
            double dt = lastFrameUs == Long.MIN_VALUE ? 0 : nowUs - lastFrameUs;
            outputBps += (appliedBps - outputBps) * Math.min(1, dt / responseTimeUs);
        }
        lastFrameUs = nowUs;
        double average = outputBps * outputFraction / 8.0 / FPS;
        boolean key = frameIndex++ % KEYFRAME_INTERVAL_FRAMES == 0;
        return (int) Math.max(100, average * (key ? KEYFRAME_SIZE_FACTOR : DELTA_SCALE));
    }
}
