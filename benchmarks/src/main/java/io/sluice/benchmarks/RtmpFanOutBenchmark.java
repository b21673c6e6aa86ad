package io.sluice.benchmarks;

import io.sluice.rtmp.server.RtmpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Fan-out: one publisher at 6 Mbit/s, N players on loopback, against the embedded Sluice server
 * and against nginx-rtmp, with the same player program ({@link RtmpLoadPlayer}).
 *
 * <pre>
 * mvn -q -o -DskipTests package -pl core,codec,transport-rtmp,benchmarks
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.RtmpFanOutBenchmark [N,N,...] [windowSeconds] [sluice,nginx-rtmp]
 * </pre>
 *
 * <ul>
 * <li><b>Stream.</b> Encoded once with the Debian ffmpeg: {@code testsrc2} 1280x720 30 fps, libx264
 *     CBR-ish 6 Mbit/s ({@code -b:v 6M -maxrate 6M -bufsize 6M}), GOP 60, plus a 128 kbit/s AAC sine,
 *     10 s, stored as FLV; published with {@code ffmpeg -re -stream_loop -1 -c copy}, so the publisher
 *     costs almost no CPU.</li>
 * <li><b>Servers.</b> Each runs in its own process: the Sluice server in a separate JVM
 *     ({@code RtmpFanOutBenchmark server PORT THREADS}, 1 IO thread by default, leak detection off), nginx 1.22 +
 *     libnginx-mod-rtmp with one worker ({@code master_process off}, config written here:
 *     {@code application live { live on; }}, chunk_size 4096). CPU = utime + stime of that process
 *     from {@code /proc/PID/stat}, over the measurement window.</li>
 * <li><b>Players.</b> Threads in this JVM, one blocking socket each (so player CPU is not counted as
 *     server CPU, but competes for the same cores). A player is <i>on time</i> if its drift
 *     (max − min of wall time − media time over the window) stays ≤ 1 s and its video has no gap.</li>
 * <li><b>Before/after</b>: any server kind named {@code sluice...} is a Sluice server; with
 *     {@code -Dsluice.bench.classpath.KIND=JAR} it runs from that class path (e.g. a copy of the
 *     benchmarks jar built before a change), so {@code sluice-before,sluice,nginx-rtmp} measures
 *     both builds and nginx-rtmp alternating in one run; each Sluice kind gets its ratio to nginx-rtmp.</li>
 * <li>{@code -Dsluice.bench.serverJvmArgs.KIND="..."} adds JVM options to one Sluice kind's server only;
 *     {@code -Dsluice.bench.serverJvmArgs.sluice-merge=-Dsluice.bench.writeCoalescingMs=20} runs that
 *     kind with {@code RtmpServer.Builder#writeCoalescing} 20 ms (default: none).</li>
 * <li>{@code -Dsluice.bench.serverJvmArgs="..."} adds JVM options to the Sluice server process (e.g. a JFR recording).</li>
 * <li><b>Rounds</b> ({@code -Dsluice.bench.rounds=R}, default 1): both servers run side by side for
 *     the whole benchmark, each with its own publisher, and the measurements alternate between them
 *     (round 1: N1 Sluice, N1 nginx, N2 Sluice, ...). The summary gives the median players/core per
 *     server and N, and their ratio.</li>
 * <li>{@code -Dsluice.bench.ioThreads=T} (default 1, as nginx-rtmp's one worker): the Sluice server's
 *     IO (EventLoop) threads. With 2, the publisher's EventLoop hands every frame to the other one
 *     (a task and a wake-up per frame). Measured with alternating rounds, 1 and 2 threads cost the
 *     same within the noise (see below); single sequential runs had suggested 1 thread was ~25 %
 *     cheaper, which the alternating rounds did not confirm.</li>
 * <li><b>Warm-up</b> ({@code -Dsluice.bench.warmupSeconds=S}, default 30, 0 = none): before the first
 *     measured N, each server serves the largest N for S seconds, unmeasured; identical for both
 *     servers. It keeps the JVM's JIT compilation (C2 was still compiling ~35 s after start, 2–8 % of
 *     a core) out of the per-player figure, which is meant to describe a server in steady state.</li>
 * <li><b>Per N</b>: connect N players, wait until all receive video, 3 s warm-up, measure for the
 *     window (default 10 s), disconnect.</li>
 * </ul>
 *
 * <p><b>First figures</b> (2 shared cores, load average 5–10 from other work, so ±20 %): every player
 * on time on both servers up to 200 players (drift ≤ 80 ms, no gaps, 30 fps, 6.35 Mbit/s each).
 * Server CPU at 200 players: Sluice 22.7 % of a core (7.2 % user), nginx-rtmp 16.8 % (1.4 % user):
 * the kernel's loopback TCP work (~15.5 %) is the same, Sluice spends ~5× nginx's user time. That is
 * ~880 players per core for Sluice vs ~1190 for nginx-rtmp at N = 200 (Sluice ≈ 0.74×).
 *
 * <p><b>With shared serialization</b> (each frame muxed and chunked once per stream, the same bytes
 * written to every player; one flush per drain), measured before and after in one session each
 * (load average 7–9): at N = 200, before: Sluice 27.4 % (10.8 % user) = 730 players/core vs
 * nginx-rtmp 20.3 % (2.3 %) = 985 (0.74×); after: Sluice 20.0 % (6.8 % user) = 1000 players/core vs
 * nginx-rtmp 17.0 % (1.8 %) = 1177 (0.85×). Per-thread ticks of the Sluice server at N = 200 show
 * that about a third of its remaining user time is the C2 JIT still compiling (21 of 61 ticks in
 * 8 s, ~35 s after start): the short run charges warm-up to Sluice. The kernel's share (sendmsg on
 * loopback) is now lower for Sluice than for nginx (13 % vs 15 %). The native epoll transport was
 * not tried: its Linux jar is not in the offline repository.
 *
 * <p><b>Side by side, alternating</b> ({@code -Dsluice.bench.rounds=5}, 30 s warm-up, window 10 s,
 * 1 IO thread, load average 5–9; medians): N = 100: Sluice 1031 vs nginx-rtmp 1064 players/core
 * (0.97×); N = 200: Sluice 1053 vs 1130 (0.93×); every player on time in every round on both.
 * With 2 IO threads (3 rounds, N = 200): 1058 vs 1111 (0.95×). Single rounds range over ±15 %
 * (Sluice 855–1429 at N = 100), so single runs cannot tell 0.9× from 1.1×. What remains is user
 * time: at N = 200 the kernel's share is about the same for both (~13 % of a core), Sluice spends
 * ~5 % in user mode, nginx-rtmp ~1.7 %, though Sluice makes ~3.5× fewer socket writes
 * (~45 write/writev per player per second vs nginx-rtmp's ~157 {@code sendto}, one per chunk).
 * perf puts ~40 % of the server's samples in waking the players' threads
 * ({@code sock_def_readable}) and in context switches, which are per message for both servers.
 * (Measured on NIO; see <b>Native transports</b> below.)
 *
 * <p><b>Batched drains, lent frames</b> (one drain task per EventLoop per frame instead of one per
 * player; the hub lends frames to the RTMP sinks instead of a duplicate each; one clock read per
 * batch), alternating, 5 rounds, medians: N = 100: Sluice 1064 vs nginx-rtmp 1031 players/core
 * (1.03×); N = 200: 1087 vs 1081 (1.01×). An earlier run of the same command on the build before
 * the clock-read change gave 0.82× and 0.97×: with single rounds at ±15 %, Sluice and nginx-rtmp
 * are now level within the noise. perf (Sluice, N = 200): ~73 % of the server's samples are in the
 * write/writev syscalls, mostly waking the reading side and context switches (the IO thread is
 * preempted ~3000–4500 times a second, nginx-rtmp's worker as often), so what remains is per
 * write, not per byte. With {@code RtmpServer.Builder#writeCoalescing} 20 ms (kind
 * {@code sluice-merge} with {@code -Dsluice.bench.serverJvmArgs.sluice-merge=-Dsluice.bench.writeCoalescingMs=20};
 * off by default, it adds up to 20 ms of delay) in the same run: 1449 (1.41×) and 1626 (1.50×).
 *
 * <p><b>Native transports</b> ({@code io.sluice.core.netty.NettyTransport}, Netty 4.2.18.Final natives; kinds
 * {@code sluice-nio,sluice-epoll,sluice-iouring,nginx-rtmp} with
 * {@code -Dsluice.bench.serverJvmArgs.sluice-iouring=-Dsluice.netty.transport=io_uring} and likewise, no write
 * coalescing), N = 200, 20 s warm-up, window 10 s, alternating, load average 6–21 from other work, medians
 * in players/core: 3 rounds: NIO 830, epoll 966, io_uring 1361, nginx-rtmp 877 (0.95×, 1.10×, 1.55×);
 * 2 rounds, an earlier window: 818, 773, 1029, 673 (1.21×, 1.15×, 1.53×). io_uring is the default where
 * the kernel allows it. Its gain is kernel time (one {@code io_uring_enter} submits a loop iteration's
 * sends instead of a {@code writev} each): server CPU 14–22 % of a core (4–9 % user) against NIO's 17–30 %
 * (4–8 % user) and nginx-rtmp's 22–32 % (4–6 % user). perf on the io_uring server's IO thread (warm-up):
 * ~58 % kernel, most of it the loopback delivery to the players ({@code pvm_irq_enable} softirq,
 * {@code _copy_from_iter}, {@code tcp_sendmsg_locked}), ~35 % JIT-compiled Java. 1.7× would need the
 * server at ≤ ~13 % of a core here: about a third less Java on the IO thread (per-player chunk
 * headers and buffer bookkeeping per drain), since the kernel's per-send cost is the same for both servers.
 *
 * <p><b>Session 6</b>: the RTMP server runs on io_uring by default now ({@code NettyTransport.forFanOut()}), so kind
 * {@code sluice} is io_uring unless {@code -Dsluice.bench.serverJvmArgs.KIND=-Dsluice.netty.transport=nio} says
 * otherwise; 1.27–1.61× nginx-rtmp at N = 200 (NIO 1.10–1.24×), figures and where the CPU goes in
 * {@code benchmarks/README.md} ("RTMP fan-out, session 6").
 *
 * <p>The benchmarks module depends on transport-webrtc (and so crypto): build it with
 * {@code -pl core,codec,crypto,transport-rtmp,transport-webrtc,benchmarks}.
 */
public final class RtmpFanOutBenchmark {
    private static final long CLK_TCK = 100; // Linux USER_HZ
    private static final String FFMPEG = "/usr/bin/ffmpeg";
    private static final String NGINX = "/usr/sbin/nginx";
    private static final String NGINX_RTMP = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    private RtmpFanOutBenchmark() {
    }

    /** One result row. */
    record Row(String server, int players, int connected, int onTime, double driftAvgMs, double driftMaxMs, long gaps,
               double fpsPerPlayer, double mbitPerPlayer, double cpuPercent, double userPercent) {
        double cpuMsPerPlayerSecond() {
            return connected == 0 ? 0 : cpuPercent * 10 / connected;
        }

        /** Players one fully busy core would serve at this cost. */
        double playersPerCore() {
            return cpuPercent <= 0 ? 0 : connected * 100.0 / cpuPercent;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("server")) {
            serve(Integer.parseInt(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 1);
            return;
        }
        int[] ns = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {10, 50, 100, 200};
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warmup = Integer.getInteger("sluice.bench.warmupSeconds", 30);
        List<String> kinds = args.length > 2 ? List.of(args[2].split(",")) : List.of("sluice", "nginx-rtmp");
        Path work = Files.createTempDirectory("sluice-rtmp-fanout");
        Path stream = work.resolve("stream_6mbps.flv");
        System.out.println("encoding the 6 Mbit/s test stream ...");
        exec(FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "10", "-c:v", "libx264", "-preset", "veryfast",
                "-b:v", "6M", "-maxrate", "6M", "-bufsize", "6M", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                "-f", "flv", stream.toString());
        System.out.printf(Locale.ROOT, "stream: %s, %.2f Mbit/s%n", stream, Files.size(stream) * 8 / 10.0 / 1e6);

        int rounds = Integer.getInteger("sluice.bench.rounds", 1);
        List<Row> rows = new ArrayList<>();
        // Both servers run (each with its own publisher) for the whole benchmark; the measurements of one N
        // alternate between them, round after round, so that a change in the machine's background load
        // hits both servers alike instead of the one measured second.
        List<Process> servers = new ArrayList<>();
        List<Process> publishers = new ArrayList<>();
        int[] ports = new int[kinds.size()];
        try {
            for (int k = 0; k < kinds.size(); k++) {
                String kind = kinds.get(k);
                ports[k] = freePort();
                Process server = kind.startsWith("sluice") ? startSluice(kind, ports[k], work) : startNginx(ports[k], work);
                servers.add(server);
                waitForPort(ports[k], server);
                publishers.add(new ProcessBuilder(FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1",
                        "-i", stream.toString(), "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:" + ports[k] + "/live/bench")
                        .redirectErrorStream(true).redirectOutput(work.resolve(kind + "-publisher.log").toFile()).start());
            }
            Thread.sleep(3000);
            if (warmup > 0) {
                for (int k = 0; k < kinds.size(); k++) {
                    Row w = run(kinds.get(k), ports[k], servers.get(k).pid(), Arrays.stream(ns).max().orElseThrow(), warmup);
                    System.out.print("(warm-up, not counted) ");
                    print(w);
                }
            }
            for (int round = 0; round < rounds; round++) {
                for (int n : ns) {
                    for (int k = 0; k < kinds.size(); k++) {
                        Row r = run(kinds.get(k), ports[k], servers.get(k).pid(), n, window);
                        rows.add(r);
                        print(r);
                    }
                }
            }
        } finally {
            stopAll(publishers, servers);
        }
        System.out.println();
        System.out.println("server      players connected on-time drift avg/max ms  gaps  fps/player Mbit/s/player  server CPU % (user)  CPU ms/player/s  players/core");
        for (Row r : rows) {
            print(r);
        }
        if (rounds > 1 || kinds.size() > 1) {
            System.out.println();
            System.out.println("median players/core over " + rounds + " round(s), every player on time in every round?");
            for (int n : ns) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "N=%-5d", n));
                double[] medians = new double[kinds.size()];
                for (int k = 0; k < kinds.size(); k++) {
                    String kind = kinds.get(k);
                    List<Row> mine = rows.stream().filter(r -> r.server().equals(kind) && r.players() == n).toList();
                    double[] ppc = mine.stream().mapToDouble(Row::playersPerCore).sorted().toArray();
                    medians[k] = ppc.length % 2 == 1 ? ppc[ppc.length / 2] : (ppc[ppc.length / 2 - 1] + ppc[ppc.length / 2]) / 2;
                    boolean allOnTime = mine.stream().allMatch(r -> r.onTime() == r.players());
                    line.append(String.format(Locale.ROOT, "  %s %.0f (%s)", kind, medians[k], allOnTime ? "all on time" : "NOT all on time"));
                }
                int ref = kinds.indexOf("nginx-rtmp");
                for (int k = 0; k < kinds.size() && ref >= 0 && medians[ref] > 0; k++) {
                    if (k != ref) {
                        line.append(String.format(Locale.ROOT, "  ratio %s/%s %.2f", kinds.get(k), kinds.get(ref), medians[k] / medians[ref]));
                    }
                }
                System.out.println(line);
            }
        }
    }

    private static void print(Row r) {
        System.out.printf(Locale.ROOT, "%-11s %7d %9d %7d %8.0f/%-8.0f %6d %10.1f %15.2f %12.1f (%5.1f) %16.2f %13.0f%n", r.server(),
                r.players(), r.connected(), r.onTime(), r.driftAvgMs(), r.driftMaxMs(), r.gaps(), r.fpsPerPlayer(), r.mbitPerPlayer(),
                r.cpuPercent(), r.userPercent(), r.cpuMsPerPlayerSecond(), r.playersPerCore());
    }

    private static Row run(String kind, int port, long pid, int n, int window) throws Exception {
        List<RtmpLoadPlayer> players = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RtmpLoadPlayer p = new RtmpLoadPlayer("127.0.0.1", port, "live", "bench");
            Thread t = new Thread(p, "player-" + i);
            t.setDaemon(true);
            t.start();
            players.add(p);
            threads.add(t);
            if (i % 10 == 9) {
                Thread.sleep(50); // gentle ramp
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && players.stream().anyMatch(p -> !p.playing && p.error == null)) {
            Thread.sleep(100);
        }
        Thread.sleep(3000);
        long[] frames0 = new long[n];
        long[] bytes0 = new long[n];
        for (int i = 0; i < n; i++) {
            players.get(i).resetWindow();
            frames0[i] = players.get(i).videoFrames;
            bytes0[i] = players.get(i).bytes;
        }
        long cpu0 = cpuTicks(pid);
        long user0 = userTicks(pid);
        long t0 = System.nanoTime();
        Thread.sleep(window * 1000L);
        long cpu1 = cpuTicks(pid);
        long user1 = userTicks(pid);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int connected = 0;
        int onTime = 0;
        long gaps = 0;
        double driftSum = 0;
        double driftMax = 0;
        double fps = 0;
        double mbit = 0;
        for (int i = 0; i < n; i++) {
            RtmpLoadPlayer p = players.get(i);
            if (!p.running || p.error != null) {
                continue;
            }
            connected++;
            long drift = p.lagMaxMs == Long.MIN_VALUE ? Long.MAX_VALUE : p.lagMaxMs - p.lagMinMs;
            long f = p.videoFrames - frames0[i];
            driftSum += Math.min(drift, 100_000);
            driftMax = Math.max(driftMax, Math.min(drift, 100_000));
            gaps += p.gaps;
            fps += f / seconds;
            mbit += (p.bytes - bytes0[i]) * 8 / seconds / 1e6;
            if (drift <= 1000 && p.gaps == 0 && f / seconds >= 29) {
                onTime++;
            }
        }
        for (RtmpLoadPlayer p : players) {
            p.stop();
        }
        for (Thread t : threads) {
            t.join(2000);
        }
        Thread.sleep(1000);
        double cpuPercent = (cpu1 - cpu0) * 100.0 / CLK_TCK / seconds;
        return new Row(kind, n, connected, onTime, connected == 0 ? 0 : driftSum / connected, driftMax, gaps,
                connected == 0 ? 0 : fps / connected, connected == 0 ? 0 : mbit / connected, cpuPercent,
                (user1 - user0) * 100.0 / CLK_TCK / seconds);
    }

    /** utime of a process, in clock ticks (field 14 of /proc/PID/stat). */
    static long userTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[11]);
    }

    /** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14, 15 counted from after "pid (comm)"
    }

    private static Process startSluice(String kind, int port, Path work) throws IOException {
        return startSluiceJvm(kind, work, RtmpFanOutBenchmark.class, "server", Integer.toString(port),
                Integer.toString(Integer.getInteger("sluice.bench.ioThreads", 1)));
    }

    /**
     * Starts a Sluice server JVM for server kind {@code kind}: {@code main} with {@code args}, leak detection off,
     * the JVM options of {@code -Dsluice.bench.serverJvmArgs[.KIND]}, the class path of
     * {@code -Dsluice.bench.classpath.KIND} (default: this JVM's); output to {@code work/KIND-server.log}.
     */
    static Process startSluiceJvm(String kind, Path work, Class<?> main, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Dio.netty.leakDetection.level=disabled",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        String extra = System.getProperty("sluice.bench.serverJvmArgs", "") + " "
                + System.getProperty("sluice.bench.serverJvmArgs." + kind, "");
        if (!extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        String classpath = System.getProperty("sluice.bench.classpath." + kind, System.getProperty("java.class.path"));
        cmd.addAll(List.of("-cp", classpath, main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(work.resolve(kind + "-server.log").toFile()).start();
    }

    /** Ends the publishers (5 s each), then the servers (10 s each, then forcibly). */
    static void stopAll(List<Process> publishers, List<Process> servers) throws InterruptedException {
        for (Process publisher : publishers) {
            publisher.destroy();
            publisher.waitFor(5, TimeUnit.SECONDS);
        }
        for (Process server : servers) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    static Process startNginx(int port, Path work) throws IOException {
        return startNginx(work, "load_module " + NGINX_RTMP + ";", List.of(
                "rtmp {",
                "  server {",
                "    listen 127.0.0.1:" + port + ";",
                "    chunk_size 4096;",
                "    application live { live on; }",
                "  }",
                "}"));
    }

    /**
     * Starts nginx in the foreground with one worker process ({@code master_process off}) and its files under
     * {@code work/nginx}: {@code head} (e.g. a {@code load_module}), the common settings, then {@code blocks}.
     */
    static Process startNginx(Path work, String head, List<String> blocks) throws IOException {
        Path prefix = Files.createDirectories(work.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        Path conf = prefix.resolve("nginx.conf");
        List<String> lines = new ArrayList<>(List.of(head,
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                "error_log " + prefix.resolve("logs/error.log") + " warn;",
                "pid " + prefix.resolve("nginx.pid") + ";",
                "events { worker_connections 4096; }"));
        lines.addAll(blocks);
        lines.add("");
        Files.writeString(conf, String.join("\n", lines));
        return new ProcessBuilder(NGINX, "-p", prefix.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("nginx.log").toFile()).start();
    }

    /** The Sluice side: an embedded server with {@code ioThreads} IO threads until stdin closes or the process is killed. */
    private static void serve(int port, int ioThreads) throws Exception {
        // The defaults (1000 connections, 1000 subscribers per hub stream) are lifted so the benchmark finds
        // where delivery stops being on time, not where a limit refuses players.
        RtmpServer.Builder b = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(port).ioThreads(ioThreads)
                .maxConnections(5000).maxConnectionsPerAddress(5000).hub(io.sluice.core.hub.StreamHub.builder().maxSubscribersPerStream(5000).build());
        int coalesceMs = Integer.getInteger("sluice.bench.writeCoalescingMs", 0);
        if (coalesceMs > 0) {
            b.writeCoalescing(java.time.Duration.ofMillis(coalesceMs));
        }
        RtmpServer server = b.build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("listening on " + server.port());
        Thread.currentThread().join();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void waitForPort(int port, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("server exited with " + server.exitValue());
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("server did not listen on " + port);
    }

    /** Runs a command to its end; throws with its output if it fails. */
    static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
        }
    }
}
