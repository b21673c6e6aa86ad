package io.sluice.webrtc.session;

import io.sluice.core.EncodedFrame;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.webrtc.sdp.MediaKind;

/** What an {@link RtpSession} tells its driver, from {@link RtpSession#pollEvent()}. */
public sealed interface SessionEvent {

    /**
     * The peer asked for a keyframe of the video this session sends (PLI, RFC 4585 §6.3.1; FIR, RFC
     * 5104 §4.3.1), or the driver did through {@link RtpSession#requestKeyframe}; already throttled by
     * the session's {@link io.sluice.core.feedback.KeyframeRequestThrottle}: forward it to the encoder
     * or publisher.
     *
     * @param reason what asked, for logs ("PLI", "FIR", or the driver's reason)
     */
    record KeyframeRequest(String reason) implements SessionEvent {
    }

    /**
     * A bandwidth figure about the path to the peer.
     *
     * @param kind         its source: {@link BandwidthEstimate.Kind#REMB} (the peer's own estimate),
     *                     {@link BandwidthEstimate.Kind#TRANSPORT_CC} (the session's
     *                     {@link io.sluice.abr.cc.NetworkController}: a target transfer rate), or the
     *                     {@link BandwidthEstimator}'s kind
     * @param bitrateBps   bit/s, ≥ 0: the figure; for {@code TRANSPORT_CC} the controller's target (what the
     *                     encoder may send, RTP headers and retransmissions included)
     * @param lossFraction the latest loss figure (the controller's, transport-wide feedback or receiver report), 0..1
     * @param rttUs        the latest round-trip time, µs, 0 if not measured
     * @param estimateBps  the controller's estimate of the path's available rate, bit/s (≥ target); equal to
     *                     {@code bitrateBps} for raw figures
     * @param reason       what moved the figure last ({@link RateChangeReason#MEASURED} for raw figures)
     */
    record Estimate(BandwidthEstimate.Kind kind, long bitrateBps, double lossFraction, long rttUs, long estimateBps,
                    RateChangeReason reason) implements SessionEvent {
        /** A raw figure: estimate = {@code bitrateBps}, reason {@link RateChangeReason#MEASURED}. */
        public Estimate(BandwidthEstimate.Kind kind, long bitrateBps, double lossFraction, long rttUs) {
            this(kind, bitrateBps, lossFraction, rttUs, bitrateBps, RateChangeReason.MEASURED);
        }

        public Estimate {
            java.util.Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * A complete frame reassembled from the peer's RTP (receiving sessions).
     *
     * @param kind  audio or video
     * @param frame owned by whoever polls the event (release it); its PTS is µs from the stream's
     *              first frame, its track the {@link ReceiveStream}'s placeholder track
     * @param rid   the simulcast layer's rid ({@link ReceiveStream#rid()}), or {@code null}
     */
    record FrameReceived(MediaKind kind, EncodedFrame frame, String rid) implements SessionEvent {
        /** A frame of a stream that is not a simulcast layer. */
        public FrameReceived(MediaKind kind, EncodedFrame frame) {
            this(kind, frame, null);
        }
    }
}
