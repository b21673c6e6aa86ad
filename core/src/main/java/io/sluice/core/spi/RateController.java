package io.sluice.core.spi;

import java.net.URI;

/**
 * Turns transport feedback into encoder settings (the ABR module implements it). Called from
 * the pipeline's feedback thread; must not block.
 */
public interface RateController {
    /** Called once at start with the video encoder to control (null if the pipeline has no video encoder). */
    void attach(EncoderControl video);

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
