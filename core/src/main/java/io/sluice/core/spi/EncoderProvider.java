package io.sluice.core.spi;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.EncoderException;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;

/**
 * Creates encoders; found with {@link java.util.ServiceLoader} (the codec module provides the
 * FFmpeg one), or given to {@link io.sluice.core.StreamPipeline.Builder#encoderProvider}.
 */
public interface EncoderProvider {
    /**
     * @param input  the raw track to encode (resolution, frame rate)
     * @param config output settings
     * @param outputTrackId track id for the output track
     * @throws EncoderException if no encoder for the codec/name exists or it fails to open
     */
    Encoder createVideoEncoder(TrackInfo input, VideoEncoderConfig config, int outputTrackId);

    /**
     * @param input  the raw track to encode (sample rate, channels)
     * @param config output settings
     * @param outputTrackId track id for the output track
     * @throws EncoderException if no encoder for the codec/name exists or it fails to open
     */
    Encoder createAudioEncoder(TrackInfo input, AudioEncoderConfig config, int outputTrackId);
}
