package io.sluice.core.spi;

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

    /** Makes the next encoded video frame a keyframe (IDR). A no-op for audio encoders. */
    void requestKeyframe();
}
