package io.sluice.benchmarks;

import io.sluice.core.hub.StreamHub;
import io.sluice.http.server.HttpDeliveryServer;
import io.sluice.rtmp.server.RtmpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP fan-out: requests per second per core of server CPU for a live LL-HLS stream served by Sluice's
 * {@link HttpDeliveryServer}, side by side with nginx serving the same segment and part files from disk,
 * with the same request mix and the same load generator (h2load).
 *
 * <pre>
 * bash benchmarks/http-fanout-deps.sh        # h2load (Debian nghttp2-client); nginx and ffmpeg as in .ci/install-deps.sh
 * mvn -B -q -o -Pgpl -pl benchmarks -am package -DskipTests
 * java -Dsluice.bench.rounds=3 -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.HttpFanOutBenchmark \
 *     [connections] [windowSeconds] [h1,h2c] [sluice,nginx]
 * </pre>
 *
 * <ul>
 * <li><b>Stream.</b> Encoded once with the Debian ffmpeg: {@code testsrc2} 1280x720 30 fps, libx264 3 Mbit/s
 *     ({@code -maxrate 3M -bufsize 3M}), GOP 60, plus 128 kbit/s AAC, 10 s as FLV, published in a loop
 *     ({@code -re -stream_loop -1 -c copy}) over RTMP into the Sluice server process. Sluice cuts it into CMAF
 *     segments of 2 s and parts of 250 ms (its defaults), about 750 KB and 94 KB.</li>
 * <li><b>Servers</b>, each in its own process: the Sluice server JVM ({@code HttpFanOutBenchmark server RTMP_PORT
 *     HTTP_PORT}: a {@link StreamHub}, an {@link RtmpServer} for the publisher, and an {@link HttpDeliveryServer}
 *     with 1 IO thread and a window of 60 segments, leak detection off); nginx 1.22 with one worker
 *     ({@code master_process off}), {@code sendfile on}, {@code tcp_nopush on}, {@code keepalive_requests 1000000},
 *     access log off, one port for HTTP/1.1 and one for h2c (nginx 1.22 cannot serve both on one clear-text port).
 *     CPU = utime + stime of the server process from {@code /proc/PID/stat} over the h2load run; the Sluice
 *     figure includes its RTMP ingest and segmenting, measured alone (no HTTP load) at the start and printed as
 *     the idle line.</li>
 * <li><b>Files and mix.</b> Each round takes a snapshot: the LL-HLS media playlist from Sluice, its newest 3
 *     complete segments, every part of them, and the init segment, downloaded from Sluice and written under
 *     nginx's root at the same paths. Both servers then get the same URI list (h2load {@code -i}), per segment:
 *     the playlist before every second part, the 8 parts, the segment (4 playlists, 8 parts, 1 segment;
 *     ~half the bytes in parts, half in segments). Sluice answers the playlist of the moment (rendered once per part, then cached; without
 *     {@code _HLS_msn}: not blocking); nginx sends the snapshot's file. The window of 60 segments keeps the
 *     snapshot's files in Sluice for the whole round.</li>
 * <li><b>Load.</b> h2load, 1 thread, {@code -c} connections (default 32), keep-alive; HTTP/1.1
 *     ({@code --h1}) and h2c (prior knowledge, {@code -m 8} streams per connection); {@code -D} window
 *     (default 10 s). Any non-2xx answer is counted and printed. h2load runs on the same 2 cores, so
 *     requests/s depends on it and on the machine's other load; requests per core-second of server CPU is the
 *     figure to compare.</li>
 * <li><b>Rounds</b> ({@code -Dsluice.bench.rounds=R}, default 3): both servers run the whole time; each round
 *     measures every protocol on every server in turn (Sluice, nginx, Sluice, nginx, ...). The summary gives the
 *     medians and their ratio.</li>
 * <li><b>Warm-up</b> ({@code -Dsluice.bench.warmupSeconds=W}, default 60; 0 skips it): before the first round
 *     every server gets one unmeasured h2load run of the full {@code W} seconds for every protocol that will be
 *     measured, in the rounds' order (first protocol on every server in turn, then the next protocol, ...), printed
 *     as "(warm-up, not counted)" rows; with {@code h1,h2c} that is {@code 2 W} seconds per server. Each protocol
 *     gets the whole time rather than a share of it because the JIT compiler was still busy after 60 s of HTTP/1.1
 *     alone (and after 20 s on a loaded machine); with an HTTP/1.1-only warm-up the first h2c rounds ran while C2
 *     still compiled the HTTP/2 path (JIT 45-81 % of a core in session 10). The JIT compiler threads' CPU is
 *     printed apart (JIT %) in every row. Each warm-up run takes a fresh snapshot first, as each round does (with one
 *     snapshot for all of them its segments left Sluice's window of 120 s during the h2c warm-up, and Sluice
 *     answered 404 for most of it); {@code W} above ~110 s would outlast the snapshot and is reported.</li>
 * <li>As in {@link RtmpFanOutBenchmark}: {@code -Dsluice.bench.serverJvmArgs[.KIND]=...} adds JVM options to a
 *     Sluice server (e.g. {@code -Dsluice.netty.transport=io_uring}, a JFR recording), and
 *     {@code -Dsluice.bench.classpath.KIND=JAR} runs kind {@code KIND} (any name starting with {@code sluice})
 *     from another build, for before/after in one run.</li>
 * </ul>
 *
 * <p>Figures are in {@code benchmarks/README.md}.
 */
