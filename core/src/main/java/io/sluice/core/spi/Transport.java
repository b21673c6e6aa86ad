package io.sluice.core.spi;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import java.net.URI;
import java.util.List;

/**
 * Sends encoded frames somewhere: a file, an RTMP server, WebRTC peers.
 *
 * <p>The pipeline calls {@link #open}, then {@link #send} from one thread at a time (its sender
 * thread for this transport), then {@link #close}. {@link #stats()} and {@link #isWritable()} may be
 * called from any thread.
 */
public interface Transport extends AutoCloseable {
    /** Destination, for messages and stats. */
    URI uri();

    /**
     * Codecs this transport can carry for a media type, most preferred first; empty means any.
     * The pipeline encodes (or fails with a clear error in copy mode) to match.
     */
    default List<Codec> acceptedCodecs(MediaType mediaType) {
        return List.of();
    }

    /**
     * Prepares to send these tracks. Returns when frames may be sent; a transport that connects
     * in the background may return at once and report progress through {@code feedback}.
     *
     * @param tracks   the tracks frames will belong to (after frame transforms)
     * @param feedback where to report state, keyframe requests, bandwidth; kept until close
     * @throws TransportException if the destination cannot be opened, naming the URI and the step
     */
    void open(List<TrackInfo> tracks, TransportFeedback feedback);

    /**
     * Queues one frame and returns without waiting for the network. Frames of one track arrive in
     * decode order.
     *
     * @param frame ownership passes to the transport, which releases it, also when it drops it
     * @return {@code false} if the frame was dropped (counted in {@link TransportStats#framesDropped()})
     * @throws TransportException if the transport has failed for good
     */
    boolean send(EncodedFrame frame);

    /** {@code false} while the transport's buffer is above its high-water mark. */
    default boolean isWritable() {
        return true;
    }

    /**
     * Whether this transport measures a network path and reports it in {@link BandwidthEstimate}s through its
     * {@link TransportFeedback} (RTMP's send-buffer drain rate, a congestion controller's estimate). A pipeline with
     * such a transport starts its rate controller below the encoder's maximum (see
     * {@link io.sluice.core.AdaptiveBitrate#startBitrateBps()}); files and in-process hubs never report one, and an
     * encoder started low for them would stay low. Default {@code false}.
     */
    default boolean measuresNetworkPath() {
        return false;
    }

    /** A snapshot of the counters. */
    TransportStats stats();

    /** Flushes what can be flushed quickly (a file trailer, an RTMP {@code deleteStream}) and frees everything. Idempotent. */
    @Override
    void close();
}
