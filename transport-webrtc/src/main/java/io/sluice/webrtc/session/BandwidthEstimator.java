package io.sluice.webrtc.session;

import io.sluice.core.spi.BandwidthEstimate;

/**
 * Where a send-side bandwidth estimator plugs into {@link RtpSession}: it sees every transport-wide
 * feedback (matched to what was sent by the {@link TwccSendRegister}) and may answer with an
 * estimate, which the session reports as a {@link SessionEvent.Estimate}. A GCC implementation
 * (delay-based trendline + loss-based, draft-ietf-rmcat-gcc-02) goes here; the default is
 * {@link DeliveryRateEstimator}. Sans-IO; confined to the session's thread.
 */
public interface BandwidthEstimator {
    /** Returned by {@link #onTransportFeedback} when there is no new figure. */
    long NO_ESTIMATE = -1;

    /** Which kind of figure this estimator produces. */
    BandwidthEstimate.Kind kind();

    /**
     * One transport-wide feedback packet.
     *
     * @param nowNanos current time, ns (monotonic)
     * @param feedback what it says about the packets it covers
     * @return a new estimate, bit/s (≥ 0), or {@link #NO_ESTIMATE}
     */
    long onTransportFeedback(long nowNanos, TwccSendRegister.Feedback feedback);
}
