package io.sluice.core.spi;

import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import java.util.Optional;

/**
 * Makes {@link FrameTranscoder}s: a server that must deliver a codec its publisher did not send
 * (Opus to a WebRTC viewer of an AAC stream) asks once per stream and track. Implementations live in
 * modules with native codecs (the codec module's FFmpeg transcoder); transports only see this SPI.
 *
 * <p>Implementations must be thread-safe: servers call {@link #create} from their I/O threads.
 */
@FunctionalInterface
public interface FrameTranscoderFactory {
    /**
     * A transcoder from {@code input} to {@code outputCodec}, or empty if this factory cannot convert
     * between them (then the caller goes without the track or refuses the session).
     *
     * @param input       the source track, with its codec config (e.g. the AAC AudioSpecificConfig)
     * @param outputCodec the codec wanted, e.g. {@link Codec#OPUS}
     * @throws io.sluice.core.SluiceException (or a subtype) if a supported conversion fails to open
     */
    Optional<FrameTranscoder> create(TrackInfo input, Codec outputCodec);
}
