package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsHandshakeException;
import io.sluice.webrtc.dtls.DtlsRole;
import io.sluice.webrtc.dtls.DtlsSrtpKeys;
import io.sluice.webrtc.dtls.SrtpProtectionProfile;
import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceControllingAgent;
import io.sluice.webrtc.ice.IceCredentials;
import io.sluice.webrtc.ice.IceEvent;
import io.sluice.webrtc.ice.Transmit;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.sdp.Fingerprint;
import io.sluice.webrtc.sdp.LocalTransport;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.sdp.SdpNegotiator;
import io.sluice.webrtc.sdp.SdpParser;
import io.sluice.webrtc.sdp.SessionDescription;
import io.sluice.webrtc.server.WebRtcServer;
import io.sluice.webrtc.srtp.SrtpKeyingMaterial;
import io.sluice.webrtc.srtp.SrtpProfile;
import io.sluice.webrtc.srtp.SrtpReceiver;
import io.sluice.webrtc.srtp.SrtpSender;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.session.TwccFeedbackGenerator;
import io.sluice.webrtc.srtp.SrtpResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Fan-out over WebRTC: one 2.5 Mbit/s stream (H.264 720p30 without B-frames + Opus) played by N
 * WHEP viewers on loopback from the embedded {@link WebRtcServer}; how many viewers one core serves.
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,crypto,transport-rtmp,transport-webrtc,benchmarks
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.WhepFanOutBenchmark [N,N,...] [windowSeconds]
 * </pre>
 *
 * <ul>
 * <li><b>Stream.</b> Encoded once with the Debian ffmpeg: {@code testsrc2} 1280x720 30 fps, libx264
 *     veryfast {@code -b:v 2.5M -maxrate 2.5M -bufsize 2.5M -bf 0 -g 60}, Opus 64 kbit/s sine, 10 s,
 *     then repeated with {@code -stream_loop -c copy} into one long Matroska file (no re-encode, continuous
 *     timestamps).</li>
 * <li><b>Server process</b> ({@code WhepFanOutBenchmark server FILE}): a {@link StreamHub}, a
 *     {@link WebRtcServer} with default threads and leak detection off, and a {@link StreamPipeline}
 *     ({@code copy(true)}, {@code realtime(true)}) publishing the file into stream {@code bench}. The
 *     publisher is in the server process, so its CPU is measured once with no viewer (row N = 0) and
 *     subtracted for the per-viewer figures. CPU = utime + stime from {@code /proc/PID/stat}.</li>
 * <li><b>Viewer process</b> ({@code WhepFanOutBenchmark viewers URL N WINDOW}), one per N: the Sluice
 *     receiving stack per viewer: a recvonly offer from {@link SdpNegotiator#createOffer} (directions
 *     turned to recvonly, SSRC lines removed, as a browser's), POST with {@code java.net.http}, an
 *     {@link IceControllingAgent}, a DTLS client ({@link DtlsContext#newEndpoint}) and an
 *     {@link SrtpReceiver} on its own UDP socket; one selector thread for all sockets. Viewers start
 *     every 60 ms (Bouncy Castle runs each handshake on its own thread). Each viewer sends transport-wide CC
 *     feedback every 50 ms, as a browser does (so the server's per-viewer GCC has its real input); no other RTCP;
 *     consent freshness STUN. After all play, 3 s warm-up, then the window. A viewer is <i>on time</i> if
 *     it decrypts ≥ 29 video frames/s (marker bits), no video packet is missing (sequence numbers),
 *     no two frames are more than 1 s apart, and its drift (max − min of arrival time − RTP time) ≤ 1 s.
 *     Viewer CPU competes with the server for the same cores.</li>
 * <li>{@code -Dsluice.bench.variants=cc,nocc} runs one server process per variant and measures them alternately
 *     for every N: {@code cc} with per-viewer congestion control and pacing (the default), {@code nocc} with
 *     {@code WebRtcServer.Builder.viewerCongestionControl(false)} (the stream sent to every viewer as it comes). Default
 *     {@code cc} only. An N given more than once ({@code 30,30,30,30,30}) is measured in that many rounds, and the
 *     table is followed by each variant's median and the median of its per-round ratio to the last variant: one row
 *     varies by ±25 % between rounds on a 2-core machine.</li>
 * <li>{@code -Dsluice.bench.serverJvmArgs="ARGS"} adds JVM arguments to every server process (a profiler's flags, say),
 *     {@code -Dsluice.bench.serverJvmArgs.VARIANT="ARGS"} to one variant's: a variant whose name starts with
 *     {@code nocc} is a {@code nocc} server, any other a {@code cc} server, so {@code -Dsluice.bench.variants=cc,ccX,nocc -Dsluice.bench.serverJvmArgs.ccX=-Dkey=value}
 *     compares a switch the server reads against the default in one run.</li>
 * <li>{@code -Dsluice.bench.srtpProfile=AES128_CM_HMAC_SHA1_80} (or {@code AEAD_AES_128_GCM}) makes the
 *     viewers offer only that DTLS-SRTP profile; by default they offer both and the server picks GCM.</li>
 * <li>Before the table, an unreported round of {@value #WARM_UP_VIEWERS} viewers for 5 s
 *     ({@code -Dsluice.bench.warmUpSeconds=N} for N s) warms the server's JIT up (without it the first row costs
 *     several times more per viewer).</li>
 * </ul>
 */
public final class WhepFanOutBenchmark {
    private static final long CLK_TCK = 100; // Linux USER_HZ
    private static final String FFMPEG = "/usr/bin/ffmpeg";
    private static final String STREAM = "bench";
    private static final int START_INTERVAL_MS = 60;
    private static final int WARM_UP_VIEWERS = 20;
    private static final String PROFILE_PROPERTY = "sluice.bench.srtpProfile";

    private WhepFanOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("server")) {
            serve(args[1], args.length < 3 || !args[2].startsWith("nocc"));
            return;
        }
        if (args.length >= 4 && args[0].equals("viewers")) {
            Viewers.run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int[] ns = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {10, 25, 50, 100};
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path work = Files.createTempDirectory("sluice-whep-fanout");
        Path clip = work.resolve("clip_2500k.mkv");
        Path stream = work.resolve("stream_2500k.mkv");
        System.out.println("encoding the 2.5 Mbit/s test stream ...");
        RtmpFanOutBenchmark.exec(FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "10", "-c:v", "libx264", "-preset", "veryfast",
                "-b:v", "2.5M", "-maxrate", "2.5M", "-bufsize", "2.5M", "-bf", "0", "-g", "60", "-pix_fmt", "yuv420p",
                "-c:a", "libopus", "-b:a", "64k", clip.toString());
        // the variants are measured alternately on the one live stream: each row once per variant, plus the warm-ups
        List<String> variants = List.of(System.getProperty("sluice.bench.variants", "cc").split(","));
        int warmUpSeconds = Integer.getInteger("sluice.bench.warmUpSeconds", 5);
        int seconds = 90 + variants.size() * (ns.length * 25 + Arrays.stream(ns).sum() * START_INTERVAL_MS / 1000
                + ns.length * window + warmUpSeconds + 25);
        RtmpFanOutBenchmark.exec(FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", Integer.toString(seconds / 10 + 1),
                "-i", clip.toString(), "-c", "copy", stream.toString());
        System.out.printf(Locale.ROOT, "stream: %s, %.2f Mbit/s, %d s%n", stream, Files.size(clip) * 8 / 10.0 / 1e6, seconds);

        // One server process per variant: "cc" (per-viewer GCC and pacing, the default) and, for comparison,
        // "nocc" (WebRtcServer.Builder.viewerCongestionControl(false): every viewer sent the stream as it comes).
        List<Process> servers = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        try {
            List<String> urls = new ArrayList<>();
            List<Double> idles = new ArrayList<>();
            for (String variant : variants) {
                Process server = startServer(stream, work, variant);
                servers.add(server);
                urls.add(awaitUrl(server, work, variant));
            }
            Thread.sleep(3000);
            for (int v = 0; v < variants.size(); v++) {
                long pid = servers.get(v).pid();
                long c0 = RtmpFanOutBenchmark.cpuTicks(pid);
                long t0 = System.nanoTime();
                Thread.sleep(window * 1000L);
                double idle = (RtmpFanOutBenchmark.cpuTicks(pid) - c0) * 100.0 / CLK_TCK / ((System.nanoTime() - t0) / 1e9);
                idles.add(idle);
                rows.add(String.format(Locale.ROOT, "%-5s %7d %9s %7s %10s %8s %7s %9s %10s %9.1f %15s %13s", variants.get(v), 0,
                        "-", "-", "-", "-", "-", "-", "-", idle, "-", "-"));
                System.out.println("warm-up (JIT) " + variants.get(v) + ": "
                        + runViewers(urls.get(v), WARM_UP_VIEWERS, warmUpSeconds, pid, idle, work));
                Thread.sleep(2000);
            }
            System.out.println(header());
            rows.forEach(System.out::println);
            for (int n : ns) {
                for (int v = 0; v < variants.size(); v++) { // variants alternate per N: the same machine state for both
                    String row = String.format(Locale.ROOT, "%-5s ", variants.get(v))
                            + runViewers(urls.get(v), n, window, servers.get(v).pid(), idles.get(v), work);
                    rows.add(row);
                    System.out.println(row);
                    Thread.sleep(2000);
                }
            }
        } finally {
            for (Process server : servers) {
                server.destroy();
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
        System.out.println();
        System.out.println(header());
        rows.forEach(System.out::println);
        System.out.println("(N = 0: the publisher alone. CPU ms/viewer/s and viewers/core use server CPU minus the N = 0 figure.)");
        medians(rows, variants).forEach(System.out::println);
        System.out.println("RTMP for comparison: java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.RtmpFanOutBenchmark 50 10");
    }

    /**
     * For every N that was measured more than once: the median viewers per core of each variant, and the median of
     * each round's ratio to the last variant (the rows of one round ran one after the other). On a small machine one
     * row varies by ±25 % between rounds (each server JVM compiles its own way, the viewers share its cores), so a
     * comparison wants several rounds: {@code 30,30,30,30,30}.
     */
    static List<String> medians(List<String> rows, List<String> variants) {
        java.util.Map<Integer, java.util.Map<String, List<Double>>> byN = new java.util.TreeMap<>();
        for (String row : rows) {
            String[] f = row.trim().split("\\s+");
            if (f.length < 12 || f[11].equals("-") || Integer.parseInt(f[1]) == 0) {
                continue;
            }
            byN.computeIfAbsent(Integer.parseInt(f[1]), k -> new java.util.LinkedHashMap<>())
                    .computeIfAbsent(f[0], k -> new ArrayList<>()).add(Double.parseDouble(f[11]));
        }
        List<String> out = new ArrayList<>();
        String base = variants.get(variants.size() - 1);
        byN.forEach((n, perVariant) -> {
            List<Double> baseValues = perVariant.getOrDefault(base, List.of());
            if (baseValues.size() < 2) {
                return;
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "N = %d, %d rounds, median viewers/core:",
                    n, baseValues.size()));
            perVariant.forEach((variant, values) -> {
                line.append(String.format(Locale.ROOT, " %s %.0f", variant, median(values)));
                if (!variant.equals(base) && values.size() == baseValues.size()) {
                    List<Double> ratios = new ArrayList<>();
                    for (int i = 0; i < values.size(); i++) {
                        ratios.add(values.get(i) / baseValues.get(i));
                    }
                    line.append(String.format(Locale.ROOT, " (/%s per round: median %.2f, range %.2f-%.2f)", base,
                            median(ratios), ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                            ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
                }
            });
            out.add(line.toString());
        });
        return out;
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String header() {
        return "variant viewers connected on-time fps/viewer Mbit/s  loss %  drift ms  max gap ms  server CPU %  CPU ms/viewer/s  viewers/core";
    }

    /** Runs one viewer process for N viewers; samples server CPU between its WINDOW_START and WINDOW_END lines. */
    private static String runViewers(String url, int n, int window, long pid, double idle, Path work) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-Dio.netty.leakDetection.level=disabled",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-D" + PROFILE_PROPERTY + "=" + System.getProperty(PROFILE_PROPERTY, ""),
                "-cp", System.getProperty("java.class.path"), WhepFanOutBenchmark.class.getName(), "viewers", url, Integer.toString(n), Integer.toString(window)));
        Process p = new ProcessBuilder(cmd).redirectError(work.resolve("viewers-" + n + ".err").toFile()).start();
        long c0 = 0;
        long t0 = 0;
        double cpu = -1;
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals("WINDOW_START")) {
                    c0 = RtmpFanOutBenchmark.cpuTicks(pid);
                    t0 = System.nanoTime();
                } else if (line.equals("WINDOW_END")) {
                    cpu = (RtmpFanOutBenchmark.cpuTicks(pid) - c0) * 100.0 / CLK_TCK / ((System.nanoTime() - t0) / 1e9);
                } else if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                } else {
                    System.out.println("  [viewers " + n + "] " + line);
                }
            }
        }
        p.waitFor(30, TimeUnit.SECONDS);
        if (result == null || cpu < 0) {
            return String.format(Locale.ROOT, "%7d  failed (see %s)", n, work.resolve("viewers-" + n + ".err"));
        }
        String[] f = result.split(" ");
        int connected = Integer.parseInt(f[0]);
        double perViewer = connected == 0 ? 0 : (cpu - idle) * 10 / connected;
        double perCore = cpu - idle <= 0 ? 0 : connected * 100.0 / (cpu - idle);
        return String.format(Locale.ROOT, "%7d %9d %7s %10s %8s %7s %9s %10s %9.1f %15.2f %13.0f", n, connected, f[1], f[2], f[3],
                f[4], f[5], f[6], cpu, perViewer, perCore);
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Process startServer(Path stream, Path work, String variant) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx1g", "-Dio.netty.leakDetection.level=disabled",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        for (String key : List.of("sluice.bench.serverJvmArgs", "sluice.bench.serverJvmArgs." + variant)) {
            String extra = System.getProperty(key, "");
            if (!extra.isBlank()) {
                cmd.addAll(List.of(extra.trim().split("\\s+")));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), WhepFanOutBenchmark.class.getName(), "server",
                stream.toString(), variant));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("server-" + variant + ".log").toFile())
                .start();
    }

    private static String awaitUrl(Process server, Path work, String variant) throws Exception {
        Path log = work.resolve("server-" + variant + ".log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("server exited with " + server.exitValue() + ": " + Files.readString(log));
            }
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("LIVE ")) {
                    return line.substring(5).trim();
                }
            }
            Thread.sleep(200);
        }
        throw new IOException("server not live in 60 s: " + Files.readString(log));
    }

    /**
     * The server side: hub + WebRTC server + the file published in real time, until killed.
     *
     * @param viewerCc {@link WebRtcServer.Builder#viewerCongestionControl}
     */
    private static void serve(String file, boolean viewerCc) throws Exception {
        StreamHub hub = StreamHub.create();
        WebRtcServer server = WebRtcServer.builder(hub).maxSessions(1000).viewerCongestionControl(viewerCc).build();
        server.start();
        StreamPipeline pipeline = StreamPipeline.builder().source(MediaSources.open(file)).copy(true).realtime(true)
                .transport(hub.transport(STREAM)).build();
        pipeline.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pipeline.close();
            server.close();
            hub.close();
        }));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (hub.tracks(STREAM).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("LIVE " + server.httpUrl());
        pipeline.completion().get();
        System.out.println("publisher ended");
        Thread.currentThread().join();
    }

    /** The viewer process: N WHEP viewers on one selector thread. */
    static final class Viewers {
        static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(false);

        private final Selector selector;
        private final ConcurrentLinkedQueue<Viewer> pending = new ConcurrentLinkedQueue<>();
        private final List<Viewer> viewers = new CopyOnWriteArrayList<>();
        private final ByteBuf rx = ALLOC.heapBuffer(2048, 2048);
        private volatile boolean running = true;

        private Viewers() throws IOException {
            selector = Selector.open();
        }

        static void run(String url, int n, int window) throws Exception {
            Viewers v = new Viewers();
            Thread io = new Thread(v::loop, "viewers-io");
            io.setDaemon(true);
            io.start();
            DtlsContext.Builder db = DtlsContext.builder().allocator(ALLOC);
            String profile = System.getProperty(PROFILE_PROPERTY, "");
            if (!profile.isBlank()) {
                db.srtpProfiles(List.of(SrtpProtectionProfile.valueOf(profile)));
            }
            DtlsContext dtls = db.build();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            SecureRandom random = new SecureRandom();
            URI whep = URI.create(url.replaceAll("/$", "") + "/whep/" + STREAM);
            List<Viewer> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                try {
                    Viewer viewer = Viewer.open(i, whep, http, dtls, random);
                    all.add(viewer);
                    v.pending.add(viewer);
                    v.selector.wakeup();
                } catch (Exception e) {
                    System.err.println("viewer " + i + ": " + e);
                }
                Thread.sleep(START_INTERVAL_MS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && all.stream().anyMatch(x -> x.frames == 0 && x.error == null)) {
                Thread.sleep(100);
            }
            long playing = all.stream().filter(x -> x.frames > 0).count();
            all.stream().filter(x -> x.srtp != null).findFirst().ifPresent(x -> System.out.println("SRTP " + x.srtp.profile()));
            all.stream().filter(x -> x.frames == 0).limit(3).forEach(x -> System.out.println("not playing: " + x.state()));
            System.out.println("playing " + playing + "/" + n + ", transport-wide CC feedbacks sent "
                    + all.stream().mapToLong(x -> x.feedbacksSent).sum() + ", failed: "
                    + all.stream().filter(x -> x.error != null).map(x -> x.id + ": " + x.error).limit(5).collect(Collectors.joining("; ")));
            Thread.sleep(3000);
            long[][] s0 = new long[all.size()][];
            for (int i = 0; i < all.size(); i++) {
                s0[i] = all.get(i).snapshot();
                all.get(i).resetWindow();
            }
            System.out.println("WINDOW_START");
            long t0 = System.nanoTime();
            Thread.sleep(window * 1000L);
            long[][] s1 = new long[all.size()][];
            for (int i = 0; i < all.size(); i++) {
                s1[i] = all.get(i).snapshot();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.println("WINDOW_END");
            int connected = 0;
            int onTime = 0;
            double fps = 0;
            double mbit = 0;
            long lost = 0;
            long expected = 0;
            double driftMax = 0;
            double gapMax = 0;
            for (int i = 0; i < all.size(); i++) {
                Viewer x = all.get(i);
                long frames = s1[i][0] - s0[i][0];
                if (frames == 0 || x.error != null) {
                    continue;
                }
                connected++;
                long bytes = s1[i][1] - s0[i][1];
                long exp = s1[i][2] - s0[i][2];
                long got = s1[i][3] - s0[i][3];
                double f = frames / seconds;
                double drift = (x.driftMaxMs - x.driftMinMs);
                double gap = x.maxGapNanos / 1e6;
                fps += f;
                mbit += bytes * 8 / seconds / 1e6;
                lost += Math.max(0, exp - got);
                expected += exp;
                driftMax = Math.max(driftMax, drift);
                gapMax = Math.max(gapMax, gap);
                if (f >= 29 && exp - got <= 0 && gap <= 1000 && drift <= 1000) {
                    onTime++;
                }
            }
            v.running = false;
            List<CompletableFuture<?>> deletes = new ArrayList<>();
            for (Viewer x : all) {
                deletes.add(x.delete(http));
                x.close();
            }
            CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
            System.out.println(String.format(Locale.ROOT, "RESULT %d %d %.1f %.2f %.3f %.0f %.0f", connected, onTime,
                    connected == 0 ? 0 : fps / connected, connected == 0 ? 0 : mbit / connected,
                    expected == 0 ? 0 : lost * 100.0 / expected, driftMax, gapMax));
            System.exit(0);
        }

        private void loop() {
            try {
                while (running) {
                    Viewer v;
                    while ((v = pending.poll()) != null) {
                        v.channel.register(selector, SelectionKey.OP_READ, v);
                        viewers.add(v);
                    }
                    long now = System.nanoTime();
                    for (Viewer x : viewers) {
                        x.tick(now);
                    }
                    selector.select(5);
                    for (SelectionKey k : selector.selectedKeys()) {
                        if (k.isValid() && k.isReadable()) {
                            ((Viewer) k.attachment()).receive(rx);
                        }
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                System.err.println("viewer I/O thread: " + e);
            }
        }
    }

    /** One WHEP viewer: ICE controlling agent, DTLS client, SRTP receiver, counters. */
    static final class Viewer {
        final int id;
        final DatagramChannel channel;
        final InetSocketAddress local;
        final IceControllingAgent ice;
        final DtlsEndpoint dtls;
        final String resource;
        final int videoPt;
        /** The transport-wide sequence number extension's id, or -1 if not negotiated. */
        final int twccId;
        /** Transport-wide CC feedback about what arrived, sent every 50 ms like a browser; null without the extension. */
        private final TwccFeedbackGenerator twccFeedback;
        private final RtpPacket view = new RtpPacket();
        private volatile SrtpSender srtpOut;
        volatile long feedbacksSent;
        private InetSocketAddress remote;
        private boolean started;
        private boolean dtlsStarted;
        private volatile SrtpReceiver srtp;
        volatile String error;
        // counters, written by the I/O thread only
        volatile long frames;
        volatile long bytes;
        private long firstSeq = -1;
        private long highestSeq;
        volatile long videoPackets;
        private long firstTs = -1;
        private long lastTs;
        private long lastFrameNanos;
        volatile long maxGapNanos;
        volatile double driftMinMs = Double.MAX_VALUE;
        volatile double driftMaxMs = -Double.MAX_VALUE;

        private Viewer(int id, DatagramChannel channel, InetSocketAddress local, IceControllingAgent ice, DtlsEndpoint dtls,
                       String resource, int videoPt, int twccId, int rtcpSsrc) {
            this.twccId = twccId;
            this.twccFeedback = twccId > 0 ? new TwccFeedbackGenerator(rtcpSsrc) : null;
            this.id = id;
            this.channel = channel;
            this.local = local;
            this.ice = ice;
            this.dtls = dtls;
            this.resource = resource;
            this.videoPt = videoPt;
        }

        static Viewer open(int id, URI whep, HttpClient http, DtlsContext dtlsContext, SecureRandom random) throws Exception {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ch.configureBlocking(false);
            InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
            IceCredentials localIce = IceCredentials.random(random);
            SdpNegotiator negotiator = SdpNegotiator.builder().random(random).cname("viewer" + id).build();
            LocalTransport lt = new LocalTransport(localIce, Fingerprint.parse(dtlsContext.certificate().fingerprint().toSdpValue()),
                    List.of(IceCandidate.host(local, 65535)), "viewer" + id);
            String sdp = recvonly(negotiator.createOffer(lt, List.of(MediaKind.VIDEO, MediaKind.AUDIO)).toSdp());
            SessionDescription offer = SdpParser.parseDefault(sdp);
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(whep).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString(sdp)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 201) {
                ch.close();
                throw new IOException("POST " + whep + " -> " + resp.statusCode() + ": " + resp.body());
            }
            String location = resp.headers().firstValue("Location").orElse("");
            NegotiatedSession session = negotiator.applyAnswer(offer, SdpParser.parseDefault(resp.body()));
            IceControllingAgent ice = IceControllingAgent.builder().localCredentials(localIce).remoteCredentials(session.remoteIce())
                    .allocator(Viewers.ALLOC).random(random).hostAddress(local).build();
            for (IceCandidate c : session.remoteCandidates()) {
                ice.addRemoteCandidate(c);
            }
            DtlsEndpoint dtls = dtlsContext.newEndpoint(session.dtlsClient() ? DtlsRole.CLIENT : DtlsRole.SERVER,
                    session.remoteFingerprint().toString());
            NegotiatedMedia video = session.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElseThrow();
            return new Viewer(id, ch, local, ice, dtls, whep.resolve(location).toString(), video.codec().payloadType(),
                    video.extensionIds().getOrDefault(ExtMap.TRANSPORT_WIDE_CC, -1), random.nextInt());
        }

        /** A browser-like recvonly offer: directions flipped, no SSRC or msid lines. */
        static String recvonly(String sdp) {
            return Arrays.stream(sdp.split("\r\n")).filter(l -> !l.startsWith("a=ssrc") && !l.startsWith("a=msid:"))
                    .map(l -> l.equals("a=sendonly") ? "a=recvonly" : l).collect(Collectors.joining("\r\n", "", "\r\n"));
        }

        void tick(long now) throws IOException {
            if (error != null) {
                return;
            }
            if (!started || ice.pollTimeoutNanos() - now <= 0) {
                started = true;
                ice.handleTimeout(now);
            }
            Transmit t;
            while ((t = ice.pollTransmit()) != null) {
                try {
                    channel.send(t.content().nioBuffer(), t.destination());
                } finally {
                    t.content().release();
                }
            }
            IceEvent e;
            while ((e = ice.pollEvent()) != null) {
                if (e instanceof IceEvent.SelectedPairChanged s) {
                    remote = s.pair().remote();
                    if (!dtlsStarted) {
                        dtlsStarted = true;
                        dtls.start(new DtlsEndpoint.Listener() {
                            @Override
                            public void onTransmitReady(DtlsEndpoint endpoint) {
                            }

                            @Override
                            public void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
                            }

                            @Override
                            public void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
                            }
                        });
                    }
                } else if (e instanceof IceEvent.ConsentLost) {
                    error = "ICE consent lost";
                }
            }
            ByteBuf b;
            while ((b = dtls.pollTransmit()) != null) {
                try {
                    if (remote != null) {
                        channel.send(b.nioBuffer(), remote);
                    }
                } finally {
                    b.release();
                }
            }
            if (dtlsStarted && srtp == null && dtls.handshakeFuture().isDone()) {
                try {
                    DtlsSrtpKeys keys = dtls.handshakeFuture().getNow(null);
                    SrtpProfile profile = SrtpProfile.forDtlsId(keys.profile().dtlsId());
                    srtpOut = new SrtpSender(new SrtpKeyingMaterial(profile, keys.localMasterKey(), keys.localMasterSalt()));
                    srtp = new SrtpReceiver(new SrtpKeyingMaterial(profile, keys.remoteMasterKey(), keys.remoteMasterSalt()));
                } catch (RuntimeException ex) {
                    error = "DTLS: " + ex.getMessage();
                }
            }
            if (twccFeedback != null && srtpOut != null && remote != null && now - twccFeedback.pollTimeout() >= 0) {
                for (TransportWideCc fb : twccFeedback.handleTimeout(now)) {
                    ByteBuf rtcp = Viewers.ALLOC.buffer(256);
                    try {
                        fb.writeTo(rtcp);
                        rtcp.ensureWritable(srtpOut.profile().rtcpTailRoom());
                        if (srtpOut.protectRtcp(rtcp) == SrtpResult.OK) {
                            channel.send(rtcp.nioBuffer(), remote);
                            feedbacksSent++;
                        }
                    } finally {
                        rtcp.release();
                    }
                }
            }
        }

        void receive(ByteBuf rx) throws IOException {
            for (int n = 0; n < 64; n++) {
                InetSocketAddress from = io.sluice.webrtc.mux.Datagrams.receive(channel, rx);
                if (from == null) {
                    return;
                }
                long now = System.nanoTime();
                switch (PacketDemux.classify(rx)) {
                    case STUN -> ice.handleDatagram(now, from, local, rx);
                    case DTLS -> dtls.handleDatagram(rx);
                    case RTP -> onRtp(rx, now);
                    default -> {
                        // RTCP (sender reports) and anything else: not counted
                    }
                }
            }
        }

        private void onRtp(ByteBuf p, long now) {
            if (srtp == null || srtp.unprotectRtp(p) != SrtpResult.OK) {
                return;
            }
            bytes += p.readableBytes();
            if (twccFeedback != null && view.wrap(p)) {
                int at = view.findExtension(twccId);
                if (at >= 0 && view.foundExtensionLength() == 2) {
                    twccFeedback.onPacket(p.getUnsignedShort(at), view.ssrc(), now);
                }
            }
            int b1 = p.getUnsignedByte(1);
            if ((b1 & 0x7F) != videoPt) {
                return;
            }
            videoPackets++;
            int seq = p.getUnsignedShort(2);
            if (firstSeq < 0) {
                firstSeq = seq;
                highestSeq = seq;
            } else {
                long h = highestSeq;
                long cand = (h & ~0xFFFFL) | seq;
                if (cand < h - 32768) {
                    cand += 65536;
                } else if (cand > h + 32768) {
                    cand -= 65536;
                }
                if (cand > h) {
                    highestSeq = cand;
                }
            }
            if ((b1 & 0x80) != 0) {
                long ts = p.getUnsignedInt(4);
                if (firstTs < 0) {
                    firstTs = ts;
                    lastTs = ts;
                }
                long unwrapped = lastTs + (int) (ts - (lastTs & 0xFFFFFFFFL));
                lastTs = unwrapped;
                double drift = now / 1e6 - (unwrapped - firstTs) / 90.0;
                if (drift < driftMinMs) {
                    driftMinMs = drift;
                }
                if (drift > driftMaxMs) {
                    driftMaxMs = drift;
                }
                if (lastFrameNanos != 0 && now - lastFrameNanos > maxGapNanos) {
                    maxGapNanos = now - lastFrameNanos;
                }
                lastFrameNanos = now;
                frames++;
            }
        }

        String state() {
            return "viewer " + id + " ICE " + ice.state() + " DTLS " + dtls.state() + " SRTP " + (srtp != null ? srtp.count(SrtpResult.OK)
                    + " ok/" + srtp.count(SrtpResult.AUTH_FAIL) + " auth fail" : "-") + " video packets " + videoPackets
                    + " error " + error;
        }

        /** {frames, bytes, expected video packets so far, received video packets}. */
        long[] snapshot() {
            return new long[] {frames, bytes, firstSeq < 0 ? 0 : highestSeq - firstSeq + 1, videoPackets};
        }

        void resetWindow() {
            maxGapNanos = 0;
            driftMinMs = Double.MAX_VALUE;
            driftMaxMs = -Double.MAX_VALUE;
        }

        CompletableFuture<?> delete(HttpClient http) {
            return http.sendAsync(HttpRequest.newBuilder(URI.create(resource)).timeout(Duration.ofSeconds(5)).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        }

        void close() {
            dtls.close();
            try {
                channel.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
