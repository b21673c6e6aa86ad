package io.sluice.core.spi;

/**
 * What a transport measured about its path, for rate control.
 *
 * @param kind          where the figure comes from
 * @param bitrateBps    estimated available send rate, bits per second (&ge; 0)
 * @param queuedBytes   bytes waiting in the transport's send buffer now
 * @param queueDelayUs  how long the oldest queued byte has waited, µs
 * @param lossFraction  fraction of packets lost, 0..1 (0 when not measured)
 * @param rttUs         round-trip time in µs (0 when not measured)
 * @param reason        what moved the figure last ({@link RateChangeReason#MEASURED} for a raw measurement)
 * @see TransportStats for the units and "not measured" convention shared by every Sluice stats record
 */
public record BandwidthEstimate(Kind kind, long bitrateBps, long queuedBytes, long queueDelayUs,
                                double lossFraction, long rttUs, RateChangeReason reason) {
    /** Source of a bandwidth figure. */
    public enum Kind {
        /** TCP drain rate of the socket's send buffer (RTMP). */
        SEND_RATE,
        /** Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb). */
        REMB,
        /**
         * Sender-side estimate of a congestion controller (e.g. GCC, draft-ietf-rmcat-gcc-02) driven by
         * transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions):
         * what the path could carry.
         */
        TRANSPORT_CC,
        /**
         * Delivery rate measured from transport-wide congestion control feedback: the octets the peer
         * received over the feedback's arrival span. What got through at the current send rate, not what
         * the path could carry (it never exceeds the send rate), so not a congestion controller's estimate.
         */
        DELIVERY_RATE,
        /** Loss-based estimate from RTCP receiver reports (RFC 3550 §6.4). */
        LOSS
    }

    /** A raw measurement: {@code reason} is {@link RateChangeReason#MEASURED}. */
    public BandwidthEstimate(Kind kind, long bitrateBps, long queuedBytes, long queueDelayUs, double lossFraction,
                             long rttUs) {
        this(kind, bitrateBps, queuedBytes, queueDelayUs, lossFraction, rttUs, RateChangeReason.MEASURED);
    }

    public BandwidthEstimate {
        java.util.Objects.requireNonNull(reason, "reason");
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        if (lossFraction < 0 || lossFraction > 1) {
            throw new IllegalArgumentException("lossFraction: " + lossFraction + " (expected: 0..1)");
        }
    }
}
