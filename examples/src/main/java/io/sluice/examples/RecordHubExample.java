package io.sluice.examples;

import io.sluice.core.StreamPipeline;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.TransportStats;
import io.sluice.codec.ffmpeg.FileTransport;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Records a live stream to MP4 as it is published: an embedded {@link RtmpServer} takes the publisher (OBS,
 * ffmpeg, another Sluice pipeline) into a {@link StreamHub}, and a second pipeline reads the hub stream
 * ({@link StreamHub#source}, the encoded frames as published, no re-encoding) into the {@code file:} transport.
 * The recording ends, with a complete MP4 trailer, when the publisher stops.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.RecordHubExample recording.mp4 [--port 1935] [--stream live/rec]
 * # then, in another terminal:
 * ffmpeg -re -i clip.mp4 -c copy -f flv rtmp://127.0.0.1:1935/live/rec
 * </pre>
 */
public final class RecordHubExample {
    private RecordHubExample() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 && !args[0].startsWith("--") ? args[0] : "recording.mp4");
        int port = 1935;
        String stream = "live/rec";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port")) {
                port = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--stream")) {
                stream = args[++i];
            }
        }
        TransportStats stats = run(out, port, stream, Duration.ofMinutes(10));
        System.out.println("wrote " + out + ": " + stats.framesSent() + " frames, " + stats.bytesSent() + " bytes");
    }

    /** Serves RTMP on loopback {@code port}, waits up to {@code waitForPublisher} for one on {@code stream}, records it until it leaves. */
    public static TransportStats run(Path out, int port, String stream, Duration waitForPublisher) throws Exception {
        try (StreamHub hub = StreamHub.create();
                RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(port).hub(hub).build()) {
            server.start();
            System.out.println("recording rtmp://127.0.0.1:" + server.port() + "/" + stream + " to " + out
                    + "; publish with: ffmpeg -re -i clip.mp4 -c copy -f flv rtmp://127.0.0.1:" + server.port() + "/" + stream);
            FileTransport file = new FileTransport(out.toUri());
            StreamPipeline.Builder recorder = StreamPipeline.builder()
                    .source(hub.source(stream, waitForPublisher, 4096)) // ends when the publisher leaves
                    .copy(true)
                    .transport(file)
                    .openTimeout(waitForPublisher.plusSeconds(5)); // start() returns once a publisher is there
            try (StreamPipeline p = ExampleRuns.runToEnd(recorder, null)) {
                return file.stats();
            }
        }
    }
}
