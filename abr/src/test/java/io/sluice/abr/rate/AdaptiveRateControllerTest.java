package io.sluice.abr.rate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.tcp.FluidSendBuffer;
import io.sluice.abr.tcp.SendQueueControllerTest;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.VideoSize;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.BandwidthEstimate.Kind;
import io.sluice.core.spi.EncoderControl;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.TransportState;
import io.sluice.core.time.ManualTicker;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AdaptiveRateControllerTest {
    private static final URI RTMP = URI.create("rtmp://127.0.0.1/live/a");
    private static final URI WHIP = URI.create("whip://127.0.0.1/whip/a");

    /** An encoder's control surface that records what it is told and validates sizes as FfmpegVideoEncoder does. */
    static final class RecordingEncoder implements EncoderControl {
        long bitrate;
        VideoSize size;
        final List<VideoSize> sizes = new ArrayList<>();
        boolean resizable = true;
        boolean inPlace;
        /** Null: the encoder does not report a frame rate (the default of {@link EncoderControl}). */
        io.sluice.core.Rational frameRate;
        final List<Double> frameRates = new ArrayList<>();

        RecordingEncoder(long bitrate, VideoSize size) {
            this.bitrate = bitrate;
            this.size = size;
        }

        @Override
        public void setTargetBitrate(long bitrateBps) {
            assertTrue(bitrateBps > 0);
            bitrate = bitrateBps;
        }

        @Override
        public long targetBitrate() {
            return bitrate;
        }

        @Override
        public void requestKeyframe() {
        }

        @Override
        public boolean changesBitrateInPlace() {
            return inPlace;
        }

        @Override
        public boolean setResolution(int width, int height) {
            if (!resizable) {
                return false;
            }
            assertTrue(width % 2 == 0 && height % 2 == 0 && width >= 16 && height >= 16, width + "x" + height);
            size = new VideoSize(width, height);
            sizes.add(size);
            return true;
        }

        @Override
        public VideoSize resolution() {
            return size;
        }

        @Override
        public boolean setFrameRate(io.sluice.core.Rational fps) {
            if (frameRate == null) {
                return false;
            }
            frameRate = fps;
            frameRates.add(fps.toDouble());
            return true;
        }

        @Override
        public io.sluice.core.Rational frameRate() {
            return frameRate;
        }
    }

    private final ManualTicker ticker = new ManualTicker();
    private final List<RateDecision> decisions = new ArrayList<>();

    private AdaptiveRateController controller(AdaptiveBitrate config, long reserved) {
        return new AdaptiveRateController(config, reserved, ticker, decisions::add);
    }

    private static BandwidthEstimate cc(long bps, double loss) {
        return new BandwidthEstimate(Kind.TRANSPORT_CC, bps, 0, 0, loss, 20_000, RateChangeReason.DELAY);
    }

    @Test
    void estimateLessOverheadRetransmissionsAndAudioBecomesTheTarget() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 64_000);
        c.attach(enc);
        assertEquals(2_500_000, enc.bitrate, "the encoder's bitrate is the ceiling and the start");
        c.onBandwidthEstimate(WHIP, cc(1_000_000, 0.1));
        long expected = (long) (1_000_000 * (1 - AdaptiveRateController.RTP_OVERHEAD) * 0.9) - 64_000;
        assertEquals(expected, enc.bitrate);
        RateDecision d = c.current();
        assertEquals(expected, d.targetBps());
        assertEquals(RateChangeReason.DELAY, d.reason());
        assertEquals(WHIP, d.governingTransport());
        assertEquals(decisions.get(decisions.size() - 1), d);
    }

    @Test
    void minMaxAndStartBound() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().minBitrateBps(400_000).maxBitrateBps(1_200_000)
                .startBitrateBps(800_000).build(), 0);
        c.attach(enc);
        assertEquals(800_000, enc.bitrate, "start");
        c.onBandwidthEstimate(WHIP, cc(100_000, 0));
        assertEquals(400_000, enc.bitrate, "min");
        ticker.advanceMillis(1500);
        c.onBandwidthEstimate(WHIP, cc(50_000_000, 0));
        assertEquals(1_200_000, enc.bitrate, "max");
    }

    @Test
    @DisplayName("over a measured network path the automatic start is max(300 kbit/s, max / 4, top rung's minimum); the user's start wins")
    void networkPathStartsBelowTheMaximum() {
        AdaptiveBitrate auto = AdaptiveBitrate.builder().minBitrateBps(150_000).build();
        // 640x480 at 2.5 Mbit/s (the bottleneck harness): a quarter of the maximum, above the size's minimum.
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        AdaptiveRateController c = new AdaptiveRateController(
                new io.sluice.core.spi.RateControllerProvider.Context(auto, 128_000, ticker, decisions::add, true));
        c.attach(enc);
        assertEquals(625_000, enc.bitrate);
        assertEquals(new VideoSize(640, 480), enc.size, "the start keeps the picture size");
        // 1280x720 at 2.5 Mbit/s: the 720p rung's minimum (900 kbit/s) is more than a quarter.
        enc = new RecordingEncoder(2_500_000, new VideoSize(1280, 720));
        c = new AdaptiveRateController(new io.sluice.core.spi.RateControllerProvider.Context(auto, 0, ticker, decisions::add, true));
        c.attach(enc);
        assertEquals(ResolutionLadder.below(new VideoSize(1280, 720)).get(0).minBps(), enc.bitrate);
        // 320x180 at 800 kbit/s: libwebrtc's 300 kbit/s.
        enc = new RecordingEncoder(800_000, new VideoSize(320, 180));
        c = new AdaptiveRateController(new io.sluice.core.spi.RateControllerProvider.Context(auto, 0, ticker, decisions::add, true));
        c.attach(enc);
        assertEquals(AdaptiveRateController.NETWORK_START_BPS, enc.bitrate);
        // The user's start wins; without a network path, the maximum.
        enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        c = new AdaptiveRateController(new io.sluice.core.spi.RateControllerProvider.Context(
                auto.toBuilder().startBitrateBps(2_000_000).build(), 0, ticker, decisions::add, true));
        c.attach(enc);
        assertEquals(2_000_000, enc.bitrate);
        enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        c = new AdaptiveRateController(new io.sluice.core.spi.RateControllerProvider.Context(auto, 0, ticker, decisions::add));
        c.attach(enc);
        assertEquals(2_500_000, enc.bitrate);
    }

    @Test
    @DisplayName("RTMP from the automatic start on a 1 Mbit/s path: ramps to the path within 3 s, queue under 500 ms, no size change")
    void rtmpStartUpRampsToThePath() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        AdaptiveRateController c = new AdaptiveRateController(new io.sluice.core.spi.RateControllerProvider.Context(
                AdaptiveBitrate.defaults(), 0, ticker, decisions::add, true));
        c.attach(enc);
        FluidSendBuffer link = new FluidSendBuffer(t -> 1_000_000);
        long maxQueueUs = 0;
        long reachedUs = -1;
        while (link.nowUs() < 8_000_000) {
            long sending = (long) (enc.bitrate / (1 - AdaptiveRateController.RTMP_OVERHEAD));
            link.step(sending);
            ticker.advanceNanos(FluidSendBuffer.STEP_US * 1000);
            if (link.nowUs() % 200_000 == 0) {
                c.onBandwidthEstimate(RTMP, new BandwidthEstimate(Kind.SEND_RATE, link.takeDrainBps(), link.queuedBytes(),
                        link.queuedMediaUs(), 0, 0));
            }
            maxQueueUs = Math.max(maxQueueUs, link.queuedMediaUs());
            if (reachedUs < 0 && sending >= 850_000) {
                reachedUs = link.nowUs();
            }
        }
        System.out.printf("RTMP start-up: 85 %% of the path after %d ms, max queued media %d ms, target %d kb/s%n",
                reachedUs / 1000, maxQueueUs / 1000, enc.bitrate / 1000);
        assertTrue(reachedUs > 0 && reachedUs <= 3_000_000, "85 % of 1 Mbit/s after " + reachedUs + " us");
        assertTrue(maxQueueUs <= 500_000, "queued media " + maxQueueUs / 1000 + " ms");
        assertTrue(enc.sizes.isEmpty(), "size changes: " + enc.sizes);
    }

    @Test
    void increasesAtMostOncePerSecondDecreasesAtOnce() {
        RecordingEncoder enc = new RecordingEncoder(3_000_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().startBitrateBps(500_000).build(), 0);
        c.attach(enc);
        c.onBandwidthEstimate(WHIP, cc(1_000_000, 0));
        long first = enc.bitrate;
        ticker.advanceMillis(200);
        c.onBandwidthEstimate(WHIP, cc(1_500_000, 0));
        assertEquals(first, enc.bitrate, "second increase within 1 s waits");
        ticker.advanceMillis(900);
        c.onBandwidthEstimate(WHIP, cc(1_500_000, 0));
        assertTrue(enc.bitrate > first);
        ticker.advanceMillis(10);
        c.onBandwidthEstimate(WHIP, cc(600_000, 0));
        assertEquals((long) (600_000 * (1 - AdaptiveRateController.RTP_OVERHEAD)), enc.bitrate, "decrease at once");
    }

    /**
     * GCC's estimate climbing 8 % a second, reported every 50 ms: an encoder that changes its rate in place follows
     * within 2 % and 200 ms (video target ≥ 0.95 × the estimate's share the whole climb); one that must reopen (a
     * keyframe per change) keeps the once-a-second rule and lags by up to a second's climb.
     */
    @Test
    void anInPlaceEncoderFollowsAClimbClosely() {
        for (boolean inPlace : new boolean[] {true, false}) {
            RecordingEncoder enc = new RecordingEncoder(3_000_000, new VideoSize(640, 480));
            enc.inPlace = inPlace;
            AdaptiveRateController c = controller(AdaptiveBitrate.builder().startBitrateBps(500_000).build(), 0);
            c.attach(enc);
            double estimate = 600_000;
            double worst = 1;
            int changes = 0;
            long last = -1;
            for (int i = 0; i < 200; i++) { // 10 s
                ticker.advanceMillis(50);
                estimate *= Math.pow(1.08, 0.05);
                c.onBandwidthEstimate(WHIP, cc((long) estimate, 0));
                if (enc.bitrate != last) {
                    changes++;
                    last = enc.bitrate;
                }
                if (i >= 20) {
                    worst = Math.min(worst, enc.bitrate / (estimate * (1 - AdaptiveRateController.RTP_OVERHEAD)));
                }
            }
            if (inPlace) {
                assertTrue(worst >= 0.95, "in place: worst setting/share " + worst);
            } else {
                assertTrue(worst < 0.95, "reopening encoder: worst setting/share " + worst);
                assertTrue(changes <= 11, "reopening encoder: " + changes + " changes in 10 s");
            }
        }
    }

    @Test
    void slowestGovernsUnlessConfiguredAndReconnectingTransportDropsOut() {
        RecordingEncoder enc = new RecordingEncoder(4_000_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        c.onBandwidthEstimate(WHIP, cc(3_000_000, 0));
        c.onBandwidthEstimate(URI.create("whip://b/x"), cc(1_000_000, 0));
        assertEquals((long) (1_000_000 * 0.95), enc.bitrate, "the slowest governs");
        assertEquals(URI.create("whip://b/x"), c.current().governingTransport());

        c.onTransportState(URI.create("whip://b/x"), TransportState.RECONNECTING);
        ticker.advanceMillis(1100);
        c.onBandwidthEstimate(WHIP, cc(3_000_000, 0));
        assertEquals((long) (3_000_000 * 0.95), enc.bitrate, "a reconnecting transport no longer holds the rate down");

        c.onTransportState(URI.create("whip://b/x"), TransportState.CONNECTED);
        c.onBandwidthEstimate(URI.create("whip://b/x"), cc(1_000_000, 0));
        assertEquals((long) (1_000_000 * 0.95), enc.bitrate, "back in the min once connected");

        RecordingEncoder enc2 = new RecordingEncoder(4_000_000, new VideoSize(1280, 720));
        AdaptiveRateController fastest = controller(AdaptiveBitrate.builder().governing(AdaptiveBitrate.Governing.FASTEST).build(), 0);
        fastest.attach(enc2);
        fastest.onBandwidthEstimate(WHIP, cc(3_000_000, 0));
        fastest.onBandwidthEstimate(URI.create("whip://b/x"), cc(1_000_000, 0));
        assertEquals((long) (3_000_000 * 0.95), enc2.bitrate, "FASTEST: the best-connected governs");
    }

    @Test
    void deliveryRateIsIgnored() {
        RecordingEncoder enc = new RecordingEncoder(2_000_000, new VideoSize(640, 480));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        c.onBandwidthEstimate(WHIP, new BandwidthEstimate(Kind.DELIVERY_RATE, 300_000, 0, 0, 0, 0));
        assertEquals(2_000_000, enc.bitrate);
    }

    @Test
    void resolutionStepsDownAndUpWithHysteresisKeepingAspectAndEvenSizes() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        // 720p's minimum is 0.9 Mbit/s: 0.8 is below it but above 75 % of it, so the size waits 1 s.
        c.onBandwidthEstimate(WHIP, cc(842_106, 0)); // 800 kbit/s of video
        assertTrue(enc.sizes.isEmpty(), "not at once");
        ticker.advanceMillis(500);
        c.onBandwidthEstimate(WHIP, cc(842_106, 0));
        assertTrue(enc.sizes.isEmpty());
        ticker.advanceMillis(600);
        c.onBandwidthEstimate(WHIP, cc(842_106, 0));
        assertEquals(List.of(new VideoSize(960, 540)), enc.sizes, "one step down after 1 s");
        RateDecision d = c.current();
        assertTrue(d.sizeChanged());
        assertEquals(new VideoSize(960, 540), d.size());

        // A deep cut goes down at once, one step per 2 s at most.
        ticker.advanceMillis(2100);
        c.onBandwidthEstimate(WHIP, cc(200_000, 0));
        assertEquals(new VideoSize(640, 360), enc.size);
        ticker.advanceMillis(500);
        c.onBandwidthEstimate(WHIP, cc(200_000, 0));
        assertEquals(new VideoSize(640, 360), enc.size, "no second change within 2 s");
        ticker.advanceMillis(1600);
        c.onBandwidthEstimate(WHIP, cc(200_000, 0));
        assertEquals(new VideoSize(480, 270), enc.size);

        // Up: 30 % above the next size's minimum for 4 s, one step at a time, never above 720p.
        for (int i = 0; i < 60; i++) {
            ticker.advanceMillis(500);
            c.onBandwidthEstimate(WHIP, cc(5_000_000, 0));
        }
        assertEquals(new VideoSize(1280, 720), enc.size);
        assertEquals(List.of(new VideoSize(960, 540), new VideoSize(640, 360), new VideoSize(480, 270),
                new VideoSize(640, 360), new VideoSize(960, 540), new VideoSize(1280, 720)), enc.sizes);
    }

    @Test
    @DisplayName("below the smallest size the frame rate steps to 1/2 and 1/3 with the same hysteresis, and back up")
    void frameRateStepsBelowTheSmallestSize() {
        RecordingEncoder enc = new RecordingEncoder(1_000_000, new VideoSize(640, 480));
        enc.frameRate = io.sluice.core.Rational.of(30, 1);
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().minBitrateBps(10_000).build(), 0);
        c.attach(enc);
        ResolutionLadder l = ResolutionLadder.below(new VideoSize(640, 480), io.sluice.core.Rational.of(30, 1), true);
        assertEquals(List.of(new VideoSize(640, 480), new VideoSize(480, 360), new VideoSize(360, 270), new VideoSize(240, 180),
                new VideoSize(240, 180), new VideoSize(240, 180)), l.rungs().stream().map(ResolutionLadder.Rung::size).toList());
        assertEquals(List.of(30.0, 30.0, 30.0, 30.0, 15.0, 10.0),
                l.rungs().stream().map(r -> r.frameRate().toDouble()).toList());
        for (int i = 1; i < l.size(); i++) {
            assertTrue(l.get(i).minBps() < l.get(i - 1).minBps() && l.get(i).maxBps() < l.get(i - 1).maxBps(), l.toString());
        }
        // 12 kbit/s of video: down one rung per 2 s, through every size, then 15 and 10 fps.
        for (int i = 0; i < 30; i++) {
            ticker.advanceMillis(500);
            c.onBandwidthEstimate(WHIP, cc(12_632, 0));
        }
        assertEquals(new VideoSize(240, 180), enc.size);
        assertEquals(List.of(15.0, 10.0), enc.frameRates, "frame rate steps after the sizes");
        RateDecision d = c.current();
        assertEquals(10.0, d.frameRate().toDouble(), 1e-9);
        assertTrue(decisions.stream().filter(RateDecision::sizeChanged).count() >= 5, "each step is a decision that changes the rung");
        // Back up: frame rate first, then sizes.
        for (int i = 0; i < 60; i++) {
            ticker.advanceMillis(500);
            c.onBandwidthEstimate(WHIP, cc(2_000_000, 0));
        }
        assertEquals(List.of(15.0, 10.0, 15.0, 30.0), enc.frameRates);
        assertEquals(new VideoSize(640, 480), enc.size);
        assertEquals(30.0, c.current().frameRate().toDouble(), 1e-9);
    }

    @Test
    void frameRateStepsOffOrUnsupportedKeepTheFrameRate() {
        RecordingEncoder enc = new RecordingEncoder(1_000_000, new VideoSize(640, 480));
        enc.frameRate = io.sluice.core.Rational.of(30, 1);
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().minBitrateBps(10_000).adaptFrameRate(false).build(), 0);
        c.attach(enc);
        for (int i = 0; i < 30; i++) {
            ticker.advanceMillis(500);
            c.onBandwidthEstimate(WHIP, cc(12_632, 0));
        }
        assertEquals(new VideoSize(240, 180), enc.size);
        assertTrue(enc.frameRates.isEmpty(), "adaptFrameRate(false)");
        // An encoder that reports no frame rate: sizes only, as before.
        RecordingEncoder plain = new RecordingEncoder(1_000_000, new VideoSize(640, 480));
        AdaptiveRateController p = controller(AdaptiveBitrate.builder().minBitrateBps(10_000).build(), 0);
        p.attach(plain);
        for (int i = 0; i < 30; i++) {
            ticker.advanceMillis(500);
            p.onBandwidthEstimate(WHIP, cc(12_632, 0));
        }
        assertEquals(new VideoSize(240, 180), plain.size);
        assertEquals(null, p.current().frameRate());
        // Fixed size, frame rate allowed: the top size's frame-rate steps.
        RecordingEncoder fixed = new RecordingEncoder(1_000_000, new VideoSize(640, 480));
        fixed.frameRate = io.sluice.core.Rational.of(30, 1);
        AdaptiveRateController f = controller(AdaptiveBitrate.builder().minBitrateBps(10_000).adaptResolution(false).build(), 0);
        f.attach(fixed);
        for (int i = 0; i < 30; i++) {
            ticker.advanceMillis(500);
            f.onBandwidthEstimate(WHIP, cc(100_000, 0));
        }
        assertTrue(fixed.sizes.isEmpty());
        assertEquals(List.of(15.0, 10.0), fixed.frameRates);
    }

    /** Runs {@code seconds} of a 30 fps encoder whose output is {@code efficiency} × its setting, with steady estimates. */
    private void encode(AdaptiveRateController c, RecordingEncoder enc, double seconds, double efficiency, long estimateBps,
            long[] pts) {
        for (int i = 0; i < seconds * 30; i++) {
            ticker.advanceNanos(33_333_333);
            pts[0] += 33_333;
            c.onVideoEncoded((int) (enc.bitrate * efficiency / 8 / 30), pts[0]);
            if (i % 6 == 0) {
                c.onBandwidthEstimate(WHIP, cc(estimateBps, 0));
            }
        }
    }

    @Test
    @DisplayName("an encoder that undershoots its setting is told more, up to 1.3 x the target; never above it once it catches up; a cut resets")
    void encoderUndershootIsCompensatedWithinBounds() {
        RecordingEncoder enc = new RecordingEncoder(2_000_000, new VideoSize(640, 480));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        long[] pts = {0};
        long estimate = 1_052_632; // 1 Mbit/s of video after 5 % overhead
        encode(c, enc, 1, 0.6, estimate, pts);
        long target = c.current().targetBps();
        assertEquals(1_000_000, target, 1);
        assertEquals(target, enc.bitrate, 1, "no boost before the output is measured");
        encode(c, enc, 12, 0.6, estimate, pts);
        assertEquals(target, c.current().targetBps(), "the target is the network's");
        double boost = (double) enc.bitrate / target;
        assertEquals(AdaptiveRateController.MAX_BOOST, boost, 0.01, "0.6 efficient: 1/0.6 = 1.67, capped at 1.3");
        // The encoder catches up (a complex scene): its output above the target takes the boost back down.
        encode(c, enc, 12, 1.0, estimate, pts);
        assertEquals(target, enc.bitrate, 1, "output at the setting: no boost");
        // 0.85 efficient: boost to about 0.98/0.85 (within the 15 %-a-second steps), output then near the target.
        encode(c, enc, 15, 0.85, estimate, pts);
        boost = (double) enc.bitrate / target;
        assertTrue(boost >= 1.1 && boost <= 1.2, "boost " + boost + " (0.95 / 0.85 = 1.12 .. 0.98 / 0.85 = 1.15)");
        // A cut: the encoder gets the new target, not more.
        c.onBandwidthEstimate(WHIP, cc(526_316, 0));
        assertEquals(500_000, c.current().targetBps(), 1);
        assertEquals(500_000, enc.bitrate, 1, "a decrease resets the boost");
    }

    @Test
    @DisplayName("during a climb (a raised target every second) an undershooting encoder is told more within 3 s")
    void encoderUndershootIsCompensatedDuringAClimb() {
        RecordingEncoder enc = new RecordingEncoder(5_000_000, new VideoSize(640, 480));
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().startBitrateBps(800_000).build(), 0);
        c.attach(enc);
        long[] pts = {0};
        double estimate = 842_105; // 800 kbit/s of video after 5 % overhead
        double efficiency = 0.88;  // x264 on the bottleneck bench: 0.83-0.99 of its setting
        double outputBits = 0;
        double targetBits = 0;
        for (int s = 0; s < 8; s++) {
            estimate *= 1.08; // AIMD's multiplicative increase: a raised target every second
            for (int i = 0; i < 30; i++) {
                ticker.advanceNanos(33_333_333);
                pts[0] += 33_333;
                int bytes = (int) (enc.bitrate * efficiency / 8 / 30);
                c.onVideoEncoded(bytes, pts[0]);
                if (i % 6 == 0) {
                    c.onBandwidthEstimate(WHIP, cc((long) estimate, 0));
                }
                if (s >= 3) {
                    outputBits += bytes * 8.0;
                    targetBits += c.current().targetBps() / 30.0;
                }
            }
        }
        assertTrue(c.current().targetBps() > 1_200_000, "the target climbed: " + c.current().targetBps());
        assertTrue(enc.bitrate > c.current().targetBps() * 1.05, "boosted: setting " + enc.bitrate + " for target "
                + c.current().targetBps());
        double usage = outputBits / targetBits;
        assertTrue(usage >= 0.95 && usage <= 1.05, "output / target from 3 s on: " + usage);
    }

    /**
     * An encoder that changes its rate in place follows a smooth climb (8 % a second, reported every 200 ms) within
     * one 2 % step and is not boosted while it climbs (each small change restarts the output's settle time); once the
     * target holds still, its undershoot is compensated. Why not during the climb: x264's output lags a rising
     * setting by about its VBV buffer, which the 2 s meter read as undershoot; boosting on it made the encoder
     * overshoot when the climb stopped, and the 1 → 2.5 Mbit/s step of RFC 8867 §5.1 took 10.2-11.7 s instead of
     * 4.6-7.7 s (bottleneck bench, three alternating pairs on a quiet machine, session 10).
     */
    @Test
    void anInPlaceEncoderIsCompensatedWhenTheTargetHoldsNotWhileItClimbs() {
        RecordingEncoder enc = new RecordingEncoder(5_000_000, new VideoSize(640, 480));
        enc.inPlace = true;
        AdaptiveRateController c = controller(AdaptiveBitrate.builder().startBitrateBps(800_000).build(), 0);
        c.attach(enc);
        long[] pts = {0};
        double estimate = 842_105; // 800 kbit/s of video after 5 % overhead
        double efficiency = 0.88;
        for (int i = 0; i < 150; i++) { // 5 s of climb
            ticker.advanceNanos(33_333_333);
            pts[0] += 33_333;
            c.onVideoEncoded((int) (enc.bitrate * efficiency / 8 / 30), pts[0]);
            if (i % 6 == 0) {
                estimate *= Math.pow(1.08, 0.2);
                c.onBandwidthEstimate(WHIP, cc((long) estimate, 0));
                assertEquals(c.current().targetBps(), enc.bitrate, "no boost while climbing (frame " + i + ")");
                double share = estimate * (1 - AdaptiveRateController.RTP_OVERHEAD);
                assertTrue(enc.bitrate >= share / 1.021, "within one step of the share: " + enc.bitrate + " for " + share);
            }
        }
        long target = c.current().targetBps();
        encode(c, enc, 6, efficiency, (long) estimate, pts); // the target holds
        assertEquals(target, c.current().targetBps());
        double boost = (double) enc.bitrate / target;
        assertTrue(boost >= 1.05, "compensated once the target holds: boost " + boost);
    }

    @Test
    void oddSourceSizesGiveEvenRungsWithTheSourceAspect() {
        ResolutionLadder l = ResolutionLadder.below(new VideoSize(640, 480));
        assertEquals(new VideoSize(640, 480), l.get(0).size());
        for (ResolutionLadder.Rung r : l.rungs()) {
            assertEquals(0, r.size().width() % 2);
            assertEquals(0, r.size().height() % 2);
            assertEquals(4.0 / 3, (double) r.size().width() / r.size().height(), 0.02, r.toString());
            assertTrue(r.minBps() < r.maxBps());
        }
        assertEquals(new VideoSize(480, 360), l.get(1).size());
        assertEquals(300_000, ResolutionLadder.limit(640L * 360, 1));
        assertEquals(2_500_000, ResolutionLadder.limit(1280L * 720, 2));
    }

    @Test
    void aLowConfiguredBitrateKeepsItsSizeWhileTheNetworkAllowsIt() {
        RecordingEncoder enc = new RecordingEncoder(300_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        for (int i = 0; i < 10; i++) {
            ticker.advanceMillis(500);
            c.onBandwidthEstimate(WHIP, cc(5_000_000, 0));
        }
        assertTrue(enc.sizes.isEmpty(), "300 kbit/s at 720p as configured: " + enc.sizes);
        c.onBandwidthEstimate(WHIP, cc(200_000, 0));
        assertEquals(new VideoSize(960, 540), enc.size, "under the maximum the network limits: smaller");
    }

    @Test
    void anEncoderThatCannotResizeAdaptsBitrateOnly() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(1280, 720));
        enc.resizable = false;
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 0);
        c.attach(enc);
        c.onBandwidthEstimate(WHIP, cc(300_000, 0));
        assertEquals((long) (300_000 * 0.95), enc.bitrate);
        assertEquals(new VideoSize(1280, 720), enc.size);
    }

    @Test
    @DisplayName("RTMP through the whole controller, capacity 1 → 2.5 → 0.6 → 1 Mbit/s: video + audio follow the capacity")
    void rtmpCapacityScheduleThroughTheController() {
        long audio = 128_000;
        RecordingEncoder enc = new RecordingEncoder(2_400_000, new VideoSize(1280, 720));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), audio);
        c.attach(enc);
        FluidSendBuffer link = new FluidSendBuffer(SendQueueControllerTest::schedule);
        List<long[]> run = new ArrayList<>(); // {tUs, capacity, link rate sent, queued media}
        long nextReport = 200_000;
        while (link.nowUs() < 60_000_000) {
            long sending = (long) ((enc.bitrate + audio) / (1 - AdaptiveRateController.RTMP_OVERHEAD));
            link.step(sending);
            ticker.advanceNanos(FluidSendBuffer.STEP_US * 1000);
            if (link.nowUs() >= nextReport) {
                nextReport += 200_000;
                c.onBandwidthEstimate(RTMP, new BandwidthEstimate(Kind.SEND_RATE, link.takeDrainBps(), link.queuedBytes(),
                        link.queuedMediaUs(), 0, 0));
            }
            run.add(new long[] {link.nowUs(), SendQueueControllerTest.schedule(link.nowUs()), sending, link.queuedMediaUs()});
        }
        for (long stepUs : new long[] {15_000_000, 45_000_000}) {
            long reached = run.stream().filter(r -> r[0] >= stepUs && r[2] >= 0.9 * r[1]).mapToLong(r -> r[0]).findFirst().orElse(Long.MAX_VALUE);
            System.out.printf("controller, step up at %d s: 90 %% of capacity after %.2f s%n", stepUs / 1_000_000, (reached - stepUs) / 1e6);
            assertTrue(reached - stepUs <= 10_000_000, "90 % of capacity " + (reached - stepUs) / 1e6 + " s after " + stepUs / 1e6 + " s");
        }
        long queued = run.stream().filter(r -> r[0] >= 30_000_000 && r[3] >= 200_000).mapToLong(r -> r[0]).findFirst().orElseThrow();
        long cut = run.stream().filter(r -> r[0] >= queued && r[2] <= r[1]).mapToLong(r -> r[0]).findFirst().orElseThrow();
        System.out.printf("controller, step down at 30 s: sending under capacity %.2f s after 200 ms queued%n", (cut - queued) / 1e6);
        assertTrue(cut - queued <= 500_000, "cut " + (cut - queued) / 1e6 + " s after 200 ms queued");
        long[] q = run.stream().filter(r -> r[0] >= 2_000_000).mapToLong(r -> r[3]).sorted().toArray();
        System.out.printf("controller: p95 queued media %d ms; sizes %s%n", q[(int) (q.length * 0.95)] / 1000, enc.sizes);
        assertTrue(q[(int) (q.length * 0.95)] <= 600_000, "p95 queued media " + q[(int) (q.length * 0.95)] / 1000 + " ms");
        assertTrue(enc.sizes.contains(new VideoSize(640, 360)), "0.6 Mbit/s takes the picture to 360p: " + enc.sizes);
        assertTrue(enc.sizes.indexOf(new VideoSize(1280, 720)) > enc.sizes.indexOf(new VideoSize(640, 360)),
                "2.5 Mbit/s brought 720p back: " + enc.sizes);
        assertTrue(enc.sizes.lastIndexOf(new VideoSize(480, 270)) > enc.sizes.indexOf(new VideoSize(1280, 720)),
                "0.6 Mbit/s took it down again: " + enc.sizes);
    }

    @Test
    void rtmpQueueReportsCutTheEncoder() {
        RecordingEncoder enc = new RecordingEncoder(2_500_000, new VideoSize(640, 480));
        AdaptiveRateController c = controller(AdaptiveBitrate.defaults(), 128_000);
        c.attach(enc);
        c.onBandwidthEstimate(RTMP, new BandwidthEstimate(Kind.SEND_RATE, 2_600_000, 0, 0, 0, 0));
        assertEquals(2_500_000, enc.bitrate, "an empty queue at the maximum changes nothing");
        for (int i = 0; i < 2; i++) {
            ticker.advanceMillis(200);
            c.onBandwidthEstimate(RTMP, new BandwidthEstimate(Kind.SEND_RATE, 1_000_000, 80_000, 300_000, 0, 0));
        }
        RateDecision d = c.current();
        assertNotNull(d);
        assertEquals(RateChangeReason.QUEUE, d.reason());
        assertTrue(enc.bitrate < 1_000_000 * 0.9 - 128_000, "under the drain rate less margin and audio: " + enc.bitrate);
        assertFalse(enc.bitrate < 150_000);
    }
}
