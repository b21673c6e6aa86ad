package io.sluice.codec.ffmpeg;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.FrameTranscoder;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Audio {@link FrameTranscoder} over libavcodec: decodes the input codec (AAC, Opus, anything FFmpeg
 * decodes by {@link Codec#ffmpegName()}) into {@link AvRawFrame}s and re-encodes them with an
 * {@link FfmpegAudioEncoder}, e.g. AAC → Opus 48 kHz for WebRTC viewers of an RTMP stream.
 *
 * <p>Timestamps: decoded frames keep the input PTS (µs); the encoder anchors its sample counter on
 * the first one (see {@link FfmpegAudioEncoder}), so the output starts about one input frame plus the
 * encoder's priming later. Not thread-safe; confine to one thread.
 */
public final class FfmpegAudioTranscoder implements FrameTranscoder {
    private final TrackInfo input;
    private final FfmpegAudioEncoder encoder;
    private LibavDecoder decoder;
    private boolean closed;

    /**
     * Opens the decoder for {@code input} and the encoder for {@code output}.
     *
     * @param input  an audio track with its codec config (AAC: the AudioSpecificConfig)
     * @param output encoder settings (codec {@link Codec#AAC} or {@link Codec#OPUS}, bitrate in bit/s)
     * @throws IllegalArgumentException if {@code input} is not audio
     * @throws EncoderException         if FFmpeg has no decoder for the input or a codec fails to open
     */
    public FfmpegAudioTranscoder(TrackInfo input, AudioEncoderConfig output) {
        this.input = Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        if (!input.isAudio()) {
            throw new IllegalArgumentException("input: " + input + " (expected: an audio track)");
        }
        boolean ok = false;
        FfmpegAudioEncoder enc = null;
        try {
            decoder = new LibavDecoder(input, 1);
            enc = new FfmpegAudioEncoder(input, output, input.trackId());
            ok = true;
        } finally {
            if (!ok) {
                freeDecoder();
            }
        }
        this.encoder = enc;
    }

    @Override
    public TrackInfo outputTrack() {
        return encoder.outputTrack();
    }

    /**
     * {@inheritDoc}
     *
     * @param frame borrowed; a frame of the input track's codec
     * @throws IllegalArgumentException if the frame's codec is not the input track's
     * @throws IllegalStateException    after {@link #close()}
     */
    @Override
    public void transcode(EncodedFrame frame, Consumer<EncodedFrame> out) {
        checkOpen();
        if (frame.codec() != input.codec()) {
            throw new IllegalArgumentException("frame codec: " + frame.codec() + " (expected: " + input.codec() + ")");
        }
        if (decoder.send(frame)) { // a corrupt frame is skipped, as a player would
            decoder.receive(frame.createdNanos(), raw -> encode(raw, out));
        }
    }

    /** @param raw ownership passes here */
    private void encode(AvRawFrame raw, Consumer<EncodedFrame> out) {
        try {
            encoder.encode(raw, out);
        } finally {
            raw.release();
        }
    }

    @Override
    public void flush(Consumer<EncodedFrame> out) {
        checkOpen();
        decoder.drain(raw -> encode(raw, out));
        encoder.flush(out);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (encoder != null) {
                encoder.close();
            }
        } finally {
            freeDecoder();
        }
    }

    private void freeDecoder() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("transcoder closed");
        }
    }

    @Override
    public String toString() {
        return "FfmpegAudioTranscoder{" + input.codec() + " " + input.sampleRate() + "Hz/" + input.channels() + "ch -> "
                + encoder + '}';
    }
}
