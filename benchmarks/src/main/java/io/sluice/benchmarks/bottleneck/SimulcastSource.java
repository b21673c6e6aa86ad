package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.Published;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A {@link WhepLadderViewersBench.Source}: headless Chromium publishing {@link WhepLadderViewersBench#STREAM} over
 * WHIP as three RFC 8853 simulcast layers ({@link ChromiumPublisherMain} on the server's
 * {@code /publish/live/v?simulcast} page with Chromium's built-in fake camera at 1280×720: rids q, h, f at a quarter,
 * half and full size, H.264). The server publishes each layer as its own hub stream without transcoding (the largest
 * as {@code live/v}, the others as {@code live/v~h} and {@code live/v~q}), and a WHEP viewer of {@code live/v} chooses
 * among them with its own estimate. The publisher is in the sender namespace with the server and is not shaped.
 *
 * <p>Ready ({@link #awaitReady}) once all three hub streams are live, {@code live/v} is the largest of them and each
 * has {@code fps} frames (1 s) since its publication, and Chromium sends its full-size layer at 0.8 × {@code fps}
 * or more, not limited by bandwidth, all of that for {@value #STEADY_MS} ms without a break: Chromium gives the full-size layer its rate only when its own bandwidth
 * estimate allows, which has taken 10 s and more; a viewer that joined before would have only the lower layers as
 * rungs (and the stream name on the half-size layer until the full-size one arrives). Waits at most
 * {@code rampTimeoutMs}.
 */
public final class SimulcastSource implements WhepLadderViewersBench.Source {
    /** The page's layers, smallest first. */
    public static final List<String> RIDS = List.of("q", "h", "f");
    private static final String STREAM = WhepLadderViewersBench.STREAM;
    /** How long the layers must have been ready without a break, ms (Chromium's estimate dips after its first ramp). */
    static final long STEADY_MS = 5_000;

    /** One {@link ChromiumPublisherMain} {@code L} line: a layer's counters as Chromium reports them. */
    public record LayerSample(long nanos, String rid, long bytesSent, int width, int height, double fps, long targetBps,
            String limitation, boolean active) {
    }

    private final int fps;
    private final long rampTimeoutMs;
    private final List<LayerSample> layers = new CopyOnWriteArrayList<>();
    /** Chromium's {@code availableOutgoingBitrate} (bit/s) from each {@code C} line, with its nanoTime. */
    private final List<long[]> available = new CopyOnWriteArrayList<>();
    private volatile long startNanos;
    private volatile long readyMs = -1;

    /**
     * @param fps           the camera's frame rate ({@code &fps=} of the page)
     * @param rampTimeoutMs how long {@link #awaitReady} waits for the layers, ms
     */
    public SimulcastSource(int fps, long rampTimeoutMs) {
        this.fps = fps;
        this.rampTimeoutMs = rampTimeoutMs;
    }

    @Override
    public List<String> serverOptions() {
        return List.of();
    }

    @Override
    public List<String> rungStreams() {
        return List.of(STREAM + "~h", STREAM + "~q");
    }

    @Override
    public Process start(Bottleneck hub, Path log) throws IOException {
        startNanos = System.nanoTime();
        Process p = hub.exec(hub.senderNs, log, BottleneckRun.java(ChromiumPublisherMain.class, List.of(
                "http://127.0.0.1:" + WhepLadderViewersBench.HTTP_PORT + "/publish/" + STREAM + "?simulcast&fps=" + fps,
                "-", "3600")));
        BottleneckRun.read(p, line -> {
            String[] f = line.split(" ");
            if (f[0].equals("L") && f.length >= 10) {
                // getStats() numbers are doubles in JavaScript (a target of 1.5e6 may print as 1500000.5)
                layers.add(new LayerSample(Long.parseLong(f[1]), f[2], Math.round(Double.parseDouble(f[3])),
                        (int) Double.parseDouble(f[4]), (int) Double.parseDouble(f[5]), Double.parseDouble(f[6]),
                        Math.round(Double.parseDouble(f[7])), f[8], Boolean.parseBoolean(f[9])));
            } else if (f[0].equals("C") && f.length >= 4) {
                available.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[3])});
            } else if (!f[0].equals("C")) {
                BottleneckRun.appendLog(log, "publisher: " + line);
            }
        });
        return p;
    }

    @Override
    public void awaitReady(Published server, Path log) throws IOException, InterruptedException {
        long deadline = startNanos + rampTimeoutMs * 1_000_000L;
        List<String> streams = List.of(STREAM, STREAM + "~h", STREAM + "~q");
        long okSince = Long.MIN_VALUE;
        while (true) {
            LayerSample f = last("f");
            boolean live = streams.stream().allMatch(s -> server.videoFrames(s) >= fps);
            boolean largest = live && server.videoPixels(STREAM) > server.videoPixels(STREAM + "~h")
                    && server.videoPixels(STREAM + "~h") > server.videoPixels(STREAM + "~q");
            boolean fullRate = f != null && f.fps() >= 0.8 * fps && !f.limitation().equals("bandwidth");
            long now = System.nanoTime();
            okSince = largest && fullRate ? (okSince == Long.MIN_VALUE ? now : okSince) : Long.MIN_VALUE;
            if (okSince != Long.MIN_VALUE && now - okSince >= STEADY_MS * 1_000_000L) {
                readyMs = (now - startNanos) / 1_000_000;
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Chromium's three simulcast layers were not all live within " + rampTimeoutMs
                        + " ms (server: " + streams.stream().map(s -> s + " " + server.videoSize(s) + " "
                        + server.videoFrames(s) + " frames").collect(Collectors.joining(", ")) + "; Chromium's layers: "
                        + RIDS.stream().map(r -> String.valueOf(last(r))).collect(Collectors.joining(", ")) + "); see " + log);
            }
            Thread.sleep(100);
        }
    }

    /**
     * {@code simulcastReadyMs} (from the publisher's start to {@link #awaitReady}'s return); per layer over the run,
     * {@code layers}: {@code <rid> <width>x<height> <fps> fps <kbit/s> kbit/s (target <kbit/s>, <limitation>, min
     * <fps> fps)} with the sent rate from {@code bytesSent} as Chromium counts it, the mean frame rate, Chromium's mean
     * target, its most reported quality limitation and the lowest frame rate it reported, largest first; and
     * {@code publisherAvailableP50Kbps}, {@code publisherAvailableMinKbps}: Chromium's bandwidth estimate
     * ({@code availableOutgoingBitrate}), median and lowest.
     */
    @Override
    public void addFigures(Map<String, Object> run, long t0, long durationMs) {
        run.put("simulcastReadyMs", readyMs);
        List<String> out = new ArrayList<>();
        for (String rid : List.of("f", "h", "q")) {
            List<LayerSample> l = layers.stream().filter(x -> x.rid().equals(rid) && x.nanos() >= t0
                    && x.nanos() <= t0 + durationMs * 1_000_000L).toList();
            if (l.size() < 2) {
                out.add(rid + " -");
                continue;
            }
            LayerSample a = l.get(0);
            LayerSample z = l.get(l.size() - 1);
            double kbps = (z.bytesSent() - a.bytesSent()) * 8e6 / (z.nanos() - a.nanos());
            Map<String, Long> why = l.stream().collect(Collectors.groupingBy(LayerSample::limitation, LinkedHashMap::new,
                    Collectors.counting()));
            out.add(rid + " " + z.width() + "x" + z.height() + " " + Analysis.round(l.stream().mapToDouble(LayerSample::fps)
                    .average().orElse(0), 1) + " fps " + Math.round(kbps) + " kbit/s (target "
                    + Math.round(l.stream().mapToLong(LayerSample::targetBps).average().orElse(0) / 1000) + ", "
                    + why.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey() + ", min "
                    + Analysis.round(l.stream().mapToDouble(LayerSample::fps).min().orElse(0), 1) + " fps)");
        }
        run.put("layers", String.join(", ", out));
        double[] aob = available.stream().filter(x -> x[0] >= t0 && x[0] <= t0 + durationMs * 1_000_000L && x[1] > 0)
                .mapToDouble(x -> x[1] / 1000.0).toArray();
        if (aob.length > 0) {
            run.put("publisherAvailableP50Kbps", Math.round(Analysis.pct(aob, 50)));
            run.put("publisherAvailableMinKbps", Math.round(java.util.Arrays.stream(aob).min().orElse(0)));
        }
    }

    /** Chromium's last report of layer {@code rid}, or null. */
    private LayerSample last(String rid) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i).rid().equals(rid)) {
                return layers.get(i);
            }
        }
        return null;
    }
}
