package io.sluice.core.spi;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.RawFrame;
import io.sluice.core.TrackInfo;
import java.util.function.Consumer;

/**
 * Encodes raw frames of one track. Not thread-safe except for the {@link EncoderControl} methods:
 * confine {@link #encode}, {@link #flush} and {@link #close} to one thread.
 *
 * <p>Implementations convert any input size, pixel format, sample format, rate and layout to their
 * configured output (scaling, resampling, downmix) and never round timestamps to frame numbers.
 */
public interface Encoder extends EncoderControl, AutoCloseable {
    /** The output track: codec, configuration record (e.g. {@code AVCDecoderConfigurationRecord}), format. */
    TrackInfo outputTrack();

    /**
     * Encodes one frame. Output frames may come later (encoder delay).
     *
     * @param frame borrowed: the caller keeps ownership and releases it
     * @param out   receives 0..n encoded frames; ownership of each passes to it
     * @throws EncoderException on a native failure, naming the function and return code
     */
    void encode(RawFrame frame, Consumer<EncodedFrame> out);

    /** Drains every buffered frame to {@code out} (ownership passes). After this, {@link #encode} may not be called. */
    void flush(Consumer<EncodedFrame> out);

    /** Frees native resources. Idempotent. */
    @Override
    void close();
}
