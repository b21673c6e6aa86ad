package io.sluice.core.spi;

import io.sluice.core.Rational;
import io.sluice.core.VideoSize;
import java.net.URI;

/**
 * What a {@link RateController} set the video encoder to, and why: shown in
 * {@link io.sluice.core.PipelineStats#rate()} and passed to {@link io.sluice.core.PipelineListener#onRateChanged}.
 *
 * @param targetBps          the video encoder's target now, bit/s
 * @param estimateBps        the governing transport's available rate (after the controller's own judgement, e.g.
 *                           the RTMP queue controller's target), bit/s; 0 before the first estimate
 * @param size               the encoded picture size the controller asked for; {@code null} if unknown
 * @param frameRate          the frame rate the controller asked for, frames per second; {@code null} if unknown
 * @param reason             what moved the target or size last
 * @param governingTransport the transport whose estimate governs; {@code null} before the first estimate
 * @param sizeChanged        {@code true} if this decision changed the picture size or the frame rate (a step of the
 *                           controller's ladder: the encoder codes an IDR picture)
 */
public record RateDecision(long targetBps, long estimateBps, VideoSize size, Rational frameRate, RateChangeReason reason,
                           URI governingTransport, boolean sizeChanged) {
    public RateDecision {
        java.util.Objects.requireNonNull(reason, "reason");
    }
}
