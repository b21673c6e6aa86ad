package io.sluice.benchmarks;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.http.server.HttpDeliveryServer;
import io.sluice.rtmp.server.RtmpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Live latency of the HTTP delivery in real players: LL-HLS in hls.js, plain HLS in hls.js, LL-DASH and plain
 * DASH in dash.js, each in headless Chromium on the shipped player pages, on loopback.
 *
 * <pre>
 * mvn -B -q -o -Pgpl -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.HttpLatencyBenchmark \
 *     [--seconds 60] [--out benchmarks/results/http-latency] [--dashjs dash.all.min.js] [--cases ll-hls,hls,ll-dash,dash,hls-1s]
 *     [--debug]
 * </pre>
 *
 * <ul>
 * <li><b>Source.</b> {@code ffmpeg -re -stream_loop -1} of {@code ../shared/media/bbb_rabbit_320x240_8s_h264_aac.mp4},
 *     H.264 re-encoded with x264 {@code ultrafast}/{@code zerolatency} (no frame delay), 1 s GOP, 500 kbit/s, AAC
 *     copied, published over RTMP to an embedded {@link RtmpServer}; its hub feeds two {@link HttpDeliveryServer}s
 *     with the library defaults but for the segment target: 2 s (cases {@code ll-hls}, {@code hls}, {@code ll-dash},
 *     {@code dash}) and 1 s ({@code hls-1s}: plain HLS whose 3-target-duration hold-back is 3 s).</li>
 * <li><b>Latency.</b> What the page reports every 250 ms: for hls.js wall clock minus the program-date-time of the
 *     playing position, for dash.js {@code getCurrentLiveLatency()} (wall clock synchronised by {@code UTCTiming}
 *     minus the playing position's wall-clock time). Both count from the frame's arrival at the server (the
 *     segmenter's program-date-time); the publisher's own delay (capture → encode → RTMP) is not in them, and with
 *     {@code -tune zerolatency} and loopback it is one frame interval plus scheduling. So these figures are
 *     server-ingest-to-screen; glass-to-glass adds the encoder's and the first mile's delay.</li>
 * <li><b>Ingest lag.</b> Program-date-time is the frame's decode time plus the smallest (arrival − decode time)
 *     seen, so a publisher that falls behind real time (ffmpeg starved of CPU on a loaded machine) adds its
 *     accumulated lag to every latency above. A hub subscriber started with the servers' own subscriptions
 *     measures that lag (arrival − decode time − the smallest such offset, video frames); every second the page's
 *     latest latency and the lag are sampled together, and the table gives both the latency and the latency minus
 *     the lag (what the server and the player add).</li>
 * <li><b>Statistics.</b> Each case gets a fresh browser and {@code --seconds} of playback from its start; p50/p95
 *     are over the samples after the first 5 s (start-up), as in the Chromium tests' {@code PlayerRun}.</li>
 * <li><b>Output.</b> A table on stdout, {@code latency.png} (latency over time per case, JFreeChart) and
 *     {@code latency.csv} (case, seconds since playback start, latency ms) in {@code --out}; with {@code --debug}
 *     also {@code <case>-player.log}: the page's stall positions, errors and (HLS pages) hls.js's debug log.</li>
 * </ul>
 */
public final class HttpLatencyBenchmark {
    static final Path CLIP = Path.of(System.getProperty("sluice.shared.dir", "../shared"), "media",
            "bbb_rabbit_320x240_8s_h264_aac.mp4");
    static final String STREAM = "live/cam";

    /** One measured case: which server (segment target) and which page. */
    record Case(String name, boolean oneSecondSegments, String page) {
    }

    static final List<Case> ALL = List.of(
            new Case("ll-hls", false, "hls/" + STREAM + "/player.html"),
            new Case("hls", false, "hls/" + STREAM + "/player.html?plain"),
            new Case("ll-dash", false, "dash/" + STREAM + "/player.html"),
            new Case("dash", false, "dash/" + STREAM + "/player.html?plain"),
            new Case("hls-1s", true, "hls/" + STREAM + "/player.html?plain"));

    /** What a case measured. */
    record Result(Case c, List<Long> samples, List<Long> lags, long p50, long p95, long netP50, long netP95, long stalls,
                  long decoded, String errors) {
    }

    /** Arrival of the stream's video frames against their decode times (see the class doc). */
    static final class IngestLag implements StreamSubscriber {
        private long minOffsetMs = Long.MAX_VALUE;
        private volatile long lagMs;

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
        }

        /** Reads the frame's track and decode time only, then releases it. */
        @Override
        public void onFrame(EncodedFrame frame) {
            boolean video = frame.track().isVideo();
            long offset = System.currentTimeMillis() - Math.floorDiv(frame.dtsUs(), 1000);
            frame.release();
            if (video) {
                minOffsetMs = Math.min(minOffsetMs, offset);
                lagMs = offset - minOffsetMs;
            }
        }

        @Override
        public void onUnpublish(String streamName) {
        }

        long lagMs() {
            return lagMs;
        }
    }

    private HttpLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 60;
        Path out = Path.of("benchmarks/results/http-latency");
        Path dashjs = null;
        List<String> names = ALL.stream().map(Case::name).toList();
        boolean debug = false;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--dashjs" -> dashjs = Path.of(args[i + 1]);
                case "--cases" -> names = List.of(args[i + 1].split(","));
                case "--debug" -> {
                    debug = true;
                    i--; // a flag, no value
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (expected: --seconds, --out, --dashjs, --cases, --debug)");
            }
        }
        Files.createDirectories(out);
        if (dashjs == null) {
            dashjs = npmFile("dashjs@4.7.4", "dist/dash.all.min.js", Files.createTempDirectory("sluice-dashjs-"));
        }
        Path script = dashjs;
        List<Result> results = new ArrayList<>();
        StreamHub hub = StreamHub.create();
        try (RtmpServer rtmp = RtmpServer.builder().hub(hub).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .handshakeTimeout(Duration.ofSeconds(30)).build().start(); // a loaded machine can take > 5 s
             HttpDeliveryServer twoS = HttpDeliveryServer.builder(hub).delivery(d -> d.dashPlayerScript(script)).build();
             HttpDeliveryServer oneS = HttpDeliveryServer.builder(hub)
                     .delivery(d -> d.segmentTarget(Duration.ofSeconds(1)).dashPlayerScript(script)).build()) {
            twoS.start();
            oneS.start();
            Process ffmpeg = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                    "-i", CLIP.toString(), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
                    "-keyint_min", "30", "-sc_threshold", "0", "-b:v", "500k", "-c:a", "copy", "-f", "flv",
                    "rtmp://127.0.0.1:" + rtmp.port() + "/" + STREAM).redirectErrorStream(true)
                    .redirectOutput(out.resolve("ffmpeg.log").toFile()).start();
            IngestLag lag = new IngestLag();
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (hub.tracks(STREAM).isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("ffmpeg never published; see " + out.resolve("ffmpeg.log"));
                    }
                    Thread.sleep(20);
                }
                // the servers subscribe on their first request: start them and the lag probe together
                hub.subscribe(STREAM, lag);
                HttpClient http = HttpClient.newHttpClient();
                for (HttpDeliveryServer s : List.of(twoS, oneS)) {
                    http.sendAsync(HttpRequest.newBuilder(URI.create(s.httpUrl() + "hls/" + STREAM + "/plain-media.m3u8")).build(),
                            HttpResponse.BodyHandlers.discarding());
                }
                Thread.sleep(8000); // a viewer joins a stream in progress: a window of segments exists
                for (String n : names) {
                    Case c = ALL.stream().filter(x -> x.name.equals(n)).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("unknown case " + n + " (expected: one of " + ALL + ")"));
                    String base = (c.oneSecondSegments ? oneS : twoS).httpUrl();
                    String url = base + c.page + (debug && c.page.contains("hls/") ? (c.page.contains("?") ? "&debug" : "?debug") : "");
                    Result r = measure(c, url, seconds, lag, debug ? out.resolve(c.name + "-player.log") : null);
                    results.add(r);
                    System.out.printf(Locale.ROOT, "%-8s p50 %5d ms  p95 %5d ms  minus ingest lag: p50 %5d ms  p95 %5d ms  stalls %d"
                            + "  decoded %d  errors %s%n", c.name, r.p50, r.p95, r.netP50, r.netP95, r.stalls, r.decoded, r.errors);
                }
            } finally {
                ffmpeg.destroy();
                ffmpeg.waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            hub.close();
        }
        System.out.println();
        // a player that decodes slower than the source's 30 fps (a CPU-starved machine) falls behind by itself:
        // its latency grows whatever the server does, so the decode rate is part of the table
        System.out.println("| case | p50 ms | p95 ms | minus ingest lag p50 ms | p95 ms | ingest lag at end ms | stalls | decoded fps | samples |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %.1f | %d |%n", r.c.name, r.p50, r.p95, r.netP50, r.netP95,
                    r.lags.isEmpty() ? -1 : r.lags.get(r.lags.size() - 1), r.stalls, r.decoded / (double) Math.max(1, r.samples.size()),
                    r.samples.size());
        }
        System.out.println("load average at the end: " + Files.readString(Path.of("/proc/loadavg")).strip());
        write(results, out);
        System.exit(0);
    }

    @SuppressWarnings("unchecked")
    static Result measure(Case c, String url, int seconds, IngestLag lag, Path log) throws Exception {
        try (HeadlessChromium b = new HeadlessChromium(List.of())) {
            b.driver.get(url);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Boolean.TRUE.equals(b.js("return window.sluiceStats && window.sluiceStats.started;"))) {
                if (System.nanoTime() > deadline) {
                    return new Result(c, List.of(), List.of(), -1, -1, -1, -1, 0, 0,
                            "never started: " + b.js("return JSON.stringify(window.sluiceStats.errors).slice(0, 300);"));
                }
                Thread.sleep(100);
            }
            long decodedAtStart = ((Number) b.js("return window.sluiceStats.decoded;")).longValue();
            List<Long> samples = new ArrayList<>();
            List<Long> lags = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 1; i <= seconds; i++) {
                Thread.sleep(Math.max(1, (start + i * 1_000_000_000L - System.nanoTime()) / 1_000_000));
                Object last = b.js("const l = window.sluiceStats.latencies; return l.length ? l[l.length - 1] : null;");
                if (last instanceof Number n) {
                    samples.add(n.longValue());
                    lags.add(lag.lagMs());
                }
            }
            Map<String, Object> s = (Map<String, Object>) b.js("return window.sluiceStats;");
            if (log != null) { // the page's stall positions and, with ?debug, hls.js's own log
                List<String> lines = new ArrayList<>();
                lines.add("stallsAt " + s.get("stallsAt"));
                lines.add("errors " + s.get("errors"));
                if (s.get("logs") instanceof List<?> l) {
                    l.forEach(x -> lines.add(String.valueOf(x)));
                }
                Files.write(log, lines);
            }
            int skip = Math.min(5, samples.size()); // the first 5 s settle the start
            List<Long> raw = new ArrayList<>(samples.subList(skip, samples.size()));
            List<Long> net = new ArrayList<>();
            for (int i = skip; i < samples.size(); i++) {
                net.add(samples.get(i) - lags.get(i));
            }
            return new Result(c, samples, lags, percentile(raw, 50), percentile(raw, 95), percentile(net, 50), percentile(net, 95),
                    ((Number) s.get("stalls")).longValue(), ((Number) s.get("decoded")).longValue() - decodedAtStart,
                    String.valueOf(s.get("errors")));
        }
    }

    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    static void write(List<Result> results, Path out) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        StringBuilder csv = new StringBuilder("case,seconds,latency_ms,ingest_lag_ms\n");
        for (Result r : results) {
            XYSeries series = new XYSeries(r.c.name + " (p50 " + r.p50 + " ms)");
            XYSeries lagged = new XYSeries(r.c.name + " ingest lag");
            for (int i = 0; i < r.samples.size(); i++) {
                series.add(i + 1, r.samples.get(i)); // sampled once a second
                lagged.add(i + 1, r.lags.get(i));
                csv.append(r.c.name).append(',').append(i + 1).append(',').append(r.samples.get(i)).append(',')
                        .append(r.lags.get(i)).append('\n');
            }
            data.addSeries(series);
            data.addSeries(lagged);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Live latency on loopback (server ingest to screen)",
                "seconds since playback start", "latency (ms)", data, PlotOrientation.VERTICAL, true, false, false);
        ChartUtils.saveChartAsPNG(out.resolve("latency.png").toFile(), chart, 1100, 600);
        Files.writeString(out.resolve("latency.csv"), csv);
    }

    /** One file of an npm package, with {@code npm pack} (the npm registry). */
    static Path npmFile(String spec, String file, Path dir) throws Exception {
        Process p = new ProcessBuilder("npm", "pack", spec, "--silent", "--pack-destination", dir.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("npm pack " + spec + ": " + log);
        }
        Path tgz;
        try (var files = Files.list(dir)) {
            tgz = files.filter(f -> f.toString().endsWith(".tgz")).findFirst().orElseThrow();
        }
        Process x = new ProcessBuilder("tar", "xzf", tgz.toString(), "-C", dir.toString(),
                "--strip-components=" + file.split("/").length, "package/" + file).redirectErrorStream(true).start();
        if (!x.waitFor(60, TimeUnit.SECONDS) || x.exitValue() != 0) {
            throw new IOException("tar: " + new String(x.getInputStream().readAllBytes()));
        }
        return dir.resolve(Path.of(file).getFileName());
    }
}
