package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.rate.AdaptiveRateController;
import io.sluice.codec.MediaSources;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.PipelineListener;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.VideoSize;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.RateChangeReason;
import io.sluice.core.spi.RateDecision;
import io.sluice.rtmp.server.RtmpServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Adaptive bitrate end to end on loopback with real peers: a live pipeline encodes a real clip with libx264 and
 * publishes it over RTMP to the embedded server; ffprobe plays it from the server and decodes every frame. The
 * default rate controller (found through sluice-abr's provider) gets a forced congestion-controller estimate
 * partway through, as a WebRTC transport would report one; the encoder's output measured at the player must
 * follow the target, and the picture size change must reach the player as a new sequence header it decodes.
 */
class AdaptiveBitrateRtmpTest {
    private static final URI FORCED = URI.create("test:forced-estimate");
    private static final long MAX_BPS = 1_500_000;

    private record Frame(double ptsSeconds, int width, int height, int packetBytes) {
    }

    @Test
    void encoderOutputFollowsTheTargetAndASizeChangeReachesThePlayer() throws Exception {
        String clip = Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media", "bbb_480p_30s_h264_aac51.mp4").toString();
        List<RateDecision> decisions = new CopyOnWriteArrayList<>();
        try (RtmpServer server = RtmpServer.builder().port(0).build().start()) {
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/abr";
            Process player = new ProcessBuilder("/usr/bin/ffprobe", "-v", "error", "-rw_timeout", "20000000", "-select_streams", "v",
                    "-show_entries", "frame=pts_time,width,height,pkt_size", "-of", "csv=p=0", url)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Thread.sleep(500);
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open(clip))
                    .realtime(true)
                    .video(VideoEncoderConfig.builder().bitrateBps(MAX_BPS).gop(Duration.ofSeconds(2)).build())
                    .adaptiveBitrate(AdaptiveBitrate.builder().minBitrateBps(150_000).build())
                    .listener(new PipelineListener() {
                        @Override
                        public void onRateChanged(RateDecision decision) {
                            decisions.add(decision);
                        }
                    })
                    .transport(url)
                    .build()) {
                p.start();
                assertTrue(p.rateController() instanceof AdaptiveRateController, "default controller: " + p.rateController());
                Thread.sleep(8_000);
                // A congestion controller on another path says 400 kbit/s: the slowest governs.
                p.rateController().onBandwidthEstimate(FORCED,
                        new BandwidthEstimate(BandwidthEstimate.Kind.TRANSPORT_CC, 400_000, 0, 0, 0, 0, RateChangeReason.DELAY));
                RateDecision low = p.stats().rate();
                assertNotNull(low);
                assertEquals(FORCED, low.governingTransport());
                assertTrue(low.targetBps() < 300_000, "target after the forced estimate: " + low.targetBps());
                for (int i = 0; i < 8; i++) { // estimates keep coming, as a controller's would
                    Thread.sleep(1_000);
                    p.rateController().onBandwidthEstimate(FORCED,
                            new BandwidthEstimate(BandwidthEstimate.Kind.TRANSPORT_CC, 400_000, 0, 0, 0, 0, RateChangeReason.DELAY));
                }
                for (int i = 0; i < 14; i++) {
                    p.rateController().onBandwidthEstimate(FORCED,
                            new BandwidthEstimate(BandwidthEstimate.Kind.TRANSPORT_CC, 5_000_000, 0, 0, 0, 0, RateChangeReason.PROBE));
                    Thread.sleep(1_000);
                }
                p.completion().get(30, TimeUnit.SECONDS);
                System.out.println("rate decisions: " + decisions);
            }
            assertTrue(player.waitFor(30, TimeUnit.SECONDS), "player did not end after the publisher left");
            List<Frame> frames = new ArrayList<>();
            for (String line : new String(player.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.trim().split(",");
                if (f.length >= 4 && !f[0].isEmpty() && !f[0].equals("N/A")) {
                    // csv order follows ffprobe's field order: pts_time, pkt_size, width, height
                    frames.add(new Frame(Double.parseDouble(f[0]), Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[1])));
                }
            }
            assertTrue(frames.size() > 600, "frames decoded by the player: " + frames.size());
            Set<VideoSize> sizes = new LinkedHashSet<>();
            for (Frame f : frames) {
                sizes.add(new VideoSize(f.width, f.height));
            }
            double t0 = frames.get(0).ptsSeconds;
            double before = kbps(frames, t0 + 3, t0 + 8);
            double low = kbps(frames, t0 + 11, t0 + 16);
            double after = kbps(frames, t0 + 25, t0 + 29.5);
            System.out.printf("player: sizes %s; video %.0f kb/s at 3-8 s (target %d), %.0f kb/s at 11-16 s (target %d), %.0f kb/s at 25-29.5 s%n",
                    sizes, before, MAX_BPS / 1000, low, decisions.stream().filter(d -> d.governingTransport() != null
                            && d.governingTransport().equals(FORCED)).findFirst().map(d -> d.targetBps() / 1000).orElse(-1L), after);
            assertEquals(new VideoSize(854, 480), new VideoSize(frames.get(0).width, frames.get(0).height), "starts at the source size");
            assertTrue(sizes.size() >= 2, "the player decoded frames of more than one size: " + sizes);
            assertTrue(sizes.contains(new VideoSize(640, 360)), "first step down (640x360) reached the player: " + sizes);
            assertTrue(decisions.stream().anyMatch(RateDecision::sizeChanged));
            assertTrue(before > MAX_BPS / 1000.0 * 0.6 && before < MAX_BPS / 1000.0 * 1.3, "before: " + before + " kb/s");
            assertTrue(low < 400, "while the estimate is 400 kbit/s (target ~250 kbit/s of video): " + low + " kb/s");
            assertTrue(after > 3 * low, "back up after the estimate rose: " + after + " vs " + low + " kb/s");
            assertEquals(new VideoSize(854, 480), new VideoSize(frames.get(frames.size() - 1).width, frames.get(frames.size() - 1).height),
                    "back at the source size by the end");
        }
    }

    /** Video bitrate in kbit/s of the frames with PTS in [from, to) seconds. */
    private static double kbps(List<Frame> frames, double from, double to) {
        long bytes = 0;
        for (Frame f : frames) {
            if (f.ptsSeconds >= from && f.ptsSeconds < to) {
                bytes += f.packetBytes;
            }
        }
        return bytes * 8 / (to - from) / 1000;
    }
}
