package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_clone;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import io.sluice.core.MediaType;
import io.sluice.core.RawFrame;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * A {@link RawFrame} backed by an FFmpeg {@link AVFrame}: a picture in any {@code AVPixelFormat}
 * (sources deliver what the decoder produced, usually {@code AV_PIX_FMT_YUV420P}) or audio samples in
 * any {@code AVSampleFormat} and channel layout. Encoders convert (swscale/swresample) as needed.
 *
 * <p>The {@code AVFrame}'s own {@code pts} is not used: {@link #ptsUs()} (µs, pipeline clock) is the
 * timestamp. Releasing the last reference calls {@code av_frame_free}.
 */
public final class AvRawFrame extends RawFrame {
    private AVFrame frame;

    /**
     * @param frame ownership passes to this object (freed with {@code av_frame_free} on the last release)
     * @param ptsUs presentation timestamp in µs on the pipeline clock
     */
    public AvRawFrame(int trackId, MediaType mediaType, AVFrame frame, long ptsUs, long createdNanos) {
        super(trackId, mediaType, ptsUs, createdNanos);
        this.frame = frame;
    }

    /**
     * Wraps a new reference to {@code source}'s buffers ({@code av_frame_clone}); the caller keeps {@code source}.
     */
    public static AvRawFrame cloneOf(int trackId, MediaType mediaType, AVFrame source, long ptsUs, long createdNanos) {
        AVFrame clone = av_frame_clone(source);
        if (clone == null) {
            throw new OutOfMemoryError("av_frame_clone() returned NULL");
        }
        return new AvRawFrame(trackId, mediaType, clone, ptsUs, createdNanos);
    }

    /** The underlying frame; borrowed, valid while this object is referenced. */
    public AVFrame avFrame() {
        if (frame == null) {
            throw new IllegalStateException("frame already released");
        }
        return frame;
    }

    @Override
    public int width() {
        return mediaType() == MediaType.VIDEO ? frame.width() : 0;
    }

    @Override
    public int height() {
        return mediaType() == MediaType.VIDEO ? frame.height() : 0;
    }

    @Override
    public int sampleCount() {
        return mediaType() == MediaType.AUDIO ? frame.nb_samples() : 0;
    }

    @Override
    public int sampleRate() {
        return mediaType() == MediaType.AUDIO ? frame.sample_rate() : 0;
    }

    @Override
    public int channels() {
        return mediaType() == MediaType.AUDIO ? frame.ch_layout().nb_channels() : 0;
    }

    @Override
    protected void deallocate() {
        AVFrame f = frame;
        frame = null;
        if (f != null) {
            av_frame_free(f);
        }
    }
}
