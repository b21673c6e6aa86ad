package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegCodecs;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.MediaType;
import io.sluice.core.PipelineListener;
import io.sluice.core.PipelineStats;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.Transports;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code sluice} command line.
 *
 * <pre>
 * sluice                                   # the main job: embedded RTMP server + test pattern as live/demo
 * sluice serve --port 1935                 # the embedded server alone
 * sluice stream --input clip.mp4 --to out.mkv --video-bitrate 2500k --gop 2s
 * sluice encoders                          # H.264 encoders in this FFmpeg build
 * </pre>
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
        description = "Live media streaming from the JVM.%nWithout a command: starts the embedded server and publishes the test pattern as live/demo.",
        subcommands = {SluiceCli.Stream.class, SluiceCli.Serve.class, SluiceCli.Encoders.class})
public final class SluiceCli implements java.util.concurrent.Callable<Integer> {

    public static void main(String[] args) {
        quietNettyJfr();
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Turns off Netty's JFR allocator events unless {@code -Dio.netty.jfr.enabled} says otherwise. Netty
     * enables them whenever JFR is available, and registering the event classes at the first pooled
     * allocation generates their handlers (~100 classes, ASM, their compilation): 0.2–0.3 s of CPU at
     * every start of a CLI that never records (measured: {@code sluice stream --duration 0.1s} 1.3 → 1.05 s
     * user). Must run before any Netty class is initialized.
     */
    static void quietNettyJfr() {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
    }

    /** Runs the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage error). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new SluiceCli());
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("sluice: error: " + message(ex));
            return 1;
        });
        return cl.execute(args);
    }

    static String message(Throwable ex) {
        Throwable t = ex;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    @Option(names = "--port", defaultValue = "1935", description = "RTMP port for the embedded server (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port for WHEP/WHIP and the player page (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--duration", paramLabel = "<duration>", description = "Stop the demo after this long (default: until Ctrl-C).")
    String duration;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Without a command, the main job: start the embedded server and publish the test pattern into it
     * as {@code live/demo}, printing the URLs to watch.
     */
    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Duration limit = duration == null ? null : Units.parseDuration(duration);
        try (EmbeddedServer server = EmbeddedServer.start(InetAddress.getLoopbackAddress(), port, httpPort, null, null, false)) {
            server.publishDemo("live/demo", limit);
            server.printWelcome(out, "live/demo");
            Thread hook = new Thread(server::close, "sluice-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                server.demoCompletion().join();
            } finally {
                removeHook(hook);
            }
        }
        return 0;
    }

    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }

    /** {@code sluice serve}: the embedded server alone. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Runs the embedded server: RTMP ingest and playback, WebRTC playback (WHEP, player page) and ingest (WHIP), through one in-process stream hub.")
    static final class Serve implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--port", defaultValue = "1935", description = "RTMP port (default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port for WHEP/WHIP and the player page (default ${DEFAULT-VALUE}).")
        int httpPort;

        @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default ${DEFAULT-VALUE}).")
        String bind;

        @Option(names = "--tls-cert", paramLabel = "<pem>", description = "PEM certificate chain: serve rtmps instead of rtmp.")
        Path tlsCert;

        @Option(names = "--tls-key", paramLabel = "<pem>", description = "PEM (PKCS#8) private key for --tls-cert.")
        Path tlsKey;

        @Option(names = "--replace", description = "A new publisher replaces a live one (default: it is rejected with NetStream.Publish.BadName).")
        boolean replace;

        @Option(names = "--duration", paramLabel = "<duration>", description = "Stop after this long (default: until Ctrl-C).")
        String duration;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
            }
            Duration limit = duration == null ? null : Units.parseDuration(duration);
            try (EmbeddedServer server = EmbeddedServer.start(InetAddress.getByName(bind), port, httpPort, tlsCert, tlsKey, replace)) {
                server.printWelcome(spec.commandLine().getOut(), null);
                java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    server.close();
                    stop.countDown();
                }, "sluice-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    if (limit == null) {
                        stop.await();
                    } else {
                        stop.await(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                } finally {
                    removeHook(hook);
                }
            }
            return 0;
        }
    }

    /** {@code sluice stream}: one source to one destination. */
    @Command(name = "stream", mixinStandardHelpOptions = true,
            description = "Streams an input (file, URL or test pattern) to a destination (file path or URL).")
    static final class Stream implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "<file|url|pattern>",
                description = "A file or URL FFmpeg can read, or 'pattern' / 'pattern:WxH@fps' for the synthetic test pattern.")
        String input;

        @Option(names = "--to", required = true, paramLabel = "<url>",
                description = "Destination: a file path (.mp4, .mkv, .flv) or a URL such as file:/tmp/out.mp4.")
        String to;

        @Option(names = "--video-bitrate", defaultValue = "2500k", paramLabel = "<rate>", description = "Video bitrate, e.g. 2500k, 2.5M (default ${DEFAULT-VALUE}).")
        String videoBitrate;

        @Option(names = "--audio-bitrate", defaultValue = "128k", paramLabel = "<rate>", description = "Audio bitrate (default ${DEFAULT-VALUE}).")
        String audioBitrate;

        @Option(names = "--encoder", paramLabel = "<name>", description = "H.264 encoder: x264 or openh264 (default: x264 when the GPL build is present, else openh264).")
        String encoder;

        @Option(names = "--preset", defaultValue = "veryfast", description = "x264 preset (default ${DEFAULT-VALUE}).")
        String preset;

        @Option(names = "--gop", defaultValue = "2s", paramLabel = "<duration>", description = "Keyframe interval (default ${DEFAULT-VALUE}).")
        String gop;

        @Option(names = "--size", paramLabel = "<WxH>", description = "Output size, e.g. 1280x720 (default: the input's).")
        String size;

        @Option(names = "--audio-codec", defaultValue = "aac", paramLabel = "<aac|opus>", description = "Audio codec (default ${DEFAULT-VALUE}).")
        String audioCodec;

        @Option(names = "--no-audio", description = "Leave audio out.")
        boolean noAudio;

        @Option(names = "--copy", description = "Passthrough: send the input's H.264/AAC packets without re-encoding.")
        boolean copy;

        @Option(names = "--realtime", description = "Read the input at its own pace (like ffmpeg -re); default: as fast as possible.")
        boolean realtime;

        @Option(names = "--duration", paramLabel = "<duration>", description = "Stop after this much media time, e.g. 10s.")
        String duration;

        @Option(names = "--quiet", description = "No progress line.")
        boolean quiet;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            java.io.PrintWriter err = spec.commandLine().getErr();
            StreamPipeline.Builder b = StreamPipeline.builder();
            VideoEncoderConfig.Builder video = VideoEncoderConfig.builder()
                    .bitrateBps(parse("--video-bitrate", videoBitrate, Units::parseBitrate))
                    .gop(parse("--gop", gop, Units::parseDuration))
                    .encoderName(encoder)
                    .preset(preset);
            if (size != null) {
                String[] wh = size.toLowerCase(Locale.ROOT).split("x");
                if (wh.length != 2) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--size': '" + size + "' (expected WxH, e.g. 1280x720)");
                }
                video.resolution(Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim()));
            }
            AudioEncoderConfig.Builder audio = AudioEncoderConfig.builder()
                    .bitrateBps(parse("--audio-bitrate", audioBitrate, Units::parseBitrate))
                    .codec(switch (audioCodec.toLowerCase(Locale.ROOT)) {
                        case "aac" -> Codec.AAC;
                        case "opus" -> Codec.OPUS;
                        default -> throw new CommandLine.ParameterException(spec.commandLine(),
                                "Invalid value for option '--audio-codec': '" + audioCodec + "' (expected: aac or opus)");
                    });
            URI destination = Transports.parseDestination(to);
            b.video(video.build()).audio(audio.build()).copy(copy).realtime(realtime).transport(destination);
            if (noAudio) {
                b.noAudio();
            }
            if (duration != null) {
                b.duration(parse("--duration", duration, Units::parseDuration));
            }
            b.listener(new PipelineListener() {
                @Override
                public void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
                    if (state == TransportState.RECONNECTING || state == TransportState.FAILED) {
                        err.println();
                        err.println("sluice: " + transport + " " + state.name().toLowerCase(Locale.ROOT)
                                + (cause != null ? ": " + cause.getMessage() : ""));
                    }
                }
            });
            b.source(MediaSources.open(input));
            try (StreamPipeline pipeline = b.build()) {
                pipeline.start();
                err.println("sluice: " + input + " -> " + destination + "  " + pipeline.outputTracks());
                while (true) {
                    try {
                        pipeline.completion().get(500, TimeUnit.MILLISECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException e) {
                        if (!quiet) {
                            err.print("\r" + progress(pipeline.stats()));
                            err.flush();
                        }
                    } catch (ExecutionException e) {
                        if (!quiet) {
                            err.println();
                        }
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    } catch (CancellationException e) {
                        throw new SluiceException("stopped before the end of input");
                    }
                }
                if (!quiet) {
                    err.println("\r" + progress(pipeline.stats()));
                }
            }
            return 0;
        }

        private <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + e.getMessage());
            }
        }
    }

    /** One progress line: {@code frame=  300 fps= 29.9 bitrate=2480.1kb/s dropped=0 time=00:00:10.000 elapsed=00:00:10.1}. */
    static String progress(PipelineStats s) {
        long frames = 0;
        long dropped = 0;
        long bitrate = 0;
        for (PipelineStats.Track t : s.tracks()) {
            if (t.track().mediaType() == MediaType.VIDEO) {
                frames += t.framesOut();
            }
            dropped += t.framesDropped();
            bitrate += t.bitrateBps();
        }
        for (PipelineStats.Transport t : s.transports()) {
            dropped += t.queueDrops() + t.stats().framesDropped();
        }
        double secs = Math.max(1e-3, s.elapsed().toNanos() / 1e9);
        return String.format(Locale.ROOT, "frame=%6d fps=%6.1f bitrate=%8.1fkb/s dropped=%d time=%s elapsed=%s   ",
                frames, frames / secs, bitrate / 1000.0, dropped, Units.clock(s.mediaTimeUs()), Units.clock(s.elapsed().toNanos() / 1000));
    }

    /** {@code sluice encoders}: what this FFmpeg build offers. */
    @Command(name = "encoders", mixinStandardHelpOptions = true, description = "Lists the H.264 encoders of the FFmpeg build in use.")
    static final class Encoders implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println("H.264 encoders: " + FfmpegCodecs.availableH264Encoders());
            return 0;
        }
    }

}
