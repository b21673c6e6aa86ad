package io.sluice.core.spi;

import java.net.URI;

/**
 * Turns transport feedback into encoder settings (the ABR module implements it). Called from
 * the pipeline's feedback thread; must not block.
 */
public interface RateController {
    /** Called once at start with the video encoder to control (null if the pipeline has no video encoder). */
    void attach(EncoderControl video);

    /**
     * The controlled video encoder produced an access unit (called from the encoder's thread, in decode order, before
     * the frame goes to the transports; must not block). Lets a controller measure what the encoder actually produces
     * against the target it set. Default: ignored.
     *
     * @param bytes the access unit's payload size, bytes
     * @param ptsUs its presentation time, µs
     */
    default void onVideoEncoded(int bytes, long ptsUs) {
    }

    /** A transport reported a bandwidth estimate. */
    void onBandwidthEstimate(URI transport, BandwidthEstimate estimate);

    /**
     * A transport changed state. A transport that is {@link TransportState#RECONNECTING} or terminal no longer
     * governs the rate until it is {@link TransportState#CONNECTED} again.
     */
    default void onTransportState(URI transport, TransportState state) {
    }

    /** The last decision, for {@link io.sluice.core.PipelineStats#rate()}; {@code null} if none (the default). */
    default RateDecision current() {
        return null;
    }
}
