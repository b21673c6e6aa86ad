package io.sluice.core.spi;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.function.Consumer;

/**
 * Converts the encoded frames of one track into another codec, frame by frame, for a consumer that
 * cannot take the source codec (for example AAC from an RTMP publisher turned into Opus for a WebRTC
 * viewer). Made by a {@link FrameTranscoderFactory} for one input track.
 *
 * <p>Timestamps stay on the input's media clock (µs); the output may be delayed by the codec's
 * frame size and priming, and one input frame may give 0..n output frames.
 *
 * <p>Not thread-safe: call {@link #transcode}, {@link #flush} and {@link #close} from one thread.
 */
public interface FrameTranscoder extends AutoCloseable {
    /** The track every output frame belongs to (codec, sample rate, channels, codec config). */
    TrackInfo outputTrack();

    /**
     * Transcodes one frame.
     *
     * @param frame borrowed: the caller keeps ownership and releases it afterwards
     * @param out   receives 0..n output frames; ownership of each passes to the consumer
     * @throws io.sluice.core.SluiceException (or a subtype) if the native decoder or encoder fails;
     *     the transcoder should then be closed
     */
    void transcode(EncodedFrame frame, Consumer<EncodedFrame> out);

    /**
     * Drains frames still held by the codec (end of stream). No frame may be passed after this.
     *
     * @param out receives the remaining output frames; ownership passes to the consumer
     */
    void flush(Consumer<EncodedFrame> out);

    /** Frees native resources. Idempotent. */
    @Override
    void close();
}
