package io.sluice.benchmarks.bottleneck;

import io.sluice.abr.rate.RungSelector;
import io.sluice.benchmarks.bottleneck.BottleneckBench.Row;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Freeze;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.Sample;
import io.sluice.benchmarks.bottleneck.ViewerAnalysis.ServerSample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Many WebRTC viewers of one stream with a rendition ladder, each behind its own bottleneck of a different constant
 * capacity: does each get the rung its path carries (issue 13, "ten viewers on ten different bottlenecks each get
 * their own rung")?
 *
 * <p>One sender namespace holds one Sluice server ({@link ReceiverMain} on the wildcard address with
 * {@code --ladder=240,180}: an {@code FfmpegRenditionLadder} whose rungs each WHEP viewer chooses from with its own
 * GCC estimate, {@code WhepSession}'s {@code RungSelector}) and ffmpeg publishing Big Buck Bunny scaled to 640×360
 * 24 fps at 1.2 Mbit/s with B-frames over RTMP on the namespace's loopback (not shaped). With B-frames the ladder
 * transcodes every rung, the top one too, so all rungs have IDRs at the same pictures and a switch never waits for
 * the passthrough's keyframe: 360p 553 kbit/s, 240p 245 kbit/s, 180p 150 kbit/s (0.1 bit/pixel/frame, at least
 * 150 kbit/s). 360p and not the 854×480 of {@link WhepViewerBench}: ten Chromium decoders and the ladder's encoders
 * must fit on two cores (a 480p viewer costs about 0.2 of a core, the 480p/360p/240p ladder 0.6; ten of those
 * starved every process: 7 fps decoded at 6 Mbit/s). Each viewer is headless Chromium ({@link ViewerMain}, its
 * own JVM, chromedriver and browser; {@link #VIEWER_OPTIONS}) in its own receiver namespace, joined to the sender
 * namespace by its own veth pair with its own tbf (300 ms drop-tail) ({@link Bottleneck#fanOut}): a receiver
 * namespace has no route but its own /24, so its ICE pair, its page and its media cross its own bottleneck only, as
 * ten separate access links. Ten browsers rather than ten tabs of one: one browser has one network namespace, so
 * its tabs would share a path (or pick any of the server's candidates), and the bottleneck would no longer be the
 * viewer's own.
 *
 * <p>All viewers open the page at t0; each link's qdisc is sampled every 100 ms, each browser's {@code getStats()}
 * every 500 ms, and the server's stats of every session (GCC target, pacing rate, rung played, switches) every
 * 250 ms, matched to the viewer by the session id in its WHEP {@code Location}. The join and a viewer's first
 * {@value #SETTLE_MS} ms of video (the first rung switches while GCC's estimate moves from its start) are left out
 * of the per-viewer figures that say "after 5 s" (see {@link #viewerFigures}).
 *
 * <p>The source is pluggable ({@link Source}): the ffmpeg-and-ladder one above ({@link #ffmpegLadder}), or Chromium
 * publishing three simulcast layers over WHIP, which the viewers get as rungs without transcoding
 * ({@link SimulcastSource}). {@link #rtmpPlayer} adds an ffmpeg RTMP player of the same stream in the sender
 * namespace during the run.
 *
 * <p>Usage (root, iproute2, ffmpeg with libx264, chromium + chromium-driver; about 0.15 of a core per viewer):
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.bottleneck.WhepLadderViewersBench \
 *     [--out results/whep-ladder-viewers] [--capacities 0.2,0.3,...,3] [--duration-s 60] [--ladder 240,180] \
 *     [--shared ../shared] [--schedule 0:1.0,20:0.35,40:1.0 --viewers 3]
 * }</pre>
 * ({@code --capacities} in Mbit/s, one viewer each; or {@code --schedule}, {@code seconds:Mbit/s} steps from the
 * measurement's start ({@link CapacitySchedule#parse}), applied to each of {@code --viewers} viewers' bottlenecks,
 * default 1: then the per-step figures of {@link #stepFigures} join each row, a table of them follows in
 * {@code figures.md}, and the summary plot is {@link #stepsChart}). Writes {@code figures.md} and {@code figures.json} (one row per
 * viewer, keys in {@link #viewerFigures}; the run's CPU and ladder below the table in {@code figures.md}),
 * {@code ladder-<n>.png} (rates against capacity, freezes), one timeline PNG and CSVs per viewer, and a log.
 */
public final class WhepLadderViewersBench {
    /** The stream every viewer watches ({@code /watch/live/v}). */
    public static final String STREAM = "live/v";
    static final int RTMP_PORT = 1935;
    static final int HTTP_PORT = 8080;
    /** The source's picture height, px (640×360). */
    public static final int SOURCE_HEIGHT = 360;
    /** The source's video bitrate, bit/s (above the top rung's 553 kbit/s: the top rung is not capped by it). */
    public static final long SOURCE_BPS = 1_200_000;
    /**
     * Ten capacities, bit/s: both sides of each rung's bitrate (150, 247, 553 kbit/s) and of what an estimate of
     * 0.5-0.9 × the capacity needs for it (rung / 0.8).
     */
    public static final long[] TEN_CAPACITIES_BPS = {200_000, 300_000, 400_000, 500_000, 650_000, 800_000, 1_000_000,
        1_400_000, 2_000_000, 3_000_000};
    /** Rung heights below the top one (the source's 360p). */
    public static final int[] LADDER_HEIGHTS = {240, 180};
    /** Each viewer draws the video small and reads its stats every 500 ms: ten browsers on two cores. */
    public static final List<String> VIEWER_OPTIONS = List.of("--small-video", "--interval-ms=500");
    /**
     * The viewers' nice value: on a machine where ten browsers want more CPU than there is, the server's ladder
     * thread (one for all rungs) must not wait behind them, or every rung runs at a few frames per second.
     */
    static final int VIEWER_NICE = 5;
    /** How long after its first decoded frame a viewer is "settled" (see {@link #viewerFigures}), ms. */
    public static final long SETTLE_MS = 5_000;

    /** A rung of the ladder: height (px), bitrate (bit/s: nominal, or the source's measured rate for passthrough), hub stream. */
    public record Rung(int height, long bitrateBps, String stream) {
    }

    /** The server's reading of a viewer's session: the hub stream it plays and its rung switches so far. */
    public record RungSample(double tMs, String stream, long switches) {
    }

    /** One viewer: its capacity, its raw samples, its figures and timeline plot. */
    /** A pause between two video frames of a stream the server received longer than this is a source gap, ns. */
    static final long SOURCE_GAP_NS = 1_000_000_000L;

    /**
     * The gaps over 1 s between video frames the server received during the run, per stream
     * ({@code run.get("sourceGapsMs")}: {@code <stream> <fromMs>-<toMs>; ...}, ms from the run's start): the
     * publisher sent nothing of that stream, so a viewer's freeze over it is not the viewer's path's.
     */
    public static List<long[]> sourceGaps(Result r) {
        List<long[]> out = new ArrayList<>();
        String s = (String) r.run().getOrDefault("sourceGapsMs", "");
        for (String g : s.split("; ")) {
            if (!g.isBlank()) {
                String[] ft = g.substring(g.lastIndexOf(' ') + 1).split("-");
                out.add(new long[] {Long.parseLong(ft[0]), Long.parseLong(ft[1])});
            }
        }
        return out;
    }

    public record ViewerResult(int index, long capacityBps, List<Sample> samples, List<ServerSample> server,
            List<RungSample> rungs, RunData bottleneck, Map<String, Object> figures, Path plot) {
    }

    /** A run: the ladder (highest first), every viewer's result, the run's CPU and load, the summary plot. */
    public record Result(String name, List<Rung> ladder, List<ViewerResult> viewers, Map<String, Object> run, Path plot) {
    }

    /**
     * What publishes {@link #STREAM} to the server, from the sender namespace (not shaped), and what the server needs
     * for it: ffmpeg through a rendition ladder ({@link #ffmpegLadder}) or a Chromium simulcast publisher
     * ({@link SimulcastSource}).
     */
    public interface Source {
        /** {@link ReceiverMain}'s options for this source (e.g. {@code --ladder=240,180}). */
        List<String> serverOptions();

        /** The hub streams besides {@link #STREAM} whose frames the server reports: the other rungs. */
        List<String> rungStreams();

        /**
         * Starts publishing to the server (RTMP {@value #RTMP_PORT}, HTTP {@value #HTTP_PORT} on 127.0.0.1) in
         * {@code hub}'s sender namespace through {@link Bottleneck#exec} (so the process ends with the links);
         * returns at once.
         *
         * @param log where the process's stderr and unparsed lines go
         */
        Process start(Bottleneck hub, Path log) throws IOException;

        /**
         * Returns once viewers may join: every rung a viewer will choose from is live (a WHEP session's rungs are the
         * ones live when it joins).
         *
         * @param server what the server has reported of each hub stream
         * @throws IOException when that does not happen in the source's own time limit (the message names the log)
         */
        void awaitReady(Published server, Path log) throws IOException, InterruptedException;

        /** Adds the source's own figures over the run ({@code t0} to {@code t0 + durationMs}, nanoTime) to {@code run}. */
        default void addFigures(Map<String, Object> run, long t0, long durationMs) {
        }
    }

    /**
     * What the server ({@link ReceiverMain}) has reported of each hub stream it watches: video frames since the
     * stream's last publication, and its video size then.
     */
    public static final class Published {
        private final Map<String, AtomicLong> frames = new ConcurrentHashMap<>();
        private final Map<String, String> sizes = new ConcurrentHashMap<>();

        /** Video frames of {@code stream} since it was last published (0 when it is not live). */
        public long videoFrames(String stream) {
            AtomicLong n = frames.get(stream);
            return n == null ? 0 : n.get();
        }

        /** The video size {@code stream} was last published with, {@code WxH} in pixels; "" when it is not live. */
        public String videoSize(String stream) {
            return sizes.getOrDefault(stream, "");
        }

        /** Pixels per picture of {@code stream}'s video, 0 when it is not live. */
        public long videoPixels(String stream) {
            String[] wh = videoSize(stream).split("x");
            return wh.length == 2 ? Long.parseLong(wh[0]) * Long.parseLong(wh[1]) : 0;
        }

        /** Takes a {@code P}, {@code U} or {@code F ... V} line of {@link ReceiverMain}, split at spaces. */
        void onLine(String[] f) {
            switch (f[0]) {
                case "P" -> {
                    frames.put(f[1], new AtomicLong());
                    sizes.put(f[1], f.length > 3 ? f[3] : "");
                }
                case "U" -> {
                    frames.remove(f[1]);
                    sizes.remove(f[1]);
                }
                case "F" -> {
                    AtomicLong n = frames.get(f[1]);
                    if (n != null) {
                        n.incrementAndGet();
                    }
                }
                default -> {
                }
            }
        }
    }

    /**
     * ffmpeg looping {@code clip} into the server over RTMP ({@code -re -c copy}), the server transcoding it through
     * an {@code FfmpegRenditionLadder} with rungs of {@code ladderHeights} below the top one (at most one per
     * height). Ready once the server has 2 s (48 frames) of the source: the server measures the source's rate (each
     * viewer's start estimate) once the stream is 1 s old. Waits at most 60 s.
     */
    public static Source ffmpegLadder(Path clip, int[] ladderHeights) {
        int[] heights = ladderHeights.clone();
        return new Source() {
            @Override
            public List<String> serverOptions() {
                return List.of("--ladder=" + Arrays.stream(heights).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            }

            @Override
            public List<String> rungStreams() {
                // FfmpegRenditionLadder names them <source>~<height>p; the top one transcoded as well (B-frames)
                List<String> l = new ArrayList<>(List.of(STREAM + "~" + SOURCE_HEIGHT + "p"));
                Arrays.stream(heights).forEach(h -> l.add(STREAM + "~" + h + "p"));
                return l;
            }

            @Override
            public Process start(Bottleneck hub, Path log) throws IOException {
                return hub.exec(hub.senderNs, log, List.of("ffmpeg", "-v", "error", "-nostdin", "-re", "-stream_loop", "-1",
                        "-i", clip.toString(), "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:" + RTMP_PORT + "/" + STREAM));
            }

            @Override
            public void awaitReady(Published server, Path log) throws IOException, InterruptedException {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (server.videoFrames(STREAM) < 48) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("no video from ffmpeg at the server; see " + log);
                    }
                    Thread.sleep(50);
                }
            }
        };
    }

    private final Source source;
    private final Path outDir;
    private final List<String> viewerOptions;
    private long rtmpPlayAtMs = -1;
    private long rtmpPlaySeconds;

    /**
     * @param clip          the H.264 + AAC clip ffmpeg loops into the server ({@link #prepareClip})
     * @param outDir        where figures, plots, CSVs and the log go
     * @param ladderHeights rung heights below the top one (e.g. {@link #LADDER_HEIGHTS})
     * @param viewerOptions {@link ViewerMain}'s options for every viewer (e.g. {@link #VIEWER_OPTIONS})
     */
    public WhepLadderViewersBench(Path clip, Path outDir, int[] ladderHeights, List<String> viewerOptions) {
        this(ffmpegLadder(clip, ladderHeights), outDir, viewerOptions);
    }

    /**
     * @param source        what publishes the stream (e.g. {@link #ffmpegLadder}, {@link SimulcastSource})
     * @param outDir        where figures, plots, CSVs and the log go
     * @param viewerOptions {@link ViewerMain}'s options for every viewer (e.g. {@link #VIEWER_OPTIONS})
     */
    public WhepLadderViewersBench(Source source, Path outDir, List<String> viewerOptions) {
        this.source = source;
        this.outDir = outDir;
        this.viewerOptions = List.copyOf(viewerOptions);
    }

    /**
     * Also plays the stream over RTMP during the run, as a player that does not adapt: ffmpeg in the sender
     * namespace (not shaped) reads {@code rtmp://127.0.0.1/live/v} from {@code atMs} after t0 (later if the stream has
     * had no video frame for 300 ms then: it starts once the stream flows, at the latest {@code seconds} + 2 s before
     * the run's end; the start goes into the run's figures as {@code rtmpStartMs}) for {@code seconds} and decodes its
     * video; {@link #rtmpFigures} of it go into the run's figures.
     *
     * @return this bench
     * @throws IllegalArgumentException if {@code atMs} &lt; 0 or {@code seconds} &lt;= 0
     */
    public WhepLadderViewersBench rtmpPlayer(long atMs, long seconds) {
        if (atMs < 0 || seconds <= 0) {
            throw new IllegalArgumentException("rtmpPlayer: atMs " + atMs + ", seconds " + seconds
                    + " (expected: >= 0, > 0)");
        }
        this.rtmpPlayAtMs = atMs;
        this.rtmpPlaySeconds = seconds;
        return this;
    }

    /** Whether a stream had a video frame within the last 300 ms; {@code last}: its last frame's time, ns from t0. */
    private static boolean flowing(long[] last, long nowNs) {
        if (last == null) {
            return false;
        }
        synchronized (last) {
            return nowNs - last[0] < 300_000_000L;
        }
    }

    /**
     * The source: the shared Big Buck Bunny clip at {@value #SOURCE_HEIGHT}p (640×360) 24 fps, {@value #SOURCE_BPS}
     * bit/s, with B-frames (so every rung is transcoded), made once under {@code dir}.
     */
    public static Path prepareClip(Path shared, Path dir) throws IOException, InterruptedException {
        return WhepViewerBench.prepareClip(shared, dir, 3, SOURCE_HEIGHT, SOURCE_BPS);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("results/whep-ladder-viewers");
        Path shared = Path.of("../shared");
        long[] caps = TEN_CAPACITIES_BPS;
        int[] heights = LADDER_HEIGHTS;
        long durationS = 60;
        String schedule = null;
        int nViewers = 0;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--shared" -> shared = Path.of(args[i + 1]);
                case "--duration-s" -> durationS = Long.parseLong(args[i + 1]);
                case "--capacities" -> caps = Arrays.stream(args[i + 1].split(","))
                        .mapToLong(c -> Math.round(Double.parseDouble(c) * 1e6)).toArray();
                case "--schedule" -> schedule = args[i + 1];
                case "--viewers" -> nViewers = Integer.parseInt(args[i + 1]);
                case "--ladder" -> heights = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> {
                    System.err.println("whep-ladder-viewers: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        WhepLadderViewersBench bench = new WhepLadderViewersBench(prepareClip(shared, out.resolve("inputs")), out, heights,
                VIEWER_OPTIONS);
        List<CapacitySchedule> schedules = new ArrayList<>();
        if (schedule != null) {
            for (int i = 0; i < Math.max(1, nViewers); i++) {
                schedules.add(CapacitySchedule.parse(schedule, durationS * 1000));
            }
        } else {
            for (long c : caps) {
                schedules.add(CapacitySchedule.constant(c / 1000 + "k", c, durationS * 1000));
            }
        }
        System.out.println("whep-ladder-viewers: " + schedules.size() + " viewers, " + durationS + " s"
                + (schedule == null ? "" : ", capacity " + schedule + " (s:Mbit/s)"));
        Result r = bench.run((schedule == null ? "ladder-" : "ladder-steps-") + schedules.size(), schedules, durationS * 1000);
        writeFigures(out, r);
        r.viewers().forEach(v -> System.out.println("  " + v.capacityBps() / 1000 + " kbit/s: " + v.figures()));
        System.out.println("  run: " + r.run() + "; ladder " + r.ladder());
        System.exit(0);
    }

    /** What one viewer's process and samplers hold during a run. */
    private static final class Viewer {
        final int index;
        final long capacityBps;
        final CapacitySchedule schedule;
        final Bottleneck link;
        final List<QdiscSample> qdisc = new CopyOnWriteArrayList<>();
        final List<Sample> samples = new CopyOnWriteArrayList<>();
        final CountDownLatch launched = new CountDownLatch(1);
        volatile String sessionId;
        Process process;

        Viewer(int index, CapacitySchedule schedule, Bottleneck link) {
            this.index = index;
            this.capacityBps = schedule.steps().get(0).bps();
            this.schedule = schedule;
            this.link = link;
        }
    }

    /**
     * Runs one server and {@code capacities.length} viewers, each behind a constant capacity, for {@code durationMs}.
     * Every namespace and process is gone when this returns or throws.
     *
     * @param capacities each viewer's bottleneck rate, bit/s
     * @throws IOException when the server, the source or a viewer does not start (the message names the log)
     */
    public Result run(String name, long[] capacities, long durationMs) throws IOException, InterruptedException {
        return run(name, Arrays.stream(capacities).mapToObj(c -> CapacitySchedule.constant(c / 1000 + "k", c, durationMs))
                .toList(), durationMs);
    }

    /**
     * Runs one server and {@code schedules.size()} viewers, each behind a bottleneck whose rate follows its own
     * schedule (steps applied with {@link Bottleneck#setRate} at their times from t0, the start of the measurement),
     * for {@code durationMs}. Every namespace and process is gone when this returns or throws.
     *
     * @param schedules each viewer's bottleneck rate over time (steps in bit/s, from ms 0 of the run)
     * @throws IOException when the server, ffmpeg or a viewer does not start (the message names the log)
     */
    public Result run(String name, List<CapacitySchedule> schedules, long durationMs) throws IOException, InterruptedException {
        long[] capacities = schedules.stream().mapToLong(c -> c.steps().get(0).bps()).toArray();
        Files.createDirectories(outDir);
        Path log = outDir.resolve(name + ".log");
        Files.deleteIfExists(log);
        long[] t0 = {Long.MAX_VALUE};
        long end = durationMs * 1_000_000L;
        CountDownLatch ready = new CountDownLatch(1);
        Published published = new Published();
        // video frames, bytes and the first frame's time (ns from t0) of the source and of each rung stream within the
        // run, by stream: the rungs start with the first viewer's join
        Map<String, long[]> videoInRun = new ConcurrentHashMap<>();
        // per stream the last video frame's time in the run, ns, and the gaps over 1 s between frames, ms
        Map<String, long[]> lastVideoNs = new ConcurrentHashMap<>();
        List<long[]> sourceGaps = new CopyOnWriteArrayList<>();
        List<String> sourceGapNames = new CopyOnWriteArrayList<>();
        Map<String, List<ServerSample>> serverBySession = new ConcurrentHashMap<>();
        Map<String, List<RungSample>> rungsBySession = new ConcurrentHashMap<>();
        String[] rungList = {null};
        List<Viewer> viewers = new ArrayList<>();
        Map<String, Object> run = new LinkedHashMap<>();
        List<Bottleneck> links = Bottleneck.fanOut(capacities, 300);
        try {
            Bottleneck hub = links.get(0);
            List<String> serverArgs = new ArrayList<>(source.serverOptions());
            serverArgs.addAll(List.of("0.0.0.0", "" + RTMP_PORT, "" + HTTP_PORT, STREAM));
            serverArgs.addAll(source.rungStreams()); // what the ladder or the publisher's layers produced
            Process server = hub.exec(hub.senderNs, log, BottleneckRun.java(ReceiverMain.class, serverArgs));
            BottleneckRun.read(server, line -> {
                if (line.equals("READY")) {
                    ready.countDown();
                } else if (line.startsWith("F ") && line.contains(" V ")) {
                    String[] f = line.split(" ");
                    published.onLine(f);
                    long t = Long.parseLong(f[2]) - t0[0];
                    if (t0[0] != Long.MAX_VALUE && t >= 0 && t <= end) {
                        long[] c = videoInRun.computeIfAbsent(f[1], k -> new long[] {0, 0, t});
                        synchronized (c) {
                            c[0]++;
                            c[1] += Long.parseLong(f[6]);
                        }
                        long[] last = lastVideoNs.computeIfAbsent(f[1], k -> new long[] {t});
                        synchronized (last) {
                            if (t - last[0] > SOURCE_GAP_NS) {
                                sourceGaps.add(new long[] {last[0] / 1_000_000, t / 1_000_000});
                                sourceGapNames.add(f[1]);
                            }
                            last[0] = t;
                        }
                    }
                } else if (line.startsWith("G ")) {
                    String[] g = line.split(" ");
                    if (t0[0] != Long.MAX_VALUE && g.length >= 13) {
                        ServerSample s = WhepViewerBench.serverSample(g, t0[0]);
                        serverBySession.computeIfAbsent(g[10], k -> new CopyOnWriteArrayList<>()).add(s);
                        rungsBySession.computeIfAbsent(g[10], k -> new CopyOnWriteArrayList<>())
                                .add(new RungSample(s.tMs(), g[11], Long.parseLong(g[12])));
                    }
                } else if (line.startsWith("P ") || line.startsWith("U ")) {
                    published.onLine(line.split(" "));
                    BottleneckRun.appendLog(log, "server: " + line);
                } else if (!line.startsWith("F ")) {
                    BottleneckRun.appendLog(log, "server: " + line);
                }
            });
            if (!ready.await(60, TimeUnit.SECONDS)) {
                throw new IOException("the Sluice server did not start in the sender namespace; see " + log);
            }
            Process publisher = source.start(hub, log);
            long seconds = durationMs / 1000 + 5;
            for (int i = 0; i < capacities.length; i++) {
                Viewer v = new Viewer(i, schedules.get(i), links.get(i));
                viewers.add(v);
                List<String> viewerArgs = new ArrayList<>(List.of(
                        "http://" + v.link.senderIp + ":" + HTTP_PORT + "/watch/" + STREAM, "" + seconds));
                viewerArgs.addAll(viewerOptions);
                // niced: the server and its ladder (what is measured) go first; a starved viewer shows as decodedFps < 24
                List<String> cmd = new ArrayList<>(List.of("nice", "-n", "" + VIEWER_NICE));
                cmd.addAll(BottleneckRun.java(ViewerMain.class, viewerArgs));
                v.process = v.link.exec(v.link.receiverNs, log, cmd);
                BottleneckRun.read(v.process, line -> viewerLine(v, line, t0, rungList, log));
            }
            long deadline = System.nanoTime() + (60 + 20L * capacities.length) * 1_000_000_000L;
            for (Viewer v : viewers) {
                if (!v.launched.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new IOException("viewer " + v.index + ": Chromium did not start in its receiver namespace; see " + log);
                }
            }
            source.awaitReady(published, log);
            List<Process> procs = new ArrayList<>(List.of(server, publisher));
            viewers.forEach(v -> procs.add(v.process));
            Map<Long, Double> cpuBefore = WhepViewerBench.cpuSecondsOf(procs);
            long[] stat0 = WhepViewerBench.procStat();
            t0[0] = System.nanoTime();
            WhepViewerBench.go(viewers.stream().map(v -> v.process).toList());
            Thread sampler = WhepViewerBench.qdiscSampler(viewers.stream().map(v -> v.link).toList(),
                    viewers.stream().map(v -> v.qdisc).toList(), t0[0], 100);
            Process player = null;
            Path playerLog = outDir.resolve(name + "-rtmp-player.log");
            if (rtmpPlayAtMs >= 0) {
                Files.deleteIfExists(playerLog);
                BottleneckRun.sleepUntil(t0[0] + rtmpPlayAtMs * 1_000_000L);
                // the stream must be flowing: a Chromium publisher pauses its largest simulcast layer until its
                // bandwidth estimate allows it (10 s and more on a loaded machine), and a player started in the pause
                // sees nothing; it resumes with a keyframe, which the player then starts from
                long latest = t0[0] + end - (rtmpPlaySeconds + 2) * 1_000_000_000L;
                while (System.nanoTime() < latest && !flowing(lastVideoNs.get(STREAM), System.nanoTime() - t0[0])) {
                    Thread.sleep(50);
                }
                run.put("rtmpStartMs", (System.nanoTime() - t0[0]) / 1_000_000);
                // a small probe: ffmpeg 5.1 knows no Enhanced RTMP Opus, and waiting for that track's parameters it read
                // the default 5 MB before decoding anything (over a minute of a WHIP publisher's stream)
                player = hub.exec(hub.senderNs, playerLog, List.of("ffmpeg", "-nostdin", "-hide_banner", "-rw_timeout",
                        "10000000", "-probesize", "100000", "-i", "rtmp://127.0.0.1:" + RTMP_PORT + "/" + STREAM, "-t", "" + rtmpPlaySeconds, "-an",
                        "-vf", "showinfo", "-f", "null", "-"));
            }
            // capacity steps after the player's start (a run uses one or the other; a step before it would wait)
            applySchedules(viewers, t0[0], durationMs, log);
            BottleneckRun.sleepUntil(t0[0] + end);
            sampler.interrupt();
            sampler.join(2000);
            long[] stat1 = WhepViewerBench.procStat();
            Map<Long, Double> cpuAfter = WhepViewerBench.cpuSecondsOf(procs);
            run.put("machineCpuBusyPct", Analysis.round(100 * (1 - (stat1[1] - stat0[1])
                    / (double) Math.max(1, stat1[0] - stat0[0])), 1));
            run.put("loadAvg1", Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
            run.put("serverCpuS", Analysis.round(WhepViewerBench.cpuUsed(server, cpuBefore, cpuAfter), 1));
            run.put("publisherCpuS", Analysis.round(WhepViewerBench.cpuUsed(publisher, cpuBefore, cpuAfter), 1));
            run.put("viewersCpuS", Analysis.round(viewers.stream()
                    .mapToDouble(v -> WhepViewerBench.cpuUsed(v.process, cpuBefore, cpuAfter)).sum(), 1));
            long[] src = videoInRun.getOrDefault(STREAM, new long[3]);
            run.put("sourceVideoKbps", Math.round(src[1] * 8.0 / durationMs));
            run.put("sourceFps", Analysis.round(src[0] * 1000.0 / durationMs, 1));
            // what the ladder made of it, from each rung's first frame: a ladder starved of CPU has fewer frames
            run.put("rungs", videoInRun.entrySet().stream().filter(e -> !e.getKey().equals(STREAM))
                    .sorted(Map.Entry.comparingByKey()).map(e -> {
                        double ms = Math.max(1, (end - e.getValue()[2]) / 1e6);
                        return e.getKey().substring(STREAM.length() + 1) + " " + Analysis.round(e.getValue()[0] * 1000.0 / ms, 1)
                                + " fps " + Math.round(e.getValue()[1] * 8.0 / ms) + " kbit/s";
                    }).collect(Collectors.joining(", ")));
            List<String> gaps = new ArrayList<>();
            for (int i = 0; i < sourceGaps.size(); i++) {
                gaps.add(sourceGapNames.get(i) + " " + sourceGaps.get(i)[0] + "-" + sourceGaps.get(i)[1]);
            }
            run.put("sourceGapsMs", String.join("; ", gaps));
            source.addFigures(run, t0[0], durationMs);
            if (player != null) {
                if (!player.waitFor(20, TimeUnit.SECONDS)) {
                    player.destroy();
                }
                run.putAll(rtmpFigures(Files.readAllLines(playerLog, StandardCharsets.UTF_8), player.waitFor(5, TimeUnit.SECONDS)
                        ? player.exitValue() : -1));
            }
        } finally {
            Bottleneck.closeAll(links);
        }
        List<Rung> ladder = ladder(rungList[0], ((Number) run.get("sourceVideoKbps")).longValue() * 1000);
        run.put("ladder", ladder.stream().map(r -> r.height() + "p@" + r.bitrateBps() / 1000 + "k").collect(Collectors.joining(" ")));
        List<ViewerResult> results = new ArrayList<>();
        for (Viewer v : viewers) {
            String id = name + "-v" + v.index + "-" + v.capacityBps / 1000 + "k";
            CapacitySchedule sch = new CapacitySchedule(v.schedule.name(), v.schedule.steps(), durationMs);
            RunData data = new RunData(sch, List.copyOf(v.qdisc), List.of(), List.of());
            List<Sample> samples = List.copyOf(v.samples);
            List<ServerSample> server = v.sessionId == null ? List.of() : serverBySession.getOrDefault(v.sessionId, List.of());
            List<RungSample> rungs = v.sessionId == null ? List.of() : rungsBySession.getOrDefault(v.sessionId, List.of());
            data.writeQdiscCsv(outDir, id);
            WhepViewerBench.writeSamplesCsv(outDir.resolve(id + "-viewer.csv"), samples);
            WhepViewerBench.writeServerCsv(outDir.resolve(id + "-server.csv"), server);
            writeRungCsv(outDir.resolve(id + "-rung.csv"), rungs, ladder);
            Map<String, Object> f = viewerFigures(v.capacityBps, samples, server, rungs, data, ladder);
            Path png = outDir.resolve(id + ".png");
            WhepViewerBench.chart(data, samples, server, id + " (one of " + viewers.size() + " viewers of a "
                    + ladder.size() + "-rung ladder, tbf 300 ms drop-tail)", png);
            results.add(new ViewerResult(v.index, v.capacityBps, samples, server, rungs, data, f, png));
        }
        Path plot = outDir.resolve(name + ".png");
        if (schedules.stream().anyMatch(c -> c.steps().size() > 1)) {
            stepsChart(results, ladder, name + ": " + viewers.size() + " WHEP viewers, one bottleneck each, capacity steps; ladder "
                    + run.get("ladder"), plot);
            return new Result(name, ladder, results, run, plot);
        }
        summaryChart(results, name + ": " + viewers.size() + " WHEP viewers, one bottleneck each; ladder " + run.get("ladder"), plot);
        return new Result(name, ladder, results, run, plot);
    }

    /**
     * Sets each viewer's bottleneck rate at the times of its schedule's steps after the first (ms from {@code t0},
     * a {@link System#nanoTime} reading), until {@code durationMs}; logs when each was applied.
     */
    private static void applySchedules(List<Viewer> viewers, long t0, long durationMs, Path log)
            throws IOException, InterruptedException {
        List<Long> times = viewers.stream().flatMap(v -> v.schedule.steps().stream().skip(1))
                .map(CapacitySchedule.Step::startMs).filter(t -> t < durationMs).distinct().sorted().toList();
        for (long t : times) {
            BottleneckRun.sleepUntil(t0 + t * 1_000_000L);
            for (Viewer v : viewers) {
                for (CapacitySchedule.Step st : v.schedule.steps()) {
                    if (st.startMs() == t) {
                        v.link.setRate(st.bps());
                        BottleneckRun.appendLog(log, String.format("bench: viewer %d capacity %d kbit/s at %.0f ms (step at %d ms)",
                                v.index, st.bps() / 1000, (System.nanoTime() - t0) / 1e6, t));
                    }
                }
            }
        }
    }

    private static void viewerLine(Viewer v, String line, long[] t0, String[] rungList, Path log) {
        if (line.equals("LAUNCHED")) {
            v.launched.countDown();
            return;
        }
        String[] f = line.split(" ");
        if (f[0].equals("W") && f.length >= 16) {
            if (t0[0] != Long.MAX_VALUE) {
                v.samples.add(WhepViewerBench.viewerSample(f, t0[0]));
            }
        } else if (f[0].equals("S") && f.length == 2) {
            v.sessionId = f[1].substring(f[1].lastIndexOf('/') + 1);
        } else if (f[0].equals("L") && f.length == 2) {
            synchronized (rungList) {
                rungList[0] = f[1];
            }
        } else if (!f[0].equals("J")) {
            BottleneckRun.appendLog(log, "viewer " + v.index + ": " + line);
        }
    }

    /**
     * The ladder from a {@link ViewerMain} {@code L} line ({@code height:bitrate:stream,...}, highest first); a
     * passthrough rung (bitrate 0) gets {@code sourceBps}. Empty when no viewer saw the server's state.
     */
    static List<Rung> ladder(String rungList, long sourceBps) {
        if (rungList == null) {
            return List.of();
        }
        List<Rung> l = new ArrayList<>();
        for (String r : rungList.split(",")) {
            String[] p = r.split(":", 3);
            long bps = Long.parseLong(p[1]);
            l.add(new Rung(Integer.parseInt(p[0]), bps > 0 ? bps : sourceBps, p[2]));
        }
        return l;
    }

    /** A frame line of ffmpeg's {@code showinfo} filter: its number, its time (s) and its size. */
    private static final java.util.regex.Pattern SHOWINFO = java.util.regex.Pattern.compile(
            "\\bn:\\s*(\\d+)\\s+pts:\\s*\\S+\\s+pts_time:(-?[0-9.]+)\\s.*?\\bs:(\\d+)x(\\d+)");

    /**
     * The RTMP player's figures ({@link #rtmpPlayer}) from its ffmpeg log ({@code showinfo}: one line per decoded
     * frame): {@code rtmpFrames} (decoded), {@code rtmpHeight} (the height of most frames, 0 with none),
     * {@code rtmpSizes} (each decoded size with its frame count, e.g. {@code 1280x720:100}), {@code rtmpFps}
     * (frames over the span of their timestamps), {@code rtmpExit} (ffmpeg's exit status, -1 if it had to be
     * stopped) and, when it decoded nothing, {@code rtmpError} (the log's last line).
     */
    static Map<String, Object> rtmpFigures(List<String> log, int exit) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        long frames = 0;
        double firstS = Double.NaN;
        double lastS = Double.NaN;
        for (String line : log) {
            java.util.regex.Matcher m = SHOWINFO.matcher(line);
            if (line.contains("showinfo") && m.find()) {
                frames++;
                sizes.merge(m.group(3) + "x" + m.group(4), 1L, Long::sum);
                double t = Double.parseDouble(m.group(2));
                firstS = Double.isNaN(firstS) ? t : firstS;
                lastS = t;
            }
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("rtmpFrames", frames);
        f.put("rtmpHeight", sizes.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> Integer.parseInt(e.getKey().substring(e.getKey().indexOf('x') + 1))).orElse(0));
        f.put("rtmpSizes", sizes.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" ")));
        f.put("rtmpFps", frames > 1 && lastS > firstS ? Analysis.round((frames - 1) / (lastS - firstS), 1) : 0);
        f.put("rtmpExit", exit);
        if (frames == 0) {
            f.put("rtmpError", log.isEmpty() ? "no output" : log.get(log.size() - 1));
        }
        return f;
    }

    /**
     * The rungs a viewer played, each with the second the server first reported it, e.g. {@code 720p@0.3s
     * 360p@2.8s} (rungs named by height as in {@link #viewerFigures}, a stream not in {@code ladder} by its name).
     */
    public static String rungTimeline(List<RungSample> rungs, List<Rung> ladder) {
        Map<String, Rung> byStream = new HashMap<>();
        ladder.forEach(r -> byStream.put(r.stream(), r));
        StringBuilder sb = new StringBuilder();
        String cur = "";
        for (RungSample r : rungs) {
            if (r.tMs() >= 0 && !r.stream().equals(cur)) {
                Rung g = byStream.get(r.stream());
                sb.append(sb.length() == 0 ? "" : " ").append(g == null ? r.stream() : g.height() + "p").append('@')
                        .append(Analysis.round(r.tMs() / 1000, 1)).append('s');
                cur = r.stream();
            }
        }
        return sb.toString();
    }

    /** The highest rung whose bitrate is at most {@code capacityBps}, else the lowest. */
    static Rung allowedRung(List<Rung> ladder, long capacityBps) {
        return ladder.stream().filter(r -> r.bitrateBps() <= capacityBps).findFirst().orElse(ladder.get(ladder.size() - 1));
    }

    /**
     * One viewer's figures. "Settled" is from {@value #SETTLE_MS} ms after the viewer's first decoded frame (after
     * {@value #SETTLE_MS} ms if it decoded none): the join and the first rung switches, while GCC's estimate moves
     * from its start (the top rung) to the path's, come before; a loaded machine can take seconds to open ten pages.
     * Keys: {@code capacityKbps}; {@code allowedRung}/{@code allowedKbps}, the highest rung whose bitrate fits the
     * capacity; from the server's readings once settled, {@code topRungShare} (of the readings on the top rung),
     * {@code majorityRung} (the rung played in most readings) with its share {@code majorityShare},
     * {@code finalRung} (the one played most in the run's last {@value #SETTLE_MS} ms), {@code meanRungKbps} (the
     * played rung's bitrate averaged over the readings) and {@code rungUtilization} (meanRungKbps / allowedKbps),
     * {@code targetP50Kbps} (GCC's target, median) and {@code targetShare} (of the capacity); {@code rungSwitches}
     * (whole run); from the browser once settled, {@code videoKbps} (RTP video payload received) and
     * {@code videoShare} (of the capacity), {@code decodedFps}, {@code decodedHeight} (the frame height in most
     * samples), {@code freezesAfter5s}, {@code freezesOver1sAfter5s}, {@code longestFreezeAfter5sMs} (freezes
     * that end once settled); over the whole run {@code firstFrameMs}, {@code framesDecoded}, {@code freezes},
     * {@code freezeMs}, and at the bottleneck {@code queueDelayP95Ms} and {@code loss} (see
     * {@link ViewerAnalysis#figures}); {@code serverFramesDropped}. Rungs are named by height ({@code 360p}).
     */
    static Map<String, Object> viewerFigures(long capacityBps, List<Sample> samples, List<ServerSample> server,
            List<RungSample> rungs, RunData data, List<Rung> ladder) {
        CapacitySchedule sch = data.schedule();
        long dur = sch.durationMs();
        boolean steps = sch.steps().size() > 1;
        Map<String, Object> all = ViewerAnalysis.figures(samples, data, server);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("capacityKbps", capacityBps / 1000);
        if (steps) {
            f.put("schedule", sch.steps().stream().map(x -> x.startMs() / 1000 + "s:" + x.bps() / 1000 + "k")
                    .collect(Collectors.joining(" ")));
        }
        double first = ViewerAnalysis.firstFrameMs(ViewerAnalysis.within(samples, dur));
        double settled = Math.max(0, first) + SETTLE_MS;
        Map<String, Rung> byStream = ladder.stream().collect(Collectors.toMap(Rung::stream, Function.identity(), (a, b) -> a));
        if (!ladder.isEmpty()) {
            Rung allowed = allowedRung(ladder, capacityBps);
            if (!steps) {
                f.put("allowedRung", allowed.height() + "p");
                f.put("allowedKbps", allowed.bitrateBps() / 1000);
            }
            List<RungSample> late = rungs.stream().filter(r -> r.tMs() >= settled && r.tMs() <= dur
                    && byStream.containsKey(r.stream())).toList();
            if (!late.isEmpty()) {
                f.put("topRungShare", Analysis.round(late.stream().filter(r -> r.stream().equals(ladder.get(0).stream()))
                        .count() / (double) late.size(), 2));
                String major = majority(late);
                f.put("majorityRung", byStream.get(major).height() + "p");
                f.put("majorityShare", Analysis.round(late.stream().filter(r -> r.stream().equals(major)).count()
                        / (double) late.size(), 2));
                List<RungSample> last = late.stream().filter(r -> r.tMs() >= dur - SETTLE_MS).toList();
                f.put("finalRung", byStream.get(majority(last.isEmpty() ? late : last)).height() + "p");
                double mean = late.stream().mapToLong(r -> byStream.get(r.stream()).bitrateBps()).average().orElse(0);
                // what the rungs allow at each reading's capacity: the same for every reading on a constant path
                double allowedMean = late.stream().mapToLong(r -> allowedRung(ladder, sch.capacityAt((long) r.tMs()))
                        .bitrateBps()).average().orElse(allowed.bitrateBps());
                if (steps) {
                    f.put("allowedKbps", Math.round(allowedMean / 1000));
                }
                f.put("meanRungKbps", Math.round(mean / 1000));
                f.put("rungUtilization", Analysis.round(mean / allowedMean, 2));
            }
        }
        List<ServerSample> lateServer = server.stream().filter(x -> x.tMs() >= settled && x.tMs() <= dur && x.targetBps() > 0)
                .toList();
        if (!lateServer.isEmpty()) {
            f.put("targetP50Kbps", Math.round(Analysis.pct(lateServer.stream().mapToDouble(x -> x.targetBps() / 1000.0)
                    .toArray(), 50)));
            f.put("targetShare", Analysis.round(Analysis.pct(lateServer.stream()
                    .mapToDouble(x -> x.targetBps() / (double) sch.capacityAt((long) x.tMs())).toArray(), 50), 2));
        }
        f.put("rungSwitches", rungs.isEmpty() ? 0 : rungs.stream().filter(r -> r.tMs() <= dur)
                .mapToLong(RungSample::switches).max().orElse(0));
        List<Sample> s = ViewerAnalysis.within(samples, dur);
        List<Sample> late = s.stream().filter(x -> x.tMs() >= settled).toList();
        if (late.size() >= 2) {
            Sample a = late.get(0);
            Sample z = late.get(late.size() - 1);
            double ms = z.tMs() - a.tMs();
            f.put("videoKbps", Math.round((z.videoBytes() - a.videoBytes()) * 8.0 / ms));
            f.put("videoShare", Analysis.round((z.videoBytes() - a.videoBytes()) * 8.0
                    / Analysis.capacityBits(sch, a.tMs(), z.tMs()), 2));
            f.put("decodedFps", Analysis.round((z.framesDecoded() - a.framesDecoded()) * 1000.0 / ms, 1));
            Map<Integer, Long> heights = late.stream().collect(Collectors.groupingBy(Sample::height, Collectors.counting()));
            f.put("decodedHeight", heights.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey());
        }
        List<Freeze> lateFreezes = ViewerAnalysis.freezes(s, dur).stream().filter(x -> x.endMs() > settled).toList();
        f.put("freezesAfter5s", lateFreezes.size());
        f.put("freezesOver1sAfter5s", lateFreezes.stream().filter(x -> x.durationMs() > 1000).count());
        f.put("longestFreezeAfter5sMs", Math.round(lateFreezes.stream().mapToDouble(Freeze::durationMs).max().orElse(0)));
        for (String k : List.of("firstFrameMs", "framesDecoded", "freezes", "freezeMs", "queueDelayP95Ms", "loss",
                "serverFramesDropped", "error")) {
            if (all.containsKey(k)) {
                f.put(k, all.get(k));
            }
        }
        if (steps && !ladder.isEmpty()) {
            f.putAll(stepFigures(sch, rungs, ViewerAnalysis.freezes(s, dur), settled, ladder));
        }
        return f;
    }

    /** The highest rung the selector goes up to on this capacity ({@code bitrate <= RungSelector.UP_HEADROOM × capacity}), else the lowest. */
    static Rung selectorRung(List<Rung> ladder, long capacityBps) {
        return allowedRung(ladder, Math.round(RungSelector.UP_HEADROOM * capacityBps));
    }

    /**
     * Figures of each phase of a stepped schedule (phase {@code i} from step {@code i}'s start to the next step's,
     * or the run's end), from the server's rung readings (every 250 ms) and the browser's freezes (by the time they
     * end, read every 500 ms). Keys, for phase {@code i}: {@code step<i>} ({@code "20s 1000->350k down"}); for
     * {@code i >= 1} {@code step<i>FromRung}, the rung of the last reading before the step ({@code 360p}; a drop
     * that finds the viewer already at or under the new allowed rung times nothing), {@code step<i>RungMs}, ms from the step to the first reading on the rung the new capacity
     * allows ({@link #allowedRung}) or, after a drop, one below it, after a rise one above it ({@code "never"} when
     * no reading of the phase is), and {@code step<i>SelRungMs} the same for the rung the selector's own rule allows
     * ({@link #selectorRung}); {@code step<i>LongestFreezeMs} and {@code step<i>Freezes} (freezes that end in the
     * phase; phase 0 from {@code settledMs}); {@code step<i>Utilization}, the mean bitrate of the rung played over the
     * phase's readings (phase 0 from {@code settledMs}) / the allowed rung's bitrate, the transition included;
     * {@code step<i>AboveShare}, the share of those readings on a rung above the allowed one.
     *
     * @param ladder highest rung first, not empty
     */
    static Map<String, Object> stepFigures(CapacitySchedule sch, List<RungSample> rungs, List<Freeze> freezes,
            double settledMs, List<Rung> ladder) {
        Map<String, Rung> byStream = ladder.stream().collect(Collectors.toMap(Rung::stream, Function.identity(), (a, b) -> a));
        Map<String, Object> f = new LinkedHashMap<>();
        List<CapacitySchedule.Step> st = sch.steps();
        for (int i = 0; i < st.size() && st.get(i).startMs() < sch.durationMs(); i++) {
            long from = st.get(i).startMs();
            long to = i + 1 < st.size() ? Math.min(st.get(i + 1).startMs(), sch.durationMs()) : sch.durationMs();
            long cap = st.get(i).bps();
            boolean down = i > 0 && cap < st.get(i - 1).bps();
            String k = "step" + i;
            f.put(k, from / 1000 + "s " + (i == 0 ? "" : st.get(i - 1).bps() / 1000 + "->") + cap / 1000 + "k"
                    + (i == 0 ? "" : down ? " down" : " up"));
            Rung allowed = allowedRung(ladder, cap);
            Rung sel = selectorRung(ladder, cap);
            double start = i == 0 ? Math.max(from, settledMs) : from;
            List<RungSample> in = rungs.stream().filter(r -> r.tMs() >= start && r.tMs() < to && byStream.containsKey(r.stream()))
                    .toList();
            if (i > 0) {
                rungs.stream().filter(r -> r.tMs() < from && byStream.containsKey(r.stream())).reduce((a, b) -> b)
                        .ifPresent(r -> f.put(k + "FromRung", byStream.get(r.stream()).height() + "p"));
                f.put(k + "RungMs", reachMs(in, byStream, allowed, down, from));
                f.put(k + "SelRungMs", reachMs(in, byStream, sel, down, from));
            }
            List<Freeze> fz = freezes.stream().filter(x -> x.endMs() > start && x.endMs() <= to).toList();
            f.put(k + "LongestFreezeMs", Math.round(fz.stream().mapToDouble(Freeze::durationMs).max().orElse(0)));
            f.put(k + "Freezes", fz.size());
            if (!in.isEmpty()) {
                f.put(k + "Utilization", Analysis.round(in.stream().mapToLong(r -> byStream.get(r.stream()).bitrateBps())
                        .average().orElse(0) / allowed.bitrateBps(), 2));
                f.put(k + "AboveShare", Analysis.round(in.stream()
                        .filter(r -> byStream.get(r.stream()).bitrateBps() > allowed.bitrateBps()).count() / (double) in.size(), 2));
            }
        }
        return f;
    }

    /** Ms from {@code fromMs} to the first of {@code in} at or below ({@code down}) / at or above {@code target}, or "never". */
    private static Object reachMs(List<RungSample> in, Map<String, Rung> byStream, Rung target, boolean down, long fromMs) {
        return in.stream().filter(r -> down ? byStream.get(r.stream()).bitrateBps() <= target.bitrateBps()
                : byStream.get(r.stream()).bitrateBps() >= target.bitrateBps())
                .findFirst().<Object>map(r -> Math.round(r.tMs() - fromMs)).orElse("never");
    }

    /** The stream played in most of {@code rungs} (the first of equals in their order). */
    private static String majority(List<RungSample> rungs) {
        Map<String, Long> counts = rungs.stream().collect(Collectors.groupingBy(RungSample::stream, LinkedHashMap::new,
                Collectors.counting()));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static void writeRungCsv(Path file, List<RungSample> rungs, List<Rung> ladder) throws IOException {
        Map<String, Rung> byStream = new HashMap<>();
        ladder.forEach(r -> byStream.put(r.stream(), r));
        StringBuilder sb = new StringBuilder("t_ms,rung_stream,rung_height,rung_bps,rung_switches\n");
        for (RungSample r : rungs) {
            Rung g = byStream.get(r.stream());
            sb.append(String.format("%.1f,%s,%d,%d,%d%n", r.tMs(), r.stream(), g == null ? 0 : g.height(),
                    g == null ? 0 : g.bitrateBps(), r.switches()));
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /**
     * Against each viewer's capacity (kbit/s, log scale): the capacity, the highest rung that fits it, the rung
     * played (mean bitrate once settled, see {@link #viewerFigures}), the video received and GCC's target (median
     * once settled), kbit/s; below, the freezes once settled and the longest of them (s).
     */
    static void summaryChart(List<ViewerResult> viewers, String title, Path png) throws IOException {
        String[][] rateKeys = {{"capacityKbps", "capacity"}, {"allowedKbps", "highest rung <= capacity"},
            {"meanRungKbps", "rung played (mean, settled)"}, {"videoKbps", "video received (browser, settled)"},
            {"targetP50Kbps", "GCC target (server, median, settled)"}};
        XYSeriesCollection rates = new XYSeriesCollection();
        for (String[] k : rateKeys) {
            rates.addSeries(series(viewers, k[0], k[1], 1, true));
        }
        XYSeriesCollection freezes = new XYSeriesCollection();
        freezes.addSeries(series(viewers, "freezesAfter5s", "freezes (settled)", 1, false));
        freezes.addSeries(series(viewers, "longestFreezeAfter5sMs", "longest freeze (settled, s)", 1e-3, false));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(log2Axis("capacity (kbit/s, log)"));
        plot.add(new XYPlot(rates, null, log2Axis("kbit/s (log)"), new XYLineAndShapeRenderer(true, true)), 3);
        plot.add(new XYPlot(freezes, null, new NumberAxis("count / s"), new XYLineAndShapeRenderer(true, true)), 1);
        ChartUtils.saveChartAsPNG(png.toFile(), new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true), 1100, 800);
    }

    /**
     * A stepped run over time (s): top, each distinct capacity schedule, the rung it allows ({@link #allowedRung})
     * and the rung the selector's rule allows ({@link #selectorRung}), each viewer's rung played (server readings)
     * and GCC target, kbit/s; below, each viewer's freezes (ms, at the sample that saw each end).
     */
    static void stepsChart(List<ViewerResult> viewers, List<Rung> ladder, String title, Path png) throws IOException {
        XYSeriesCollection steps = new XYSeriesCollection();
        XYSeriesCollection lines = new XYSeriesCollection();
        List<List<CapacitySchedule.Step>> seen = new ArrayList<>();
        Map<String, Rung> byStream = ladder.stream().collect(Collectors.toMap(Rung::stream, Function.identity(), (a, b) -> a));
        for (ViewerResult v : viewers) {
            CapacitySchedule sch = v.bottleneck().schedule();
            String who = viewers.size() == 1 ? "" : " v" + v.index();
            if (!seen.contains(sch.steps())) {
                String which = seen.isEmpty() ? "" : " (" + who.strip() + ")";
                seen.add(sch.steps());
                XYSeries cap = new XYSeries("capacity" + which);
                XYSeries allowed = new XYSeries("highest rung <= capacity" + which);
                XYSeries sel = new XYSeries("highest rung <= 0.8 x capacity" + which);
                for (CapacitySchedule.Step st : sch.steps()) {
                    cap.add(st.startMs() / 1000.0, st.bps() / 1000.0);
                    if (!ladder.isEmpty()) {
                        allowed.add(st.startMs() / 1000.0, allowedRung(ladder, st.bps()).bitrateBps() / 1000.0);
                        sel.add(st.startMs() / 1000.0, selectorRung(ladder, st.bps()).bitrateBps() / 1000.0);
                    }
                }
                long end = sch.durationMs();
                cap.add(end / 1000.0, sch.capacityAt(end) / 1000.0);
                steps.addSeries(cap);
                if (!ladder.isEmpty()) {
                    allowed.add(end / 1000.0, allowedRung(ladder, sch.capacityAt(end)).bitrateBps() / 1000.0);
                    sel.add(end / 1000.0, selectorRung(ladder, sch.capacityAt(end)).bitrateBps() / 1000.0);
                    steps.addSeries(allowed);
                    steps.addSeries(sel);
                }
            }
            XYSeries rung = new XYSeries("rung played" + who);
            v.rungs().stream().filter(r -> r.tMs() >= 0 && r.tMs() <= v.bottleneck().schedule().durationMs()
                    && byStream.containsKey(r.stream())).forEach(r -> rung.add(r.tMs() / 1000, byStream.get(r.stream()).bitrateBps() / 1000.0));
            steps.addSeries(rung);
            XYSeries target = new XYSeries("GCC target" + who);
            v.server().stream().filter(g -> g.tMs() >= 0 && g.tMs() <= v.bottleneck().schedule().durationMs() && g.targetBps() > 0)
                    .forEach(g -> target.add(g.tMs() / 1000, g.targetBps() / 1000.0));
            lines.addSeries(target);
        }
        XYSeriesCollection freezes = new XYSeriesCollection();
        for (ViewerResult v : viewers) {
            XYSeries fz = new XYSeries("freeze ms" + (viewers.size() == 1 ? "" : " v" + v.index()));
            long dur = v.bottleneck().schedule().durationMs();
            ViewerAnalysis.freezes(ViewerAnalysis.within(v.samples(), dur), dur).forEach(x -> fz.add(x.endMs() / 1000, x.durationMs()));
            freezes.addSeries(fz);
        }
        XYPlot rates = new XYPlot(steps, null, new NumberAxis("kbit/s"), new XYStepRenderer());
        rates.setDataset(1, lines);
        rates.setRenderer(1, new XYLineAndShapeRenderer(true, false));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("time (s)"));
        plot.add(rates, 3);
        plot.add(new XYPlot(freezes, null, new NumberAxis("freeze (ms)"), new XYLineAndShapeRenderer(false, true)), 1);
        ChartUtils.saveChartAsPNG(png.toFile(), new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true), 1200, 800);
    }

    /** A log axis with a tick at every power of two (64, 128, ... kbit/s), labelled as plain numbers. */
    private static LogAxis log2Axis(String label) {
        LogAxis a = new LogAxis(label);
        a.setBase(2);
        a.setSmallestValue(64);
        a.setTickUnit(new NumberTickUnit(1));
        a.setNumberFormatOverride(new DecimalFormat("0"));
        return a;
    }

    /** {@code key} of each viewer × {@code scale} against its capacity (kbit/s); {@code positive}: only values &gt; 0 (log axis). */
    private static XYSeries series(List<ViewerResult> viewers, String key, String name, double scale, boolean positive) {
        XYSeries s = new XYSeries(name);
        for (ViewerResult v : viewers) {
            if (v.figures().get(key) instanceof Number n && (!positive || n.doubleValue() > 0)) {
                s.add(v.capacityBps() / 1000.0, n.doubleValue() * scale);
            }
        }
        return s;
    }

    /** {@code figures.md} (one row per viewer, then the run's figures) and {@code figures.json} (the rows). */
    public static void writeFigures(Path out, Result r) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (ViewerResult v : r.viewers().stream().sorted(Comparator.comparingLong(ViewerResult::capacityBps)).toList()) {
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("run", r.name());
            labels.put("viewer", "v" + v.index());
            rows.add(new Row(labels, v.figures(), v.plot()));
        }
        BottleneckBench.writeRows(out, rows);
        StringBuilder md = new StringBuilder("\nRun: " + r.run() + "; summary plot " + r.plot().getFileName() + "\n");
        if (rows.stream().anyMatch(x -> x.figures().containsKey("step1"))) {
            // the per-step keys of each row again, one line per viewer and step (see stepFigures)
            String[] cols = {"FromRung", "RungMs", "SelRungMs", "LongestFreezeMs", "Freezes", "Utilization", "AboveShare"};
            md.append("\n| viewer | step | ").append(String.join(" | ", cols)).append(" |\n|---|---|")
                    .append("---|".repeat(cols.length)).append('\n');
            for (Row row : rows) {
                for (int i = 0; row.figures().containsKey("step" + i); i++) {
                    md.append("| ").append(row.labels().get("viewer")).append(" | ").append(row.figures().get("step" + i));
                    for (String c : cols) {
                        md.append(" | ").append(row.figures().getOrDefault("step" + i + c, ""));
                    }
                    md.append(" |\n");
                }
            }
        }
        Files.writeString(out.resolve("figures.md"), md, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }
}
