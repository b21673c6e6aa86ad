package io.sluice.core.spi;

import io.sluice.core.Rational;
import io.sluice.core.VideoSize;

/**
 * Runtime control of an encoder: what transports' feedback and rate controllers act on.
 * All methods are thread-safe and take effect at the next frame the encoder takes in.
 */
public interface EncoderControl {
    /**
     * Sets the target bitrate.
     *
     * @param bitrateBps bits per second, &gt; 0
     * @throws IllegalArgumentException if {@code bitrateBps <= 0}
     */
    void setTargetBitrate(long bitrateBps);

    /** The current target bitrate in bits per second. */
    long targetBitrate();

    /**
     * Whether {@link #setTargetBitrate} takes effect in place, without a keyframe or a reopen of the encoder
     * (libx264 reconfigures its rate control between two frames; FFmpeg's libopenh264 wrapper must reopen, which
     * costs an IDR picture). Rate controllers may then change the rate as often as their input moves; otherwise they
     * space the changes. The default is {@code false}.
     */
    default boolean changesBitrateInPlace() {
        return false;
    }

    /** Makes the next encoded video frame a keyframe (IDR). A no-op for audio encoders. */
    void requestKeyframe();

    /**
     * Changes the output size of a video encoder from the next frame on, for adaptive bitrate. An encoder
     * that supports it codes that frame as an IDR picture and gives it (and the frames after it) a new
     * {@link io.sluice.core.TrackInfo} with the new size and parameter sets, so transports announce a new
     * sequence header. The default does nothing and returns {@code false}: rate controllers then adapt the
     * bitrate only.
     *
     * @param width  pixels, even, 16..8192
     * @param height pixels, even, 16..8192
     * @return {@code true} if the encoder will apply the size, {@code false} if it cannot change its size
     * @throws IllegalArgumentException if a dimension is odd or out of range (when supported)
     */
    default boolean setResolution(int width, int height) {
        return false;
    }

    /**
     * The output size of a video encoder: the one a pending {@link #setResolution} gives once applied;
     * {@code null} for audio encoders and encoders that do not say (the default).
     */
    default VideoSize resolution() {
        return null;
    }

    /**
     * Lowers (or restores) the frame rate of a video encoder from the next frame on, for adaptive bitrate: input
     * frames are dropped so that those kept are at least one output frame interval apart (never duplicated: a rate
     * above the input's keeps every frame). An encoder that supports it codes the first frame at the new rate as an
     * IDR picture and keeps its GOP duration in seconds. The default does nothing and returns {@code false}: rate
     * controllers then keep the frame rate.
     *
     * @param framesPerSecond the output frame rate, 1..240 frames per second
     * @return {@code true} if the encoder will apply it, {@code false} if it cannot change its frame rate
     * @throws IllegalArgumentException if the rate is outside 1..240 (when supported)
     */
    default boolean setFrameRate(Rational framesPerSecond) {
        return false;
    }

    /**
     * The output frame rate of a video encoder, frames per second: the one a pending {@link #setFrameRate} gives once
     * applied; {@code null} for audio encoders and encoders that do not say (the default).
     */
    default Rational frameRate() {
        return null;
    }
}
