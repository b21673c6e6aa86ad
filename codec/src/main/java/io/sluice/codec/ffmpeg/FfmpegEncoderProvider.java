package io.sluice.codec.ffmpeg;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.EncoderException;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.Encoder;
import io.sluice.core.spi.EncoderProvider;

/**
 * Creates FFmpeg encoders: {@link FfmpegVideoEncoder} (H.264 through libx264 or libopenh264) and
 * {@link FfmpegAudioEncoder} (AAC, Opus). Found with {@link java.util.ServiceLoader}. Stateless and
 * thread-safe; the encoders it returns are not (see their docs).
 */
public final class FfmpegEncoderProvider implements EncoderProvider {
    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public FfmpegEncoderProvider() {
    }

    /**
     * @return an open {@link FfmpegVideoEncoder}; the caller closes it
     * @throws EncoderException if the codec or encoder name is unsupported or unavailable, or it fails to open
     */
    @Override
    public Encoder createVideoEncoder(TrackInfo input, VideoEncoderConfig config, int outputTrackId) {
        return new FfmpegVideoEncoder(input, config, outputTrackId);
    }

    /**
     * @return an open {@link FfmpegAudioEncoder}; the caller closes it
     * @throws EncoderException if the encoder is unavailable or fails to open
     */
    @Override
    public Encoder createAudioEncoder(TrackInfo input, AudioEncoderConfig config, int outputTrackId) {
        return new FfmpegAudioEncoder(input, config, outputTrackId);
    }
}
