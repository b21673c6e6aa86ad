package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.BottleneckBench.Row;
import io.sluice.benchmarks.bottleneck.RunData.Counter;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Freeze;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Sample;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.ServerSample;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * WebRTC viewers (WHEP) behind a bottleneck: per-viewer congestion control and pacing against the unpaced delivery,
 * side by side in one run (issue 13).
 *
 * <p>Each scenario runs two {@link Bottleneck}s at once, one per variant. In each, the sender namespace holds a
 * Sluice server ({@link ReceiverMain} with {@code --viewer-cc=true} or {@code false}, i.e.
 * {@code SluiceServer.Builder.viewerCongestionControl}) and an ffmpeg publishing a 2.5 Mbit/s H.264 clip without
 * B-frames to it over RTMP on the namespace's own address ({@code -re -stream_loop -1 -c copy}, not shaped); the
 * receiver namespace holds headless Chromium ({@link ViewerMain}) on the server's {@code /watch/<stream>} page, so
 * the media crosses the tbf queue (300 ms drop-tail). Both viewers open their page at the same moment (t0), when
 * the schedule starts on both bottlenecks; both qdiscs are sampled every 50 ms, both browsers every 250 ms. The
 * server gets no audio transcoder, so the AAC track stays at the server and only video (and RTCP) is shaped.
 *
 * <p>Usage (root, iproute2, ffmpeg with libx264, chromium + chromium-driver):
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.bottleneck.WhepViewerBench \
 *     [--out results/whep-viewers] [--scenarios constant,steps,cellular] [--duration-s 60] [--shared ../shared]
 * }</pre>
 * Writes {@code figures.md}, {@code figures.json} (one row per scenario × variant, keys in {@link ViewerAnalysis}
 * plus the CPU each variant's processes used and the machine's load), one timeline PNG and CSVs per row, and a
 * log per scenario.
 */
public final class WhepViewerBench {
    /** The stream's video bitrate, bit/s (the clip is encoded at this average with the same max rate). */
    public static final long STREAM_BPS = 2_500_000;
    private static final String STREAM = "live/v";
    private static final int RTMP_PORT = 1935;
    private static final int HTTP_PORT = 8080;

    /** A capacity schedule, applied to both variants' bottlenecks. */
    public record Scenario(String name, CapacitySchedule schedule) {
    }

    /** Per-viewer congestion control on or off. */
    public enum Variant {
        /** {@code viewerCongestionControl(true)}: GCC and pacing per viewer. */
        ADAPTED(true),
        /** {@code viewerCongestionControl(false)}: the stream as it comes, unpaced. */
        UNPACED(false);

        final boolean viewerCc;

        Variant(boolean viewerCc) {
            this.viewerCc = viewerCc;
        }
    }

    /** One variant's run: raw samples, figures, the plot. */
    public record Result(Scenario scenario, Variant variant, RunData bottleneck, List<Sample> samples,
            Map<String, Object> figures, Path plot) {
    }

    private final Path clip;
    private final Path outDir;