public final class HttpFanOutBenchmark {
    private static final String FFMPEG = "/usr/bin/ffmpeg";
    private static final String NGINX = "/usr/sbin/nginx";
    private static final String H2LOAD = "/usr/bin/h2load";
    private static final String STREAM = "live/bench";
    private static final int SNAPSHOT_SEGMENTS = 3;
    private static final Pattern SEGMENT_LINE = Pattern.compile("(?m)^seg-(\\d+)\\.m4s$");
    private static final Pattern INIT = Pattern.compile("init-\\d+\\.mp4");

    private HttpFanOutBenchmark() {
    }

    /** One measured h2load run. */
    record Row(String server, String protocol, int connections, long succeeded, long failed, long non2xx, double seconds,
               double requestsPerSecond, double megabytesPerSecond, double cpuPercent, double userPercent, double jitPercent) {
        /** Requests one fully busy core of server CPU would answer at this cost. */
        double requestsPerCore() {
            return cpuPercent <= 0 ? 0 : requestsPerSecond * 100.0 / cpuPercent;
        }

        /** The same without the JIT compiler threads' CPU (C1/C2 still compiling; none for nginx). */
        double requestsPerCoreWithoutJit() {
            return cpuPercent - jitPercent <= 0 ? 0 : requestsPerSecond * 100.0 / (cpuPercent - jitPercent);
        }
    }

