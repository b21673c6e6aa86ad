package io.sluice.abr.sim;

import io.sluice.abr.rate.AdaptiveRateController;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.EncoderControl;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.core.time.ManualTicker;
import java.net.URI;

/**
 * The bottleneck bench's WHIP publisher with Sluice's own application in the loop: each congestion-controller target
 * goes through a real {@link AdaptiveRateController} (its increase rules and its encoder-undershoot compensation),
 * whose setting drives an encoder like {@link EncoderModel#likeX264} (output ramping to a raised setting with
 * {@link #X264_RESPONSE_TIME_US}, {@code outputFraction} × the setting); every frame is metered back to the
 * controller ({@link AdaptiveRateController#onVideoEncoded}). A target is passed as a transport-cc estimate of
 * {@code target / (1 - 5 %)}, so that the controller's video target is the congestion controller's target (the
 * simulation's packets carry no header overhead of their own) and no audio is reserved.
 */
public final class AdaptedEncoderModel extends EncoderModel {
    private static final URI TRANSPORT = URI.create("sim://flow");
    private final ManualTicker ticker = new ManualTicker(0, ManualTicker.DEFAULT_START_WALL_CLOCK_MICROS);
    private final AdaptiveRateController controller;

    /**
     * @param startBps       the encoder's rate before the first target, bit/s (the controller's start)
     * @param outputFraction the encoder's output / its setting, (0, 1]
     */
    public AdaptedEncoderModel(long startBps, double outputFraction) {
        super(Long.MAX_VALUE, 1, X264_RESPONSE_TIME_US, outputFraction);
        appliedBps = startBps;
        controller = new AdaptiveRateController(AdaptiveBitrate.builder().minBitrateBps(30_000)
                .maxBitrateBps(20_000_000).startBitrateBps(startBps).build(), 0, ticker, d -> { });
        controller.attach(new EncoderControl() {
            @Override
            public void setTargetBitrate(long bitrateBps) {
                appliedBps = bitrateBps;
            }

            @Override
            public long targetBitrate() {
                return appliedBps;
            }

            @Override
            public void requestKeyframe() {
            }

            @Override
            public boolean changesBitrateInPlace() {
                return true; // like libx264
            }
        });
    }

    /** Like the bench's x264 publisher: output {@link #X264_OUTPUT_FRACTION} × the setting, 300 kbit/s start. */
    public static AdaptedEncoderModel likeX264WithController() {
        return new AdaptedEncoderModel(300_000, X264_OUTPUT_FRACTION);
    }

    @Override
    public void onTarget(long targetBps, long nowUs) {
        advanceTo(nowUs);
        controller.onBandwidthEstimate(TRANSPORT, new BandwidthEstimate(BandwidthEstimate.Kind.TRANSPORT_CC,
                (long) Math.ceil(targetBps / 0.95), 0, 0, 0, 100_000, RateChangeReason.DELAY));
    }

    @Override
    public int nextFrameBytes(long targetBps, long nowUs) {
        advanceTo(nowUs);
        int bytes = super.nextFrameBytes(targetBps, nowUs);
        controller.onVideoEncoded(bytes, nowUs);
        return bytes;
    }

    private void advanceTo(long nowUs) {
        if (nowUs * 1000 > ticker.nanoTime()) {
            ticker.setNanoTime(nowUs * 1000);
        }
    }
}
