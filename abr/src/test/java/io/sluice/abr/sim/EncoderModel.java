package io.sluice.abr.sim;

/**
 * A video encoder that hits its target on average: 30 fps, a keyframe {@link #KEYFRAME_SIZE_FACTOR} × the
 * average frame every {@link #KEYFRAME_INTERVAL_FRAMES} frames, delta frames shrunk so that a GOP averages the
 * target. The target is min(controller target, the application's maximum). Optionally the application follows
 * the controller as Sluice's {@code AdaptiveRateController} does: only when a target update arrives, decreases (from
 * 3 %) at once, increases only from 5 % and at most once per interval (1 s there).
 */
public final class EncoderModel {
    public static final int FPS = 30;
    public static final int KEYFRAME_INTERVAL_FRAMES = 90;
    public static final double KEYFRAME_SIZE_FACTOR = 4;
    private static final double DELTA_SCALE =
            (KEYFRAME_INTERVAL_FRAMES - KEYFRAME_SIZE_FACTOR) / (KEYFRAME_INTERVAL_FRAMES - 1);

    private final long maxBps;
    private final long increaseIntervalUs;
    private long frameIndex;
    private long appliedBps = -1;
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
        this.maxBps = maxBps;
        this.increaseIntervalUs = increaseIntervalUs;
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
        double average = appliedBps / 8.0 / FPS;
        boolean key = frameIndex++ % KEYFRAME_INTERVAL_FRAMES == 0;
        return (int) Math.max(100, average * (key ? KEYFRAME_SIZE_FACTOR : DELTA_SCALE));
    }
}