    /**
     * @param clip   the H.264 (no B-frames) + AAC clip ffmpeg loops into each server ({@link #prepareClip})
     * @param outDir where figures, plots, CSVs and logs go
     */
    public WhepViewerBench(Path clip, Path outDir) {
        this.clip = clip;
        this.outDir = outDir;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("results/whep-viewers");
        Path shared = Path.of("../shared");
        String scenarios = "constant,steps,cellular";
        long durationS = 60;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--scenarios" -> scenarios = args[i + 1];
                case "--duration-s" -> durationS = Long.parseLong(args[i + 1]);
                case "--shared" -> shared = Path.of(args[i + 1]);
                default -> {
                    System.err.println("whep-viewers: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        WhepViewerBench bench = new WhepViewerBench(prepareClip(shared, out.resolve("inputs")), out);
        List<Result> results = new ArrayList<>();
        for (Scenario sc : scenarios(scenarios, durationS * 1000, shared)) {
            System.out.println("whep-viewers: " + sc.name() + " (" + durationS + " s, both variants at once)");
            try {
                for (Result r : bench.run(sc)) {
                    results.add(r);
                    System.out.println("  " + r.variant() + ": " + r.figures());
                }
            } catch (IOException e) {
                System.out.println("  failed: " + e.getMessage());
            }
            writeFigures(out, results);
        }
        System.exit(0);
    }

    /**
     * The named scenarios: {@code constant} (3.5 Mbit/s = 1.4 × the stream), {@code steps} (3, 0.8, 2, 0.5 Mbit/s
     * at 0, ¼, ½, ¾ of the run: 0, 15, 30, 45 s of 60), {@code cellular} (the mahimahi AT&amp;T LTE driving downlink
     * trace from its start in 500 ms steps, floor 200 kbit/s: 9.3, 4.5, 1.5, 3.1, 3.8, 4.1 Mbit/s in its first six
     * 10 s; the T-Mobile UMTS one falls to 0.25 Mbit/s and less after 30 s, a stall rather than a test of adaptation),
     * and the control {@code wide} (20 Mbit/s = 8 × the stream: what freezes without a bottleneck, i.e. the machine's
     * share).
     */
    public static List<Scenario> scenarios(String names, long durationMs, Path shared) throws IOException {
        List<Scenario> l = new ArrayList<>();
        for (String n : names.split(",")) {
            switch (n.strip()) {
                case "constant" -> l.add(new Scenario("constant-3.5mbit",
                        CapacitySchedule.constant("3.5mbit", STREAM_BPS * 14 / 10, durationMs)));
                case "wide" -> l.add(new Scenario("control-20mbit",
                        CapacitySchedule.constant("20mbit", 20_000_000, durationMs)));
                case "steps" -> l.add(new Scenario("steps-3-0.8-2-0.5", new CapacitySchedule("steps", List.of(
                        new CapacitySchedule.Step(0, 3_000_000), new CapacitySchedule.Step(durationMs / 4, 800_000),
                        new CapacitySchedule.Step(durationMs / 2, 2_000_000),
                        new CapacitySchedule.Step(durationMs * 3 / 4, 500_000)), durationMs)));
                case "cellular" -> l.add(new Scenario("att-lte-down", CapacitySchedule.mahimahi(
                        shared.resolve("traces/mahimahi/ATT-LTE-driving-2016.down"), 0, durationMs, 500, 200_000)));
                default -> throw new IllegalArgumentException("unknown scenario " + n + " (constant, steps, cellular, wide)");
            }
        }
        return l;
    }

    /**
     * Makes (or reuses) the stream under {@code dir}: Big Buck Bunny 854×480 24 fps from the shared media,
     * libx264 veryfast at {@link #STREAM_BPS} average and max rate (1 s buffer), no B-frames, a keyframe every 2 s,
     * stereo AAC 128 kbit/s, 30 s (ffmpeg loops it).
     */
    public static Path prepareClip(Path shared, Path dir) throws IOException, InterruptedException {
        return prepareClip(shared, dir, 0, 480, STREAM_BPS);
    }

    /**
     * As {@link #prepareClip(Path, Path)}, scaled to {@code height} (width keeping the aspect ratio, even) at
     * {@code bps} average and max rate, with at most {@code bFrames} consecutive B-frames (x264 {@code -bf}; with
     * B-frames a server's rendition ladder transcodes every rung, the top one too, as WebRTC cannot carry them).
     */
    public static Path prepareClip(Path shared, Path dir, int bFrames, int height, long bps) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        long k = bps / 1000;
        String name = "bbb-" + height + "p-" + k + "k-" + (bFrames == 0 ? "nobf" : "bf" + bFrames);
        Path clipFile = dir.resolve(name + ".mp4");
        if (!Files.exists(clipFile)) {
            Path tmp = dir.resolve(name + ".part.mp4");
            Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-i",
                    shared.resolve("media/bbb_480p_30s_h264_aac51.mp4").toString(), "-vf", "scale=-2:" + height,
                    "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", k + "k", "-maxrate", k + "k", "-bufsize", k + "k", "-bf", "" + bFrames, "-g", "48", "-keyint_min", "48",
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-b:a", "128k", tmp.toString())
                    .redirectErrorStream(true).start();
            String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("ffmpeg failed to make the clip: " + msg);
            }
            Files.move(tmp, clipFile);
        }
        return clipFile;
    }