    /** utime + stime of a process's JIT compiler threads ({@code C1/C2 CompilerThread*}), clock ticks. */
    static long jitTicks(long pid) throws IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String comm = Files.readString(t.resolve("comm")).trim();
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        String stat = Files.readString(t.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException gone) {
                    // a compiler thread may end between the listing and the read
                }
            }
        }
        return sum;
    }

    /** A server under test: its kind, process and base URL per protocol. */
    private record Target(String kind, Process process, String h1Base, String h2cBase) {
        String base(String protocol) {
            return protocol.equals("h2c") ? h2cBase : h1Base;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("server")) {
            serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<String> protocols = args.length > 2 ? List.of(args[2].split(",")) : List.of("h1", "h2c");
        List<String> kinds = args.length > 3 ? List.of(args[3].split(",")) : List.of("sluice", "nginx");
        int rounds = Integer.getInteger("sluice.bench.rounds", 3);
        int warmup = Integer.getInteger("sluice.bench.warmupSeconds", 60);
        if (!kinds.contains("nginx") || kinds.stream().noneMatch(k -> k.startsWith("sluice"))) {
            throw new IllegalArgumentException("kinds: " + kinds + " (expected: nginx and at least one sluice...)");
        }
        Path work = Files.createTempDirectory("sluice-http-fanout");
        Path www = Files.createDirectories(work.resolve("www"));
        Path stream = work.resolve("stream_3mbps.flv");
        System.out.println("encoding the 3 Mbit/s test stream ...");
        RtmpFanOutBenchmark.exec(FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "10", "-c:v", "libx264", "-preset", "veryfast",
                "-b:v", "3M", "-maxrate", "3M", "-bufsize", "3M", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                "-f", "flv", stream.toString());

        List<Target> targets = new ArrayList<>();
        List<Process> publishers = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            String sluiceSource = null;
            for (String kind : kinds) {
                if (kind.startsWith("sluice")) {
                    int rtmpPort = RtmpFanOutBenchmark.freePort();
                    int httpPort = RtmpFanOutBenchmark.freePort();
                    Process p = startSluice(kind, rtmpPort, httpPort, work);
                    RtmpFanOutBenchmark.waitForPort(httpPort, p);
                    RtmpFanOutBenchmark.waitForPort(rtmpPort, p);
                    publishers.add(new ProcessBuilder(FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1",
                            "-i", stream.toString(), "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:" + rtmpPort + "/" + STREAM)
                            .redirectErrorStream(true).redirectOutput(work.resolve(kind + "-publisher.log").toFile()).start());
                    String base = "http://127.0.0.1:" + httpPort;
                    targets.add(new Target(kind, p, base, base));
                    if (sluiceSource == null) {
                        sluiceSource = base;
                    }
                } else {
                    int h1 = RtmpFanOutBenchmark.freePort();
                    int h2c = RtmpFanOutBenchmark.freePort();
                    Process p = startNginx(h1, h2c, www, work);
                    RtmpFanOutBenchmark.waitForPort(h1, p);
                    targets.add(new Target(kind, p, "http://127.0.0.1:" + h1, "http://127.0.0.1:" + h2c));
                }
            }
            // The first request starts a stream's segmenter; then wait for the snapshot's segments to be complete.
            for (Target t : targets) {
                if (t.kind().startsWith("sluice")) {
                    awaitSegments(http, t.h1Base(), msns -> msns.size() >= SNAPSHOT_SEGMENTS + 1,
                            "no " + (SNAPSHOT_SEGMENTS + 1) + " complete segments", 60, 500);
                }
            }
            Thread.sleep(2000);
            for (Target t : targets) {
                if (t.kind().startsWith("sluice")) {
                    long c0 = RtmpFanOutBenchmark.cpuTicks(t.process().pid());
                    Thread.sleep(5000);
                    double pct = (RtmpFanOutBenchmark.cpuTicks(t.process().pid()) - c0) * 100.0 / 100 / 5.0;
                    System.out.printf(Locale.ROOT, "idle: %s %.1f %% of a core (RTMP ingest and segmenting, no HTTP load)%n", t.kind(), pct);
                }
            }
            List<String> sluiceBases = targets.stream().filter(t -> t.kind().startsWith("sluice")).map(Target::h1Base).toList();
            Path uris;
            if (warmup > 0) {
                // Every measured protocol, each for the full warm-up, in the rounds' order (see the class doc).
                for (String protocol : protocols) {
                    for (Target t : targets) {
                        // A fresh snapshot per run: the warm-up outlasts the window (60 segments, 120 s).
                        uris = snapshot(http, sluiceSource, sluiceBases, www, work);
                        Row w = run(t, protocol, connections, warmup, uris);
                        System.out.print("(warm-up, not counted) ");
                        print(w);
                        if (w.non2xx() > 0 || w.failed() > 0) {
                            System.out.println("warning: the warm-up above had failed or non-2xx answers (a warm-up longer"
                                    + " than the window of 60 segments?)");
                        }
                    }
                }
            }
            for (int round = 0; round < rounds; round++) {
                uris = snapshot(http, sluiceSource, sluiceBases, www, work); // fresh files each round: the window moves on
                for (String protocol : protocols) {
                    for (Target t : targets) {
                        Row r = run(t, protocol, connections, window, uris);
                        rows.add(r);
                        print(r);
                    }
                }
            }
        } finally {
            RtmpFanOutBenchmark.stopAll(publishers, targets.stream().map(Target::process).toList());
        }
        System.out.println();
        System.out.println("server        proto  conns  succeeded failed non-2xx    req/s     MB/s  server CPU % (user)  JIT %  req/s per core  same w/o JIT");
        for (Row r : rows) {
            print(r);
        }
        System.out.println();
        System.out.println("median requests/s per core of server CPU over " + rounds + " round(s):");
        for (String protocol : protocols) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-4s", protocol));
            double nginx = median(rows, "nginx", protocol);
            for (String kind : kinds) {
                line.append(String.format(Locale.ROOT, "  %s %.0f", kind, median(rows, kind, protocol)));
            }
            for (String kind : kinds) {
                if (!kind.equals("nginx") && nginx > 0) {
                    line.append(String.format(Locale.ROOT, "  ratio %s/nginx %.2f", kind, median(rows, kind, protocol) / nginx));
                }
            }
            System.out.println(line);
        }
        System.out.println("the same without the JIT compiler threads' CPU:");
        for (String protocol : protocols) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-4s", protocol));
            double nginx = median(rows, "nginx", protocol, Row::requestsPerCoreWithoutJit);
            for (String kind : kinds) {
                double m = median(rows, kind, protocol, Row::requestsPerCoreWithoutJit);
                line.append(String.format(Locale.ROOT, "  %s %.0f", kind, m));
                if (!kind.equals("nginx") && nginx > 0) {
                    line.append(String.format(Locale.ROOT, " (%.2f)", m / nginx));
                }
            }
            System.out.println(line);
        }
    }

    private static double median(List<Row> rows, String kind, String protocol) {
        return median(rows, kind, protocol, Row::requestsPerCore);
    }

    private static double median(List<Row> rows, String kind, String protocol, java.util.function.ToDoubleFunction<Row> figure) {
        double[] v = rows.stream().filter(r -> r.server().equals(kind) && r.protocol().equals(protocol))
                .mapToDouble(figure).sorted().toArray();
        if (v.length == 0) {
            return 0;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void print(Row r) {
        System.out.printf(Locale.ROOT, "%-13s %-5s %5d %10d %6d %7d %8.0f %8.1f %12.1f (%5.1f) %6.1f %15.0f %15.0f%n", r.server(),
                r.protocol(), r.connections(), r.succeeded(), r.failed(), r.non2xx(), r.requestsPerSecond(), r.megabytesPerSecond(),
                r.cpuPercent(), r.userPercent(), r.jitPercent(), r.requestsPerCore(), r.requestsPerCoreWithoutJit());
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static List<Long> completeSegments(String playlist) {
        List<Long> msns = new ArrayList<>();
        Matcher m = SEGMENT_LINE.matcher(playlist);
        while (m.find()) {
            msns.add(Long.parseLong(m.group(1)));
        }
        return msns;
    }

    /**
     * Polls the media playlist at {@code base} every {@code pollMs} until its complete segments' media sequence numbers
     * satisfy {@code done} (a playlist not served yet counts as none); {@link IOException} naming {@code what} after
     * {@code seconds}.
     */
    private static void awaitSegments(HttpClient http, String base, java.util.function.Predicate<List<Long>> done,
                                      String what, int seconds, long pollMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String url = base + "/hls/" + STREAM + "/media.m3u8";
        while (System.nanoTime() < deadline) {
            try {
                if (done.test(completeSegments(get(http, url)))) {
                    return;
                }
            } catch (IOException e) {
                // not published yet
            }
            Thread.sleep(pollMs);
        }
        throw new IOException(what + " at " + url + " within " + seconds + " s");
    }

    /**
     * Downloads the playlist, the newest {@value #SNAPSHOT_SEGMENTS} complete segments, their parts and the init
     * segment from Sluice at {@code base}, writes them under {@code www} at the same paths, and writes the
     * h2load URI list (paths only; h2load takes scheme, host and port from the command line). Returns once every
     * Sluice server in {@code sluiceBases} lists the newest of those segments as complete (each has its own publisher,
     * started a moment apart, so another Sluice may be a segment behind {@code base}, and it answers a segment that is
     * not complete yet with 404: 4036 requests of one warm-up run in session 11 before this wait).
     */
    private static Path snapshot(HttpClient http, String base, List<String> sluiceBases, Path www, Path work) throws Exception {
        String dir = "/hls/" + STREAM + "/";
        Path out = Files.createDirectories(www.resolve(dir.substring(1)));
        String playlist = get(http, base + dir + "media.m3u8");
        Files.writeString(out.resolve("media.m3u8"), playlist);
        Matcher init = INIT.matcher(playlist);
        if (init.find()) {
            download(http, base + dir + init.group(), out.resolve(init.group()));
        }
        List<Long> msns = completeSegments(playlist);
        List<String> uris = new ArrayList<>();
        long bytes = 0;
        for (long msn : msns.subList(Math.max(0, msns.size() - SNAPSHOT_SEGMENTS), msns.size())) {
            for (int part = 0; part < 64; part++) {
                String name = "part-" + msn + "." + part + ".m4s";
                if (!download(http, base + dir + name, out.resolve(name))) {
                    break;
                }
                if (part % 2 == 0) {
                    uris.add(dir + "media.m3u8");
                }
                uris.add(dir + name);
                bytes += Files.size(out.resolve(name));
            }
            String seg = "seg-" + msn + ".m4s";
            if (!download(http, base + dir + seg, out.resolve(seg))) {
                throw new IOException("segment " + seg + " is gone from " + base);
            }
            uris.add(dir + seg);
            bytes += Files.size(out.resolve(seg));
        }
        long newest = msns.get(msns.size() - 1);
        for (String other : sluiceBases) {
            awaitSegments(http, other, listed -> listed.contains(newest), "segment " + newest + " not complete", 30, 100);
        }
        Path list = work.resolve("uris.txt");
        Files.write(list, uris);
        System.out.printf(Locale.ROOT, "snapshot: segments %s, %d URIs, %.0f KB of media per pass%n",
                msns.subList(Math.max(0, msns.size() - SNAPSHOT_SEGMENTS), msns.size()), uris.size(), bytes / 1e3);
        return list;
    }

    private static boolean download(HttpClient http, String url, Path to) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            return false;
        }
        Files.write(to, r.body());
        return true;
    }

    private static final Pattern REQUESTS = Pattern.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed");
    private static final Pattern STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern FINISHED = Pattern.compile("finished in ([0-9.]+)(m?s), ([0-9.]+) req/s, ([0-9.]+)([KMG]?B)/s");

    /** One h2load run against {@code t}, with the server's CPU over it. */
    private static Row run(Target t, String protocol, int connections, int seconds, Path uris) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(H2LOAD, "-t", "1", "-c", Integer.toString(connections), "-D", Integer.toString(seconds),
                "-B", t.base(protocol), "-i", uris.toString()));
        if (protocol.equals("h1")) {
            cmd.add("--h1");
        } else {
            cmd.addAll(List.of("-m", "8"));
        }
        long pid = t.process().pid();
        long cpu0 = RtmpFanOutBenchmark.cpuTicks(pid);
        long user0 = RtmpFanOutBenchmark.userTicks(pid);
        long jit0 = jitTicks(pid);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        long cpu1 = RtmpFanOutBenchmark.cpuTicks(pid);
        long user1 = RtmpFanOutBenchmark.userTicks(pid);
        long jit1 = jitTicks(pid);
        Matcher req = REQUESTS.matcher(out);
        Matcher status = STATUS.matcher(out);
        Matcher fin = FINISHED.matcher(out);
        if (!req.find() || !status.find() || !fin.find()) {
            throw new IOException("unexpected h2load output for " + String.join(" ", cmd) + ":\n" + out);
        }
        long succeeded = Long.parseLong(req.group(4));
        long non2xx = Long.parseLong(status.group(2)) + Long.parseLong(status.group(3)) + Long.parseLong(status.group(4));
        double mb = Double.parseDouble(fin.group(4)) * switch (fin.group(5)) {
            case "GB" -> 1024;
            case "MB" -> 1;
            case "KB" -> 1.0 / 1024;
            default -> 1.0 / (1024 * 1024);
        };
        // CPU over the whole h2load process (connects, the -D window, teardown): requests / CPU seconds.
        double cpuSeconds = (cpu1 - cpu0) / 100.0;
        double cpuPercent = cpuSeconds * 100 / wall;
        double rps = Long.parseLong(status.group(1)) / wall;
        return new Row(t.kind(), protocol, connections, succeeded, Long.parseLong(req.group(5)), non2xx, wall, rps, mb,
                cpuPercent, (user1 - user0) * 100.0 / 100 / wall, (jit1 - jit0) * 100.0 / 100 / wall);
    }

    private static Process startSluice(String kind, int rtmpPort, int httpPort, Path work) throws IOException {
        return RtmpFanOutBenchmark.startSluiceJvm(kind, work, HttpFanOutBenchmark.class, "server", Integer.toString(rtmpPort),
                Integer.toString(httpPort));
    }

    private static Process startNginx(int h1Port, int h2cPort, Path www, Path work) throws IOException {
        // Headers like Sluice's segment answers: Cache-Control and CORS.
        return RtmpFanOutBenchmark.startNginx(work, "# HTTP fan-out", List.of(
                "http {",
                "  access_log off;",
                "  sendfile on;",
                "  tcp_nopush on;",
                "  keepalive_requests 1000000;",
                "  keepalive_timeout 60s;",
                "  client_body_temp_path " + work.resolve("nginx/tmp") + ";",
                "  types { application/vnd.apple.mpegurl m3u8; video/mp4 m4s mp4; }",
                "  server {",
                "    listen 127.0.0.1:" + h1Port + ";",
                "    listen 127.0.0.1:" + h2cPort + " http2;",
                "    root " + www + ";",
                "    add_header Cache-Control \"public, max-age=31536000, immutable\";",
                "    add_header Access-Control-Allow-Origin *;",
                "  }",
                "}"));
    }

    /** The Sluice side: RTMP ingest on {@code rtmpPort}, HLS on {@code httpPort}, until killed. */
    private static void serve(int rtmpPort, int httpPort) throws Exception {
        StreamHub hub = StreamHub.create();
        RtmpServer rtmp = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(rtmpPort).hub(hub).build().start();
        HttpDeliveryServer http = HttpDeliveryServer.builder(hub).bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort))
                .ioThreads(Integer.getInteger("sluice.bench.ioThreads", 1)).maxConnections(10_000, 10_000)
                .delivery(d -> d.windowSegments(60)).build();
        http.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            http.close();
            rtmp.close();
            hub.close();
        }));
        System.out.println("RTMP " + rtmp.port() + ", HTTP " + http.httpUrl());
        Thread.currentThread().join();
    }
}
