package io.sluice.codec.ffmpeg;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.FrameTranscoder;
import io.sluice.core.spi.FrameTranscoderFactory;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link FrameTranscoderFactory} over FFmpeg: audio tracks FFmpeg decodes (AAC, Opus, …) to
 * {@link Codec#OPUS} or {@link Codec#AAC} with an {@link FfmpegAudioTranscoder}. Video is not
 * transcoded (empty). Thread-safe.
 */
public final class FfmpegFrameTranscoderFactory implements FrameTranscoderFactory {
    /** Default Opus bitrate for transcoded audio: 64 kbit/s stereo, as WebRTC stacks use for music. */
    public static final long DEFAULT_OPUS_BITRATE_BPS = 64_000;

    private final long bitrateBps;

    /** A factory encoding at {@link #DEFAULT_OPUS_BITRATE_BPS}. */
    public FfmpegFrameTranscoderFactory() {
        this(DEFAULT_OPUS_BITRATE_BPS);
    }

    /**
     * @param bitrateBps output bitrate in bit/s, 6000..510000
     * @throws IllegalArgumentException if out of range
     */
    public FfmpegFrameTranscoderFactory(long bitrateBps) {
        if (bitrateBps < 6_000 || bitrateBps > 510_000) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: 6000..510000)");
        }
        this.bitrateBps = bitrateBps;
    }

    /**
     * {@inheritDoc}
     *
     * @throws io.sluice.core.EncoderException if FFmpeg cannot open the decoder or encoder
     */
    @Override
    public Optional<FrameTranscoder> create(TrackInfo input, Codec outputCodec) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(outputCodec, "outputCodec");
        if (!input.isAudio() || (outputCodec != Codec.OPUS && outputCodec != Codec.AAC)
                || input.codec() == Codec.RAW_AUDIO || input.codec() == Codec.OTHER_AUDIO) {
            return Optional.empty();
        }
        AudioEncoderConfig config = AudioEncoderConfig.builder().codec(outputCodec).bitrateBps(bitrateBps)
                .channels(Math.min(2, Math.max(1, input.channels()))).build();
        return Optional.of(new FfmpegAudioTranscoder(input, config));
    }
}