    /** What one variant's processes and samplers hold during a run. */
    private static final class Side {
        final Variant variant;
        final Bottleneck b;
        final List<QdiscSample> qdisc = new CopyOnWriteArrayList<>();
        final List<Sample> samples = new CopyOnWriteArrayList<>();
        final List<ServerSample> server = new CopyOnWriteArrayList<>();
        final CountDownLatch ready = new CountDownLatch(1);
        final CountDownLatch launched = new CountDownLatch(1);
        final AtomicLong serverVideoFrames = new AtomicLong();
        final List<Process> procs = new ArrayList<>(); // server, ffmpeg, viewer
        Process viewer;

        Side(Variant variant, Bottleneck b) {
            this.variant = variant;
            this.b = b;
        }
    }

    /**
     * Runs {@code sc} with both variants at once.
     *
     * @return one result per variant, {@link Variant#ADAPTED} first
     * @throws IOException when a server, publisher or viewer does not start (the message names the log)
     */
    public List<Result> run(Scenario sc) throws IOException, InterruptedException {
        return run(sc, List.of(Variant.ADAPTED, Variant.UNPACED));
    }

    /**
     * Runs {@code sc} with the given variants at once, each on its own bottleneck (one variant alone: half the
     * machine's load of a side-by-side run).
     *
     * @param variants one or more, without repeats
     * @return one result per variant, in the order given
     * @throws IOException when a server, publisher or viewer does not start (the message names the log)
     */
    public List<Result> run(Scenario sc, List<Variant> variants) throws IOException, InterruptedException {
        if (variants.isEmpty() || variants.stream().distinct().count() != variants.size()) {
            throw new IllegalArgumentException("variants: " + variants + " (expected: one or more, without repeats)");
        }
        Files.createDirectories(outDir);
        Path log = outDir.resolve(sc.name() + ".log");
        Files.deleteIfExists(log);
        CapacitySchedule sch = sc.schedule();
        long[] t0 = {Long.MAX_VALUE};
        List<Side> sides = new ArrayList<>();
        Map<String, Object> load = new LinkedHashMap<>();
        Map<Variant, Map<String, Double>> cpu = new HashMap<>();
        try {
            for (Variant v : variants) {
                sides.add(new Side(v, new Bottleneck(sch.steps().get(0).bps(), 300)));
            }
            for (Side s : sides) {
                Process server = s.b.exec(s.b.senderNs, log, BottleneckRun.java(ReceiverMain.class, List.of(
                        "--viewer-cc=" + s.variant.viewerCc, Bottleneck.SENDER_IP, "" + RTMP_PORT, "" + HTTP_PORT, STREAM)));
                s.procs.add(server);
                BottleneckRun.read(server, line -> {
                    if (line.equals("READY")) {
                        s.ready.countDown();
                    } else if (line.startsWith("F ") && line.contains(" V ")) {
                        s.serverVideoFrames.incrementAndGet();
                    } else if (line.startsWith("G ")) {
                        if (t0[0] != Long.MAX_VALUE) {
                            s.server.add(serverSample(line.split(" "), t0[0]));
                        }
                    } else if (!line.startsWith("F ")) {
                        BottleneckRun.appendLog(log, s.variant + " server: " + line);
                    }
                });
            }
            for (Side s : sides) {
                if (!s.ready.await(60, TimeUnit.SECONDS)) {
                    throw new IOException(s.variant + ": the Sluice server did not start in the sender namespace; see " + log);
                }
                s.procs.add(s.b.exec(s.b.senderNs, log, List.of("ffmpeg", "-v", "error", "-nostdin", "-re", "-stream_loop", "-1",
                        "-i", clip.toString(), "-c", "copy", "-f", "flv",
                        "rtmp://" + Bottleneck.SENDER_IP + ":" + RTMP_PORT + "/" + STREAM)));
            }
            long seconds = sch.durationMs() / 1000 + 5;
            for (Side s : sides) {
                s.viewer = s.b.exec(s.b.receiverNs, log, BottleneckRun.java(ViewerMain.class, List.of(
                        "http://" + Bottleneck.SENDER_IP + ":" + HTTP_PORT + "/watch/" + STREAM, "" + seconds)));
                s.procs.add(s.viewer);
                BottleneckRun.read(s.viewer, line -> viewerLine(s, line, t0, log));
            }
            long deadline = System.nanoTime() + 120_000_000_000L;
            for (Side s : sides) {
                if (!s.launched.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IOException(s.variant + ": Chromium did not start in the receiver namespace; see " + log);
                }
                // the join's GOP cache holds a full GOP (2 s at 24 fps) once the server has 48 video frames
                while (s.serverVideoFrames.get() < 48) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException(s.variant + ": no video from ffmpeg at the server within 120 s; see " + log);
                    }
                    Thread.sleep(50);
                }
            }
            Map<Long, Double> cpuBefore = cpuSeconds(sides);
            long[] stat0 = procStat();
            t0[0] = System.nanoTime();
            go(sides.stream().map(s -> s.viewer).toList());
            Thread sampler = qdiscSampler(sides.stream().map(s -> s.b).toList(), sides.stream().map(s -> s.qdisc).toList(),
                    t0[0], 50);
            for (CapacitySchedule.Step st : sch.steps()) {
                BottleneckRun.sleepUntil(t0[0] + st.startMs() * 1_000_000L);
                if (st.startMs() > 0) {
                    for (Side s : sides) {
                        s.b.setRate(st.bps());
                    }
                }
            }
            BottleneckRun.sleepUntil(t0[0] + sch.durationMs() * 1_000_000L);
            sampler.interrupt();
            sampler.join(2000);
            long[] stat1 = procStat();
            double busy = 1 - (stat1[1] - stat0[1]) / (double) Math.max(1, stat1[0] - stat0[0]);
            load.put("machineCpuBusyPct", Analysis.round(100 * busy, 1));
            load.put("loadAvg1", Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
            Map<Long, Double> cpuAfter = cpuSeconds(sides);
            for (Side s : sides) {
                Map<String, Double> m = new LinkedHashMap<>();
                String[] roles = {"serverCpuS", "ffmpegCpuS", "viewerCpuS"};
                for (int i = 0; i < s.procs.size(); i++) {
                    m.put(roles[i], Analysis.round(cpuUsed(s.procs.get(i), cpuBefore, cpuAfter), 1));
                }
                cpu.put(s.variant, m);
            }
        } finally {
            for (Side s : sides) {
                s.b.close();
            }
        }
        List<Result> results = new ArrayList<>();
        for (Side s : sides) {
            String id = sc.name() + "-" + s.variant.name().toLowerCase();
            RunData data = new RunData(sch, List.copyOf(s.qdisc), List.of(), List.of());
            data.writeQdiscCsv(outDir, id);
            List<Sample> samples = List.copyOf(s.samples);
            List<ServerSample> server = List.copyOf(s.server);
            writeSamplesCsv(outDir.resolve(id + "-viewer.csv"), samples);
            writeServerCsv(outDir.resolve(id + "-server.csv"), server);
            Map<String, Object> f = ViewerAnalysis.figures(samples, data, server);
            f.putAll(cpu.getOrDefault(s.variant, Map.of()));
            f.putAll(load);
            Path png = outDir.resolve(id + ".png");
            chart(data, samples, server, id + " (viewerCongestionControl " + s.variant.viewerCc + ", tbf 300 ms drop-tail)", png);
            results.add(new Result(sc, s.variant, data, samples, f, png));
        }
        return results;
    }

    private static void viewerLine(Side s, String line, long[] t0, Path log) {
        if (line.equals("LAUNCHED")) {
            s.launched.countDown();
            return;
        }
        String[] f = line.split(" ");
        if (!f[0].equals("W") || f.length < 16) {
            BottleneckRun.appendLog(log, s.variant + " viewer: " + line);
            return;
        }
        s.samples.add(viewerSample(f, t0[0]));
    }

    /** A {@link ViewerMain} {@code W} line, split at spaces, timed in ms from {@code t0} (nanoTime). */
    static Sample viewerSample(String[] f, long t0) {
        long[] v = new long[14];
        for (int i = 0; i < 14; i++) {
            v[i] = Long.parseLong(f[i + 1]);
        }
        return new Sample((v[0] - t0) / 1e6, v[1], v[2], v[3], (int) v[4], (int) v[5], v[6], v[7], v[8], v[9], v[10],
                v[11], v[12], v[13], f[15]);
    }

    /** A {@link ReceiverMain} {@code G} line, split at spaces, timed in ms from {@code t0} (nanoTime). */
    static ServerSample serverSample(String[] g, long t0) {
        return new ServerSample((Long.parseLong(g[2]) - t0) / 1e6, Long.parseLong(g[3]), Long.parseLong(g[4]),
                Long.parseLong(g[5]), Long.parseLong(g[6]), Long.parseLong(g[7]), Long.parseLong(g[8]), Long.parseLong(g[9]));
    }

    /** Tells each {@link ViewerMain} to open its page ({@code GO} on its stdin). */
    static void go(List<Process> viewers) throws IOException {
        for (Process v : viewers) {
            OutputStream in = v.getOutputStream();
            in.write("GO\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        }
    }

    /**
     * Starts a daemon thread that reads the qdisc of {@code links.get(i)} into {@code into.get(i)} every
     * {@code periodMs} (times from {@code t0}, nanoTime) until interrupted or a link is closed.
     */
    static Thread qdiscSampler(List<Bottleneck> links, List<List<QdiscSample>> into, long t0, long periodMs) {
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long start = System.nanoTime();
                try {
                    for (int i = 0; i < links.size(); i++) {
                        QdiscSample q = BottleneckRun.qdiscSample(links.get(i), t0);
                        if (q != null) {
                            into.get(i).add(q);
                        }
                    }
                    Thread.sleep(Math.max(1, periodMs - (System.nanoTime() - start) / 1_000_000));
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }, "qdisc-sampler");
        sampler.setDaemon(true);
        sampler.start();
        return sampler;
    }

    /** A process and all its descendants (the viewer JVM's chromedriver and Chromium processes). */
    static List<ProcessHandle> tree(Process p) {
        List<ProcessHandle> l = new ArrayList<>(List.of(p.toHandle()));
        p.descendants().forEach(l::add);
        return l;
    }

    /** CPU seconds so far of every live process of every side, by pid. */
    private static Map<Long, Double> cpuSeconds(List<Side> sides) {
        return cpuSecondsOf(sides.stream().flatMap(s -> s.procs.stream()).toList());
    }

    /** CPU seconds so far of {@code procs} and their live descendants, by pid. */
    static Map<Long, Double> cpuSecondsOf(List<Process> procs) {
        Map<Long, Double> m = new HashMap<>();
        for (Process p : procs) {
            for (ProcessHandle h : tree(p)) {
                h.info().totalCpuDuration().ifPresent(d -> m.put(h.pid(), d.toNanos() / 1e9));
            }
        }
        return m;
    }

    /** CPU seconds {@code p} and its descendants used between two {@link #cpuSecondsOf} readings. */
    static double cpuUsed(Process p, Map<Long, Double> before, Map<Long, Double> after) {
        double sum = 0;
        for (ProcessHandle h : tree(p)) {
            Double a = after.get(h.pid());
            if (a != null) {
                sum += a - before.getOrDefault(h.pid(), 0.0);
            }
        }
        return sum;
    }

    /** {total, idle + iowait} jiffies of all CPUs from {@code /proc/stat}. */
    static long[] procStat() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    static void writeServerCsv(Path file, List<ServerSample> samples) throws IOException {
        StringBuilder sb = new StringBuilder("t_ms,target_bps,pacing_bps,pacer_delay_us,frames_dropped,bytes_sent,"
                + "retransmissions,keyframe_requests\n");
        for (ServerSample x : samples) {
            sb.append(String.format("%.1f,%d,%d,%d,%d,%d,%d,%d%n", x.tMs(), x.targetBps(), x.pacingBps(), x.pacerDelayUs(),
                    x.framesDropped(), x.bytesSent(), x.retransmissions(), x.keyframeRequests()));
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    static void writeSamplesCsv(Path file, List<Sample> samples) throws IOException {
        StringBuilder sb = new StringBuilder("t_ms,frames_decoded,freeze_count,freeze_ms,width,height,packets_lost,nacks,"
                + "video_bytes,jitter_buffer_delay_ms,jitter_buffer_emitted,transport_bytes,frames_dropped,plis,state\n");
        for (Sample x : samples) {
            sb.append(String.format("%.1f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s%n", x.tMs(), x.framesDecoded(), x.freezeCount(),
                    x.freezeMs(), x.width(), x.height(), x.packetsLost(), x.nacks(), x.videoBytes(), x.jitterBufferDelayMs(),
                    x.jitterBufferEmitted(), x.transportBytes(), x.framesDropped(), x.plis(), x.state()));
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /**
     * The timeline: capacity, the bottleneck's delivered and offered rate, the browser's received rate and, with
     * per-viewer congestion control, the server's GCC target and pacing rate (kbit/s);
     * the queueing delay (ms); decoded frames per second and each freeze as a point at its end (height: its
     * duration, ms); the decoded frame height (px).
     */
    static void chart(RunData d, List<Sample> samples, List<ServerSample> server, String title, Path png) throws IOException {
        List<Sample> s = ViewerAnalysis.within(samples, d.schedule().durationMs());
        List<Counter> received = s.stream().map(x -> new Counter(x.tMs(), x.transportBytes())).toList();
        List<XYSeries> extra = new ArrayList<>(List.of(TimelineChart.counterRate("received (browser)", received)));
        XYSeries target = new XYSeries("GCC target (server)");
        XYSeries pacing = new XYSeries("pacing rate (server)");
        for (ServerSample g : server) {
            if (g.tMs() >= 0 && g.tMs() <= d.schedule().durationMs() && g.targetBps() > 0) {
                target.add(g.tMs() / 1000, g.targetBps() / 1000.0);
                pacing.add(g.tMs() / 1000, g.pacingBps() / 1000.0);
            }
        }
        if (target.getItemCount() > 0) {
            extra.add(target);
            extra.add(pacing);
        }
        XYPlot rates = TimelineChart.ratePlot(d, extra);
        XYSeries fps = new XYSeries("decoded fps");
        XYSeries height = new XYSeries("frame height");
        for (int i = 1; i < s.size(); i++) {
            Sample a = s.get(Math.max(0, i - 4));
            Sample b = s.get(i);
            if (b.tMs() > a.tMs()) {
                fps.add(b.tMs() / 1000, (b.framesDecoded() - a.framesDecoded()) * 1000.0 / (b.tMs() - a.tMs()));
            }
            height.add(b.tMs() / 1000, b.height());
        }
        XYSeries freezeMs = new XYSeries("freeze (ms, at its end)");
        for (Freeze f : ViewerAnalysis.freezes(s, d.schedule().durationMs())) {
            freezeMs.add(f.endMs() / 1000, f.durationMs());
        }
        XYPlot frames = new XYPlot(new XYSeriesCollection(fps), null, new NumberAxis("fps"), new XYLineAndShapeRenderer(true, false));
        frames.setDataset(1, new XYSeriesCollection(freezeMs));
        frames.setRangeAxis(1, new NumberAxis("freeze ms"));
        frames.mapDatasetToRangeAxis(1, 1);
        frames.setRenderer(1, new XYLineAndShapeRenderer(false, true));
        XYPlot res = new XYPlot(new XYSeriesCollection(height), null, new NumberAxis("height px"), new XYStepRenderer());
        TimelineChart.save(title, png, new XYPlot[] {rates, TimelineChart.queuePlot(d), frames, res}, new int[] {3, 1, 1, 1});
    }

    /** {@code figures.md} and {@code figures.json}: one row per scenario × variant. */
    public static void writeFigures(Path out, List<Result> results) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Result r : results) {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("scenario", r.scenario().name());
            labels.put("variant", r.variant().name().toLowerCase());
            rows.add(new Row(labels, r.figures(), r.plot()));
        }
        BottleneckBench.writeRows(out, rows);
    }
}
