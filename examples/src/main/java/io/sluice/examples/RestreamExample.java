package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.core.PipelineListener;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.rtmp.client.ReconnectPolicy;
import io.sluice.rtmp.client.RtmpTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One input restreamed to several RTMP destinations at once (the YouTube-plus-Twitch case): one pipeline, one
 * {@link RtmpTransport} per destination, each with its own reconnect policy, so one ingest dropping (or refusing
 * the key) never stops the others; the pipeline ends only at the end of input or when every destination has failed.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.RestreamExample clip.mp4 \
 *     rtmp://a.rtmp.youtube.com/live2/KEY rtmp://live.twitch.tv/app/KEY [--duration 1h]
 * </pre>
 * The input is sent as it is ({@code copy}: H.264 + AAC, paced in real time); give {@code pattern} to send the test
 * pattern instead.
 */
public final class RestreamExample {
    private RestreamExample() {
    }

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        Duration duration = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--duration")) {
                duration = Units.parseDuration(args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() < 2) {
            System.err.println("usage: RestreamExample INPUT rtmp://destination1/app/key [rtmp://destination2/app/key ...] [--duration 1h]");
            System.exit(2);
        }
        List<TransportStats> stats = run(positional.get(0), positional.subList(1, positional.size()), duration);
        for (int i = 0; i < stats.size(); i++) {
            System.out.println(positional.get(i + 1) + ": " + stats.get(i));
        }
    }

    /** Sends {@code input} to every destination until the input ends or {@code duration} passes; each destination's stats. */
    public static List<TransportStats> run(String input, List<String> destinations, Duration duration) {
        List<RtmpTransport> outs = new ArrayList<>();
        StreamPipeline.Builder b = StreamPipeline.builder()
                .source(MediaSources.open(input))
                .copy(!input.startsWith("pattern"))
                .realtime(true)
                .listener(new PipelineListener() {
                    @Override
                    public void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
                        System.out.println(transport.getHost() + ": " + state + (cause != null ? " (" + cause.getMessage() + ")" : ""));
                    }

                    @Override
                    public void onError(SluiceException e) {
                        System.err.println("error: " + e.getMessage());
                    }
                });
        for (String d : destinations) {
            RtmpTransport t = RtmpTransport.builder(URI.create(d))
                    // each destination retries on its own: 0.5 s, 1 s, 2 s ... up to 10 s between attempts
                    .reconnect(ReconnectPolicy.exponentialBackoff(Duration.ofMillis(500), Duration.ofSeconds(10)))
                    .reconnectBuffer(Duration.ofSeconds(10)) // GOPs kept while it is away
                    .build();
            outs.add(t);
            b.transport(t);
        }
        try (StreamPipeline pipeline = ExampleRuns.runToEnd(b, duration)) {
            return outs.stream().map(RtmpTransport::stats).toList();
        }
    }
}
