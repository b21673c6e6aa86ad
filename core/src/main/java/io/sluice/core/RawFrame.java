package io.sluice.core;

import io.netty.util.AbstractReferenceCounted;

/**
 * A decoded video picture or block of audio samples, on its way from a source to an encoder.
 *
 * <p>Core only routes raw frames; their sample memory belongs to the implementation (the codec
 * module backs them with FFmpeg {@code AVFrame}s in whatever pixel or sample format the decoder or
 * source produced, e.g. {@code yuv420p}, {@code yuvj420p}, 10-bit, {@code fltp}, {@code s16p}; encoders
 * convert to what they need). Reference counted,
 * starting at 1; {@link #deallocate()} frees the sample memory.
 */
public abstract class RawFrame extends AbstractReferenceCounted implements MediaFrame {
    private final int trackId;
    private final MediaType mediaType;
    private final long ptsUs;
    private final long createdNanos;

    /**
     * @param ptsUs        presentation timestamp, µs on the pipeline clock
     * @param createdNanos when the frame was produced, ns on the pipeline's {@link io.sluice.core.time.Ticker}
     *                     ({@link System#nanoTime()} with the default one), for latency statistics
     */
    protected RawFrame(int trackId, MediaType mediaType, long ptsUs, long createdNanos) {
        this.trackId = trackId;
        this.mediaType = mediaType;
        this.ptsUs = ptsUs;
        this.createdNanos = createdNanos;
    }

    @Override
    public int trackId() {
        return trackId;
    }

    @Override
    public MediaType mediaType() {
        return mediaType;
    }

    @Override
    public long ptsUs() {
        return ptsUs;
    }

    /** When the source produced this frame, ns on the pipeline's {@link io.sluice.core.time.Ticker}. */
    public long createdNanos() {
        return createdNanos;
    }

    /** Picture width in pixels; 0 for audio. */
    public abstract int width();

    /** Picture height in pixels; 0 for audio. */
    public abstract int height();

    /** Samples per channel in this frame; 0 for video. */
    public abstract int sampleCount();

    /** Audio sample rate in Hz; 0 for video. */
    public abstract int sampleRate();

    /** Audio channel count; 0 for video. */
    public abstract int channels();

    @Override
    public RawFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public RawFrame touch() {
        return this;
    }

    @Override
    public RawFrame touch(Object hint) {
        return this;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{#" + trackId + ' ' + mediaType + " pts=" + ptsUs + "us}";
    }
}
