package io.sluice.abr.sim;

/**
 * A relayed stream, as a WHEP viewer of a published stream receives it: the publisher's frames at the publisher's
 * rate whatever the viewer's controller says, 30 fps, a keyframe {@code keyframeFactor} × the average frame every
 * {@code gopFrames} frames (the bottleneck bench's 854x480 clip at 2.5 Mbit/s: 80–114 kB keyframes, 8–9 × its
 * 13 kB average frame, every 2 s).
 */
public final class RelayedStreamModel extends EncoderModel {
    private final long rateBps;
    private final double keyframeFactor;
    private final int gopFrames;
    private long frameIndex;
    private int joinFrames;

    /**
     * @param rateBps        the stream's average rate, bit/s
     * @param keyframeFactor keyframe size / average frame size (&gt;= 1)
     * @param gopFrames      frames from one keyframe to the next
     */
    public RelayedStreamModel(long rateBps, double keyframeFactor, int gopFrames) {
        super(rateBps);
        this.rateBps = rateBps;
        this.keyframeFactor = keyframeFactor;
        this.gopFrames = gopFrames;
    }

    /**
     * The first frame is a join: a WHEP viewer's GOP cache of {@code frames} frames (a keyframe and the deltas after
     * it) handed to the pacer at once.
     */
    public RelayedStreamModel join(int frames) {
        joinFrames = frames;
        return this;
    }

    /** The stream's average rate, bit/s. */
    public long rateBps() {
        return rateBps;
    }

    @Override
    public int nextFrameBytes(long targetBps, long nowUs) {
        if (frameIndex == 0 && joinFrames > 1) {
            long bytes = 0;
            for (int i = 0; i < joinFrames; i++) {
                bytes += frameBytes();
            }
            return (int) bytes;
        }
        return frameBytes();
    }

    private int frameBytes() {
        double average = rateBps / 8.0 / FPS;
        boolean key = frameIndex++ % gopFrames == 0;
        double delta = (gopFrames - keyframeFactor) / (gopFrames - 1);
        return (int) Math.max(100, average * (key ? keyframeFactor : delta));
    }
}
