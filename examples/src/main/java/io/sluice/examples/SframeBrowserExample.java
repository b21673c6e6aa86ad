package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FileTransport;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.crypto.Sframe;
import io.sluice.crypto.SframeDecryptor;
import io.sluice.crypto.SframeTransformStats;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.webrtc.server.WebRtcServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * End-to-end encryption from a Java publisher to a browser: the test pattern (or a file) is encoded to H.264 +
 * Opus, encrypted with SFrame (RFC 9605, NAL-preserving H.264, whole-frame Opus) and published into an in-process
 * hub that never holds the key; the WebRTC server serves it, and the page {@code /watch-e2ee/<stream>#kid=1&key=<hex>}
 * decrypts it in Chromium with an encoded transform (the key stays in the URL fragment, which the browser never
 * sends). With {@code --record}, a keyed subscriber in this process decrypts the same hub stream into a file.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.SframeBrowserExample [--input clip.mp4] [--http-port 8080]
 *     [--duration 60s] [--record decrypted.mp4]
 * </pre>
 */
public final class SframeBrowserExample {
    static final String STREAM = "live/e2ee";

    private SframeBrowserExample() {
    }

    /** The page to open and, with a recording, the subscriber's decryptor counters. */
    public record Result(String watchUrl, SframeTransformStats recorded) {
    }

    public static void main(String[] args) throws Exception {
        String input = "pattern:1280x720@30";
        int httpPort = 8080;
        Duration duration = null;
        Path record = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--input" -> input = args[++i];
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                case "--duration" -> duration = Units.parseDuration(args[++i]);
                case "--record" -> record = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        Result r = run(input, httpPort, duration, key, record);
        if (r.recorded() != null) {
            System.out.println("decrypted into " + record + ": " + r.recorded());
        }
    }

    /** Serves and publishes until the input ends, {@code duration} passes, or Ctrl-C. */
    public static Result run(String input, int httpPort, Duration duration, byte[] key, Path record) throws Exception {
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(1, key);
        try (StreamHub hub = StreamHub.create();
                WebRtcServer server = WebRtcServer.builder(hub)
                        .httpBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort))
                        .build()) {
            server.start();
            String watch = server.httpUrl().replaceAll("/$", "") + "/watch-e2ee/" + STREAM
                    + "#kid=1&key=" + HexFormat.of().formatHex(key);
            System.out.println("open in Chromium: " + watch);
            StreamPipeline.Builder publisher = StreamPipeline.builder()
                    .source(MediaSources.open(input))
                    .video(VideoEncoderConfig.builder().bitrateBps(2_000_000).gop(Duration.ofSeconds(1)).build())
                    .audio(AudioEncoderConfig.builder().codec(Codec.OPUS).build())
                    .encryption(Sframe.encryptor(keys, 1)) // the hub and the server only see ciphertext
                    .transport(hub.transport(STREAM))
                    .realtime(true);
            if (duration != null) {
                publisher.duration(duration);
            }
            StreamPipeline recorder = null;
            SframeDecryptor decryptor = null;
            try (StreamPipeline p = publisher.build()) {
                Runtime.getRuntime().addShutdownHook(new Thread(p::close));
                if (record != null) {
                    decryptor = Sframe.decryptor(keys);
                    recorder = StreamPipeline.builder()
                            .source(hub.source(STREAM, Duration.ofSeconds(30), 4096))
                            .copy(true)
                            .transform(decryptor)
                            .transport(new FileTransport(record.toUri()))
                            .openTimeout(Duration.ofSeconds(35))
                            .build();
                    StreamPipeline r = recorder;
                    Thread t = new Thread(r::start, "sframe-recorder-start"); // start() waits for the publisher
                    t.start();
                    p.start();
                    t.join();
                } else {
                    p.start();
                }
                p.completion().join();
            }
            if (recorder != null) {
                try (StreamPipeline r = recorder) {
                    r.completion().join(); // the hub source ends when the publisher leaves
                }
            }
            return new Result(watch, decryptor == null ? null : decryptor.stats());
        }
    }
}
