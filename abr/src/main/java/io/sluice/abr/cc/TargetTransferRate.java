package io.sluice.abr.cc;

import io.sluice.core.spi.RateChangeReason;
import java.util.Objects;

/**
 * What the controller lets the session send: the encoder's budget, all streams together.
 *
 * @param atTimeUs            when it was decided, µs
 * @param targetBitrateBps    rate to send at, bit/s, RTP headers and retransmissions included
 * @param estimateBitrateBps  the controller's estimate of the path's available rate, bit/s (≥ target)
 * @param lossFraction        loss seen in the latest feedback, 0..1
 * @param rttUs               round-trip time used, µs
 * @param reason              what moved the target last
 */
public record TargetTransferRate(long atTimeUs, long targetBitrateBps, long estimateBitrateBps, double lossFraction,
                                 long rttUs, RateChangeReason reason) {
    public TargetTransferRate {
        Objects.requireNonNull(reason, "reason");
        if (targetBitrateBps < 0) {
            throw new IllegalArgumentException("targetBitrateBps: " + targetBitrateBps + " (expected: >= 0)");
        }
    }
}
