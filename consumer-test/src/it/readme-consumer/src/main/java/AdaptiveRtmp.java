import io.sluice.codec.MediaSources;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.PipelineListener;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.RateDecision;

public class AdaptiveRtmp {
    public static void main(String[] args) throws Exception {
        String url = args.length > 1 ? args[1] : "rtmp://127.0.0.1:1935/live/adaptive";
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(args.length > 0 ? args[0] : "clip.mp4"))
                .realtime(true)                                     // live: adaptation applies
                .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).build())
                .adaptiveBitrate(AdaptiveBitrate.builder()          // AdaptiveBitrate.off() keeps 2.5 Mbit/s
                        .minBitrateBps(300_000)                     // never below (default 150 kbit/s)
                        .maxBitrateBps(2_000_000)                   // never above (default: the encoder's bitrate)
                        .build())
                .listener(new PipelineListener() {
                    @Override
                    public void onRateChanged(RateDecision d) {     // reason: QUEUE, DELAY, LOSS, PROBE, INCREASE...
                        System.out.println("video " + d.size() + " at " + d.targetBps() / 1000 + " kbit/s, " + d.reason()
                                + ", estimate " + d.estimateBps() / 1000 + " kbit/s from " + d.governingTransport());
                    }
                })
                .transport(url)
                .build()) {
            p.start();
            p.completion().join();
            System.out.println("last: " + p.stats().rate());        // target, estimate, size, reason
        }
    }
}
