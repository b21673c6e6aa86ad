package io.sluice.abr.sim;

/**
 * A video encoder that hits its target on average: 30 fps, a keyframe {@link #KEYFRAME_SIZE_FACTOR} × the
 * average frame every {@link #KEYFRAME_INTERVAL_FRAMES} frames, delta frames shrunk so that a GOP averages the
 * target. The target is min(controller target, the application's maximum).
 */
public final class EncoderModel {
    public static final int FPS = 30;
    public static final int KEYFRAME_INTERVAL_FRAMES = 90;
    public static final double KEYFRAME_SIZE_FACTOR = 4;
    private static final double DELTA_SCALE =
            (KEYFRAME_INTERVAL_FRAMES - KEYFRAME_SIZE_FACTOR) / (KEYFRAME_INTERVAL_FRAMES - 1);

    private final long maxBps;
    private long frameIndex;

    /** @param maxBps the most the application produces, bit/s (an application-limited sender) */
    public EncoderModel(long maxBps) {
        this.maxBps = maxBps;
    }

    /** Bytes of the next frame for a target, bit/s. */
    public int nextFrameBytes(long targetBps) {
        double average = Math.min(targetBps, maxBps) / 8.0 / FPS;
        boolean key = frameIndex++ % KEYFRAME_INTERVAL_FRAMES == 0;
        return (int) Math.max(100, average * (key ? KEYFRAME_SIZE_FACTOR : DELTA_SCALE));
    }
}
