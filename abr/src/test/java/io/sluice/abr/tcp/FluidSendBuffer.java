package io.sluice.abr.tcp;

import java.util.ArrayDeque;
import java.util.function.LongUnaryOperator;

/**
 * A simulated publisher over TCP in fluid form, for tests in simulated time: an encoder producing frames at a
 * target bitrate (30 fps, a keyframe five times a P frame every 2 s), a send buffer, and a socket that drains it
 * at the path's capacity at each moment. It reports what {@code RtmpTransport} reports: the drain rate since the
 * last report, the bytes queued and the media time queued (newest DTS offered − newest DTS written). Audio, if
 * given, is a constant-rate track of 1024-sample AAC frames at 48 kHz (21.3 ms) in the same buffer.
 */
public final class FluidSendBuffer {
    public static final long STEP_US = 5_000;
    private static final long FRAME_US = 33_333;
    private static final int GOP_FRAMES = 60;
    private static final int KEYFRAME_WEIGHT = 5;
    private static final long AUDIO_FRAME_US = 21_333;

    private final LongUnaryOperator capacityBpsAt;
    /** Queued frames: {dtsUs, bytes left}. */
    private final ArrayDeque<long[]> queue = new ArrayDeque<>();
    private long nowUs;
    private long nextFrameUs;
    private int frameIndex;
    private long lastOfferedDtsUs = -1;
    private long lastWrittenDtsUs = -1;
    private double drainedBitsSinceReport;
    private long lastReportUs;
    private double credit;
    private long nextAudioUs;
    private double drainedBits;

    /** @param capacityBpsAt the path's capacity in bit/s at a time in µs */
    public FluidSendBuffer(LongUnaryOperator capacityBpsAt) {
        this.capacityBpsAt = capacityBpsAt;
    }

    /** Moves time by {@link #STEP_US}: the encoder emits the frames due at {@code targetBps}, the socket drains. */
    public void step(long targetBps) {
        step(targetBps, 0);
    }

    /**
     * Moves time by {@link #STEP_US} with an audio track besides video.
     *
     * @param videoBps the video encoder's target, bit/s
     * @param audioBps the audio track's constant rate, bit/s (0: none)
     */
    public void step(long videoBps, long audioBps) {
        long targetBps = videoBps;
        while (audioBps > 0 && nextAudioUs <= nowUs) {
            queue.addLast(new long[] {nextAudioUs, (long) Math.ceil(audioBps * AUDIO_FRAME_US / 8e6)});
            lastOfferedDtsUs = Math.max(lastOfferedDtsUs, nextAudioUs);
            nextAudioUs += AUDIO_FRAME_US;
        }
        while (nextFrameUs <= nowUs) {
            double pBits = targetBps * (GOP_FRAMES * FRAME_US / 1e6) / (GOP_FRAMES - 1 + KEYFRAME_WEIGHT);
            double bits = frameIndex % GOP_FRAMES == 0 ? pBits * KEYFRAME_WEIGHT : pBits;
            queue.addLast(new long[] {nextFrameUs, (long) Math.ceil(bits / 8)});
            lastOfferedDtsUs = Math.max(lastOfferedDtsUs, nextFrameUs);
            frameIndex++;
            nextFrameUs += FRAME_US;
        }
        credit += capacityBpsAt.applyAsLong(nowUs) * (STEP_US / 1e6) / 8;
        while (!queue.isEmpty() && credit >= 1) {
            long[] f = queue.peekFirst();
            long n = (long) Math.min(f[1], Math.floor(credit));
            f[1] -= n;
            credit -= n;
            drainedBitsSinceReport += n * 8.0;
            drainedBits += n * 8.0;
            if (f[1] == 0) {
                lastWrittenDtsUs = Math.max(lastWrittenDtsUs, f[0]);
                queue.pollFirst();
            }
        }
        if (queue.isEmpty()) {
            credit = 0; // an idle socket does not save up capacity
        }
        nowUs += STEP_US;
    }

    /** Bits the socket has taken since the start. */
    public double drainedBits() {
        return drainedBits;
    }

    /** Simulated time, µs. */
    public long nowUs() {
        return nowUs;
    }

    public long queuedBytes() {
        long n = 0;
        for (long[] f : queue) {
            n += f[1];
        }
        return n;
    }

    public long queuedMediaUs() {
        if (queue.isEmpty() || lastOfferedDtsUs < 0) {
            return 0;
        }
        return lastWrittenDtsUs < 0 ? lastOfferedDtsUs - queue.peekFirst()[0] : lastOfferedDtsUs - lastWrittenDtsUs;
    }

    /** The drain rate since the previous call, bit/s. */
    public long takeDrainBps() {
        long dt = nowUs - lastReportUs;
        long bps = dt <= 0 ? 0 : (long) (drainedBitsSinceReport * 1e6 / dt);
        drainedBitsSinceReport = 0;
        lastReportUs = nowUs;
        return bps;
    }
}
