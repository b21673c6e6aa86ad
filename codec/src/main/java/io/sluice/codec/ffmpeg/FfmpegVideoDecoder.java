package io.sluice.codec.ffmpeg;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.TrackInfo;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Video decoder over libavcodec: {@link EncodedFrame}s of one track in decode order in, pictures in
 * presentation order out as {@link AvRawFrame}s (for a transcode: scale and re-encode them with
 * {@link FfmpegVideoEncoder}).
 *
 * <p><b>Input</b>: H.264 in AVCC form with the track's {@code AVCDecoderConfigurationRecord} as extradata (the
 * codec's layout, see {@link Codec}); other codecs FFmpeg decodes by {@link Codec#ffmpegName()} with the
 * track's codec config as extradata. A frame whose {@link EncodedFrame#track()} has another codec config than
 * the open decoder's (a publisher's new sequence header) reopens the decoder first; the picture size may change
 * then, and the caller's encoders scale to their own size anyway.
 *
 * <p><b>Output</b>: decoded pictures in their native pixel format (usually {@code yuv420p}), PTS in µs on the
 * input's clock (FFmpeg's {@code best_effort_timestamp} with a µs packet time base), in presentation order:
 * with B-frames a picture comes out only after the frames it is reordered with have been sent. One thread
 * ({@code thread_count} 1 by default): no frame-threading delay, and the cost stays on the caller's thread.
 * A corrupt frame is skipped (counted in {@link #corruptFrames()}), as a player would.
 *
 * <p>Not thread-safe; confine to one thread.
 */
public final class FfmpegVideoDecoder implements AutoCloseable {
    private final int threads;
    private LibavDecoder decoder;
    private long corruptFrames;
    private boolean closed;

    /**
     * Opens a decoder for {@code input}.
     *
     * @param input   a video track with its codec config (H.264: the AVCDecoderConfigurationRecord)
     * @param threads decoder threads, 1..16 (1: frame in, picture out without threading delay)
     * @throws IllegalArgumentException if {@code input} is not video, is opaque, or {@code threads} is out of range
     * @throws EncoderException         if FFmpeg has no decoder for the codec or it fails to open
     */
    public FfmpegVideoDecoder(TrackInfo input, int threads) {
        Objects.requireNonNull(input, "input");
        if (threads < 1 || threads > 16) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: 1..16)");
        }
        this.threads = threads;
        this.decoder = open(input);
    }

    private LibavDecoder open(TrackInfo track) {
        if (!track.isVideo() || track.isOpaque()) {
            throw new IllegalArgumentException("input: " + track + " (expected: a video track that is not opaque)");
        }
        return new LibavDecoder(track, threads);
    }

    /** The track the open decoder was configured with. */
    public TrackInfo inputTrack() {
        return decoder.track();
    }

    /** Frames the decoder rejected as corrupt (skipped) so far. */
    public long corruptFrames() {
        return corruptFrames;
    }

    /**
     * Decodes one frame.
     *
     * @param f   borrowed: the caller keeps ownership and releases it afterwards
     * @param out receives 0..n pictures (presentation order); ownership of each passes to the consumer, which
     *            must release it
     * @throws IllegalArgumentException if the frame's codec is not the decoder's
     * @throws IllegalStateException    after {@link #close()}
     * @throws EncoderException         if the decoder fails (not for a corrupt frame: that one is skipped)
     */
    public void decode(EncodedFrame f, Consumer<AvRawFrame> out) {
        checkOpen();
        TrackInfo t = f.track();
        TrackInfo input = decoder.track();
        if (t.codec() != input.codec()) {
            throw new IllegalArgumentException("frame codec: " + t.codec() + " (expected: " + input.codec() + ")");
        }
        if (t != input && t.codecConfigLength() > 0 && !Arrays.equals(t.codecConfig(), input.codecConfig())) {
            decoder.drain(out); // a new sequence header: finish the pictures of the old one, then start over
            LibavDecoder next = open(t);
            decoder.close();
            decoder = next;
        }
        if (!decoder.send(f)) {
            corruptFrames++;
            return;
        }
        decoder.receive(f.createdNanos(), out);
    }

    /**
     * Drains the pictures the decoder still holds (end of stream) and resets it, so it can take frames again
     * from a keyframe.
     *
     * @param out receives the remaining pictures; ownership passes to the consumer
     * @throws IllegalStateException after {@link #close()}
     */
    public void flush(Consumer<AvRawFrame> out) {
        checkOpen();
        decoder.drain(out);
    }

    /** Frees the native decoder. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            decoder.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("decoder closed");
        }
    }

    @Override
    public String toString() {
        TrackInfo t = decoder.track();
        return "FfmpegVideoDecoder{" + t.codec().ffmpegName() + ' ' + t.width() + 'x' + t.height() + '}';
    }
}
