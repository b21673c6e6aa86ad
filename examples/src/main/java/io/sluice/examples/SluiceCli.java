package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegCodecs;
import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.MediaType;
import io.sluice.core.PipelineListener;
import io.sluice.core.PipelineStats;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamAuthorizer;
import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.core.spi.Transports;
import io.sluice.http.push.HttpOriginWriter;
import io.sluice.http.push.OriginWriter;
import io.sluice.server.SluiceServer;
import io.sluice.server.SluiceServerException;
import java.io.IOException;
import io.sluice.crypto.Sframe;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

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
        if (args.length > 0 && (args[0].equals("stream") || args[0].equals("encoders"))) {
            NativeWarmUp.start(); // overlaps with picocli's parsing; the command awaits it
        }
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

    /**
     * Runs the CLI; returns the exit code (0 ok, 1 runtime error, 2 usage error). Every failure is one line
     * on {@code err}, {@code sluice: error: <what>: <cause>[; <hint>]}, with the stack trace only under
     * {@code --verbose}; the log goes to {@code err} too.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        SluiceCli root = new SluiceCli();
        CommandLine cl = new CommandLine(root);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("sluice: error: " + oneLine(ex.getMessage()) + " (see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        cl.setExecutionStrategy(parsed -> {
            boolean stream = parsed.subcommand() != null && parsed.subcommand().commandSpec().userObject() instanceof Stream;
            CliLog.configure(root.verbose ? CliLog.Verbosity.VERBOSE : stream ? CliLog.Verbosity.SILENT
                    : root.quiet ? CliLog.Verbosity.QUIET : CliLog.Verbosity.NORMAL, err);
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("sluice: error: " + message(ex));
            if (root.verbose) {
                ex.printStackTrace(err);
            }
            return 1;
        });
        PrintStream previous = CliLog.configure(CliLog.Verbosity.NORMAL, err);
        try {
            return cl.execute(args);
        } finally {
            CliLog.configure(CliLog.Verbosity.NORMAL, previous);
        }
    }

    /** The one-line message of a failure, with a hint where one helps. */
    static String message(Throwable ex) {
        Throwable t = ex;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = oneLine(t.getMessage() != null ? t.getMessage() : t.toString());
        if (t instanceof SluiceServerException e) {
            return m + (e.listener() == SluiceServerException.Listener.RTMP
                    ? "; pick another port with --port" : "; pick another port with --http-port");
        }
        return m;
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More log (Sluice at DEBUG) and stack traces with errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
            description = "Errors only: no progress line, no INFO or WARN log.")
    boolean quiet;

    @Option(names = "--port", defaultValue = "1935", description = "RTMP port for the embedded server (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port for WHEP/WHIP, HLS/DASH and the player pages (default ${DEFAULT-VALUE}).")
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
        try (SluiceServer server = SluiceServer.builder().rtmpPort(port).httpPort(httpPort)
                .transcoderFactory(new FfmpegFrameTranscoderFactory()).renditionLadder(SluiceCli::ladder).build().start();
             StreamPipeline demo = publishDemo(server.hub(), "live/demo", limit)) {
            printWelcome(out, server, "live/demo");
            Thread hook = new Thread(() -> {
                demo.close();
                server.close();
            }, "sluice-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                demo.completion().join();
            } finally {
                removeHook(hook);
            }
        }
        return 0;
    }

    /** WHEP viewers of B-frame H.264 (OBS's default) get the top rung of this shared ladder. */
    static RenditionLadder ladder(StreamHub hub) {
        return FfmpegRenditionLadder.builder(hub).build();
    }

    /** Publishes the synthetic test pattern (1280x720, 30 fps, with a tone), paced in real time, as hub stream {@code name}. */
    static StreamPipeline publishDemo(StreamHub hub, String name, Duration duration) {
        StreamPipeline.Builder b = StreamPipeline.builder()
                .source(MediaSources.open("pattern:1280x720@30"))
                .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).gop(Duration.ofSeconds(1)).build())
                .realtime(true)
                .transport(hub.transport(name));
        if (duration != null) {
            b.duration(duration);
        }
        StreamPipeline demo = b.build();
        demo.start();
        return demo;
    }

    /** What to do next: the URLs to publish to and play from, with token placeholders where tokens are needed. */
    static void printWelcome(PrintWriter out, SluiceServer server, String demoStream) {
        StreamAuthorizer a = server.authorizer();
        String pub = a.restricts(StreamAction.PUBLISH) ? "?token=<publish token>" : "";
        String play = a.restricts(StreamAction.PLAY) ? "?token=<play token>" : "";
        out.println("Sluice is serving RTMP on " + server.rtmpUrl("").replaceAll("/$", "") + " and WebRTC (WHEP/WHIP) on "
                + server.httpUrl());
        if (server.rtmpAddress().getAddress().isAnyLocalAddress()) {
            out.println("  on every interface: other machines use this machine's address instead of 127.0.0.1");
        }
        if (demoStream != null) {
            out.println("  watch the test pattern:  ffplay " + server.rtmpUrl(demoStream) + play);
            out.println("                      or:  open " + server.watchUrl(demoStream) + play + " in a browser");
        }
        out.println("  live streams:            " + server.httpUrl());
        out.println("  publish a clip:          ffmpeg -re -i clip.mp4 -c copy -f flv \"" + server.rtmpUrl("live/<name>") + pub + "\"");
        out.println("                      or:  sluice stream --input clip.mp4 --to \"" + server.rtmpUrl("live/<name>") + pub + "\"");
        out.println("                      or:  open " + server.httpUrl() + "publish/<name>" + pub + " in a browser (camera, WHIP)");
        out.println("  play it:                 ffplay \"" + server.rtmpUrl("live/<name>") + play + "\"");
        if (server.httpDelivery().isPresent()) {
            String bearer = play.isEmpty() ? "" : "-headers 'Authorization: Bearer <play token>' ";
            out.println("                      or:  ffplay " + bearer + server.hlsUrl("live/<name>") + "   (LL-HLS; plain.m3u8: HLS)");
            out.println("                      or:  open " + server.httpUrl() + "hls/live/<name>/player.html" + play + " in a browser (hls.js)");
            out.println("  DASH:                    " + server.dashUrl("live/<name>") + play);
        }
        server.originPushes().forEach(p -> out.println("  pushed (HLS, DASH) to:    " + p.location() + "<stream>/index.m3u8, "
                + "<stream>/manifest.mpd"));
        server.tlsFingerprint().ifPresent(f -> out.println("  TLS certificate SHA-256:  " + f
                + " (a self-signed one: compare it with what the browser shows)"));
        out.println("Ctrl-C stops the server.");
        out.flush();
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
            description = "Runs the embedded server: RTMP ingest and playback, WebRTC playback (WHEP, player page) and ingest (WHIP), HLS / LL-HLS / DASH on the HTTP port, through one in-process stream hub.")
    static final class Serve implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--port", defaultValue = "1935", description = "RTMP port (default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port for WHEP/WHIP, HLS/DASH and the player pages (default ${DEFAULT-VALUE}).")
        int httpPort;

        @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "<address>",
                description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every interface).")
        String bind;

        @Option(names = "--publish-token", paramLabel = "<secret>",
                description = "Publishing needs this token: RTMP rtmp://host/live/x?token=<secret>, WHIP Authorization: Bearer <secret>.")
        String publishToken;

        @Option(names = "--play-token", paramLabel = "<secret>",
                description = "Playing needs this token (RTMP ?token=, WHEP bearer, pages /watch/x?token=).")
        String playToken;

        @Option(names = "--metrics", description = "Serve /metrics (Prometheus) and /api/v1/streams (JSON) on the HTTP port;"
                + " reads need --play-token when one is set, DELETE /api/v1/sessions/<id> (kick) needs --publish-token.")
        boolean metrics;

        @Option(names = "--token-file", paramLabel = "<file>",
                description = "Tokens per stream pattern, one rule a line: <publish|play|any> <pattern, * wildcard> <token>.")
        Path tokenFile;

        @Option(names = "--tls-cert", paramLabel = "<pem>", description = "PEM certificate chain: serve rtmps and https instead of rtmp and http.")
        Path tlsCert;

        @Option(names = "--tls-self-signed", description = "Serve rtmps and https with a self-signed certificate made now"
                + " (for development: browsers on other machines can then use /publish); prints its fingerprint.")
        boolean tlsSelfSigned;

        @Option(names = "--tls-key", paramLabel = "<pem>", description = "PEM (PKCS#8) private key for --tls-cert.")
        Path tlsKey;

        @Option(names = "--replace", description = "A new publisher replaces a live one (default: it is refused with"
                + " NetStream.Publish.BadName). With a publish token only a token holder can replace.")
        boolean replace;

        @Option(names = "--duration", paramLabel = "<duration>", description = "Stop after this long (default: until Ctrl-C).")
        String duration;

        @Option(names = "--ice-candidate", paramLabel = "<host:port>", description = "Also advertise this WebRTC ICE host"
                + " candidate (a 1:1 NAT's public address, a port forwarding, [v6]:port for IPv6); repeatable.")
        List<String> iceCandidates = new ArrayList<>();

        @Option(names = "--push-url", paramLabel = "<url>", description = "Also push every stream as plain HLS and DASH"
                + " to this HTTP origin or CDN ingest by PUT/DELETE (e.g. nginx with dav_methods PUT DELETE): stream live/x"
                + " goes to <url>live/x/index.m3u8 and manifest.mpd; repeatable.")
        List<String> pushUrls = new ArrayList<>();

        @Option(names = "--push-header", paramLabel = "<name: value>", description = "A header sent with every push"
                + " request, e.g. 'Authorization: Bearer s3cret'; repeatable.")
        List<String> pushHeaders = new ArrayList<>();

        @Option(names = "--push-dir", paramLabel = "<dir>", description = "Also write every stream as plain HLS and DASH"
                + " into this directory (atomic replace), for a web server to serve: <dir>/live/x/index.m3u8; repeatable.")
        List<Path> pushDirs = new ArrayList<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
            }
            if (tlsSelfSigned && tlsCert != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-self-signed and --tls-cert exclude each other");
            }
            Duration limit = duration == null ? null : Units.parseDuration(duration);
            InetAddress address;
            try {
                address = InetAddress.getByName(bind);
            } catch (UnknownHostException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--bind': '" + bind
                        + "' is not an address of this machine (" + e.getMessage() + ")");
            }
            SluiceServer.Builder b = SluiceServer.builder().bindAddress(address).rtmpPort(port).httpPort(httpPort)
                    .replaceExistingPublisher(replace).authorizer(authorizer())
                    .transcoderFactory(new FfmpegFrameTranscoderFactory()).renditionLadder(SluiceCli::ladder)
                    .metrics(metrics).metricsTokens(playToken, publishToken);
            for (String c : iceCandidates) {
                int colon = c.lastIndexOf(':');
                try {
                    String host = c.substring(0, Math.max(0, colon)).replaceAll("^\\[(.*)]$", "$1");
                    if (colon <= 0 || host.isEmpty()) {
                        throw new IllegalArgumentException("expected <host>:<port>");
                    }
                    b.additionalIceCandidate(host, Integer.parseInt(c.substring(colon + 1)));
                } catch (IllegalArgumentException e) { // NumberFormatException included
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--ice-candidate': '"
                            + c + "' (" + e.getMessage() + ")");
                }
            }
            originPushes(b);
            if (tlsCert != null) {
                try {
                    b.tls(tlsCert, tlsKey);
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--tls-cert'"
                            + " or '--tls-key': " + e.getMessage());
                }
            } else if (tlsSelfSigned) {
                b.selfSignedTls();
            }
            try (SluiceServer server = b.build().start()) {
                printWelcome(spec.commandLine().getOut(), server, null);
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

        /** {@code --push-url}, {@code --push-header}, {@code --push-dir} as the server's origin pushes. */
        private void originPushes(SluiceServer.Builder b) {
            for (String u : pushUrls) {
                String url = u.endsWith("/") ? u : u + "/";
                try {
                    HttpOriginWriter.Builder w = HttpOriginWriter.builder(URI.create(url));
                    for (String h : pushHeaders) {
                        int colon = h.indexOf(':');
                        if (colon <= 0) {
                            throw new IllegalArgumentException("header '" + h + "' (expected: <name>: <value>)");
                        }
                        w.header(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
                    }
                    b.originPush(w.build());
                } catch (IllegalArgumentException e) { // URI.create's too
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--push-url'"
                            + " or '--push-header': " + e.getMessage());
                }
            }
            if (!pushHeaders.isEmpty() && pushUrls.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--push-header needs --push-url");
            }
            for (Path d : pushDirs) {
                b.originPush(OriginWriter.directory(d));
            }
        }

        private StreamAuthorizer authorizer() throws IOException {
            if (publishToken == null && playToken == null && tokenFile == null) {
                return StreamAuthorizer.ALLOW_ALL;
            }
            TokenAuthorizer.Builder t = TokenAuthorizer.builder();
            try {
                if (publishToken != null) {
                    t.publishToken(publishToken);
                }
                if (playToken != null) {
                    t.playToken(playToken);
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid token: " + e.getMessage());
            }
            if (tokenFile != null) {
                try {
                    t.tokenFile(tokenFile);
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--token-file': "
                            + tokenFile + " does not exist");
                }
            }
            return t.build();
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

        @ParentCommand
        SluiceCli root;

        @Option(names = "--encrypt-key", paramLabel = "<hex>", description = "SFrame-encrypt every frame end to end with this base key (16+ bytes, hex).")
        String encryptKey;

        @Option(names = "--decrypt-key", paramLabel = "<hex>", description = "Decrypt an SFrame stream with this base key (hex); with --copy. Fails when no frame decrypts.")
        String decryptKey;

        @Option(names = "--kid", defaultValue = "1", paramLabel = "<n>", description = "SFrame key id of the key (default ${DEFAULT-VALUE}).")
        long kid;

        @Option(names = "--abr", defaultValue = "on", paramLabel = "<on|off>",
                description = "Adaptive bitrate: the video encoder follows what RTMP/WHIP destinations measure, with --realtime or a live input (default ${DEFAULT-VALUE}).")
        String abr;

        @Option(names = "--min-bitrate", paramLabel = "<rate>", description = "Adaptive bitrate: lowest video bitrate, e.g. 300k (default 150k).")
        String minBitrate;

        @Option(names = "--max-bitrate", paramLabel = "<rate>", description = "Adaptive bitrate: highest video bitrate (default: --video-bitrate).")
        String maxBitrate;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            NativeWarmUp.await();
            java.io.PrintWriter err = spec.commandLine().getErr();
            boolean quiet = root.quiet;
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
            b.adaptiveBitrate(adaptiveBitrate());
            b.listener(new PipelineListener() {
                @Override
                public void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
                    if (state == TransportState.RECONNECTING && !quiet) { // FAILED: the error line says it
                        err.println();
                        err.println("sluice: " + transport + " " + state.name().toLowerCase(Locale.ROOT)
                                + (cause != null ? ": " + cause.getMessage() : ""));
                    }
                }
            });
            if (encryptKey != null) {
                b.encryption(Sframe.encryptor(new InMemoryKeyProvider().put(kid, parse("--encrypt-key", encryptKey, HexFormat.of()::parseHex)), kid));
            }
            if (decryptKey != null) {
                // fails the pipeline (exit 1, naming the reason) once no frame has decrypted for 250 frames or 5 s
                b.transform(Sframe.decryptor(new InMemoryKeyProvider().put(kid, parse("--decrypt-key", decryptKey, HexFormat.of()::parseHex))));
                b.source(FfmpegSource.builder(input).opaquePayloads(true).build());
            } else {
                b.source(MediaSources.open(input));
            }
            try (StreamPipeline pipeline = b.build()) {
                pipeline.start();
                if (!quiet) {
                    err.println("sluice: " + input + " -> " + destination + ": " + describe(pipeline.outputTracks()));
                }
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

        /** {@code --abr}, {@code --min-bitrate}, {@code --max-bitrate} as the pipeline's setting. */
        private AdaptiveBitrate adaptiveBitrate() {
            boolean on = switch (abr.toLowerCase(Locale.ROOT)) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '--abr': '" + abr + "' (expected: on or off)");
            };
            if (!on) {
                if (minBitrate != null || maxBitrate != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--min-bitrate/--max-bitrate need --abr on");
                }
                return AdaptiveBitrate.off();
            }
            AdaptiveBitrate.Builder a = AdaptiveBitrate.builder();
            if (minBitrate != null) {
                a.minBitrateBps(parse("--min-bitrate", minBitrate, Units::parseBitrate));
            }
            if (maxBitrate != null) {
                a.maxBitrateBps(parse("--max-bitrate", maxBitrate, Units::parseBitrate));
            }
            try {
                return a.build();
            } catch (IllegalStateException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid adaptive bitrate bounds: " + e.getMessage());
            }
        }

        private <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
            try {
                return parser.apply(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + e.getMessage());
            }
        }
    }

    /** {@code H264 1280x720 30 fps 2500 kb/s, AAC 48000 Hz 2 ch 128 kb/s}: tracks for people, without codec configuration bytes. */
    static String describe(List<TrackInfo> tracks) {
        StringBuilder b = new StringBuilder();
        for (TrackInfo t : tracks) {
            b.append(b.length() > 0 ? ", " : "").append(t.codec());
            if (t.isVideo()) {
                b.append(' ').append(t.width()).append('x').append(t.height());
                t.frameRate().ifPresent(r -> b.append(String.format(Locale.ROOT, " %.3g fps", r.toDouble())));
            } else if (t.isAudio()) {
                b.append(' ').append(t.sampleRate()).append(" Hz ").append(t.channels()).append(" ch");
            }
            if (t.bitrateBps() > 0) {
                b.append(' ').append(t.bitrateBps() / 1000).append(" kb/s");
            }
        }
        return b.toString();
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
        RateDecision r = s.rate();
        String abr = r == null ? "" : String.format(Locale.ROOT, " target=%.0fkb/s estimate=%s%s", r.targetBps() / 1000.0,
                r.estimateBps() == 0 ? "-" : String.format(Locale.ROOT, "%.0fkb/s", r.estimateBps() / 1000.0),
                r.size() == null ? "" : " size=" + r.size())
                + (r.frameRate() == null ? "" : String.format(Locale.ROOT, " target-fps=%.3g", r.frameRate().toDouble()));
        return String.format(Locale.ROOT, "frame=%6d fps=%6.1f bitrate=%8.1fkb/s%s dropped=%d time=%s elapsed=%s   ",
                frames, frames / secs, bitrate / 1000.0, abr, dropped, Units.clock(s.mediaTimeUs()), Units.clock(s.elapsed().toNanos() / 1000));
    }

    /** {@code sluice encoders}: what this FFmpeg build offers. */
    @Command(name = "encoders", mixinStandardHelpOptions = true, description = "Lists the H.264 encoders of the FFmpeg build in use.")
    static final class Encoders implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            NativeWarmUp.await();
            spec.commandLine().getOut().println("H.264 encoders: " + FfmpegCodecs.availableH264Encoders());
            return 0;
        }
    }

}
