package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.RunData.Counter;
import io.sluice.benchmarks.bottleneck.RunData.Flow;
import io.sluice.benchmarks.bottleneck.RunData.Frame;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import io.sluice.benchmarks.bottleneck.RunData.Rate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run: a fresh {@link Bottleneck}, the Sluice server ({@link ReceiverMain}) in the receiver namespace,
 * one or two publishers (and optionally a TCP flow) in the sender namespace, the capacity schedule applied
 * from the moment the receiver has a frame of every flow, the qdisc sampled every 50 ms. Child processes are
 * JVMs on this JVM's class path ({@code ip netns exec java -cp …}).
 */
public final class BottleneckRun {
    /** Who publishes. */
    public enum Publisher { WHIP, RTMP, CHROMIUM }

    /**
     * What to run.
     *
     * @param name     scenario name (file names)
     * @param schedule capacity over time
     * @param flows    media flows of the same publisher kind (1 or 2)
     * @param tcpFlow  a competing long TCP flow from the start
     */
    public record Scenario(String name, CapacitySchedule schedule, int flows, boolean tcpFlow) {
    }

    /** A finished run: its data, figures and where the plot went. */
    public record Result(Scenario scenario, Publisher publisher, RunData data, Map<String, Object> figures, Path plot) {
    }

    private static final Pattern QD = Pattern.compile(
            "\"bytes\":(\\d+),\"packets\":(\\d+),\"drops\":(\\d+).*?\"backlog\":(\\d+)");
    private static final int RTMP_PORT = 1935;
    private static final int HTTP_PORT = 8080;

    private final Media media;
    private final Path outDir;

    /**
     * @param media  the inputs (looped clip, Y4M)
     * @param outDir where logs and plots go
     */
    public BottleneckRun(Media media, Path outDir) {
        this.media = media;
        this.outDir = outDir;
    }

    public Result run(Scenario sc, Publisher pub) throws IOException, InterruptedException {
        Files.createDirectories(outDir);
        String id = sc.name() + "-" + pub.name().toLowerCase();
        Path log = outDir.resolve(id + ".log");
        Files.deleteIfExists(log);
        CapacitySchedule sch = sc.schedule();
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < sc.flows(); i++) {
            flows.add(new Flow("live/bn" + (i + 1)));
        }
        List<QdiscSample> qdisc = new CopyOnWriteArrayList<>();
        List<Counter> tcp = new CopyOnWriteArrayList<>();
        long[] t0 = {Long.MAX_VALUE};
        try (Bottleneck b = new Bottleneck(sch.steps().get(0).bps(), 300)) {
            CountDownLatch ready = new CountDownLatch(1);
            CountDownLatch firstFrames = new CountDownLatch(sc.flows());
            List<String> receiverArgs = new ArrayList<>(List.of(Bottleneck.RECEIVER_IP, "" + RTMP_PORT, "" + HTTP_PORT));
            flows.forEach(f -> receiverArgs.add(f.stream));
            boolean[] seen = new boolean[sc.flows()];
            read(b.exec(b.receiverNs, log, java(ReceiverMain.class, receiverArgs)), line -> {
                if (line.equals("READY")) {
                    ready.countDown();
                    return;
                }
                String[] f = line.split(" ");
                if (!f[0].equals("F")) {
                    return;
                }
                int idx = Integer.parseInt(f[1].substring("live/bn".length())) - 1;
                Flow flow = flows.get(idx);
                synchronized (flow) {
                    if (!seen[idx]) {
                        seen[idx] = true;
                        firstFrames.countDown();
                    }
                    flow.frames.add(new Frame(ms(Long.parseLong(f[2]), t0[0]), f[3].equals("V"), Long.parseLong(f[4]),
                            f[5].equals("1"), Integer.parseInt(f[6])));
                }
            });
            if (!ready.await(60, TimeUnit.SECONDS)) {
                throw new IOException("the Sluice server did not start in the receiver namespace; see " + log);
            }
            if (sc.tcpFlow()) {
                CountDownLatch sink = new CountDownLatch(1);
                read(b.exec(b.receiverNs, log, java(TcpFlowMain.class, List.of("sink", Bottleneck.RECEIVER_IP, "5201"))), line -> {
                    if (line.equals("READY")) {
                        sink.countDown();
                    } else if (line.startsWith("T ")) {
                        String[] f = line.split(" ");
                        tcp.add(new Counter(ms(Long.parseLong(f[1]), t0[0]), Long.parseLong(f[2])));
                    }
                });
                sink.await(30, TimeUnit.SECONDS);
                b.exec(b.senderNs, log, java(TcpFlowMain.class, List.of("send", Bottleneck.RECEIVER_IP, "5201")));
            }
            long publishSeconds = sch.durationMs() / 1000 + 60;
            for (Flow flow : flows) {
                List<String> cmd = switch (pub) {
                    case WHIP -> java(SluicePublisherMain.class, List.of(media.clip().toString(),
                            "whip+http://" + Bottleneck.RECEIVER_IP + ":" + HTTP_PORT + "/whip/" + flow.stream, "" + publishSeconds));
                    case RTMP -> java(SluicePublisherMain.class, List.of(media.clip().toString(),
                            "rtmp://" + Bottleneck.RECEIVER_IP + ":" + RTMP_PORT + "/" + flow.stream, "" + publishSeconds));
                    case CHROMIUM -> java(ChromiumPublisherMain.class, List.of(
                            "http://" + Bottleneck.RECEIVER_IP + ":" + HTTP_PORT + "/publish/" + flow.stream,
                            media.y4m().toString(), "" + publishSeconds));
                };
                Path reports = outDir.resolve(id + "-publisher" + (flows.size() > 1 ? flows.indexOf(flow) + 1 : "") + ".txt");
                Files.deleteIfExists(reports);
                read(b.exec(b.senderNs, log, cmd), line -> {
                    if (line.startsWith("E ") || line.startsWith("R ") || line.startsWith("T ") || line.startsWith("N ")) {
                        appendLog(reports, line); // the rate controller's inputs and decisions, for replay
                    }
                    if (!publisherLine(flow, line, t0[0])) {
                        appendLog(log, flow.stream + ": " + line);
                    }
                });
            }
            Thread sampler = new Thread(() -> sample(b, qdisc, t0), "qdisc-sampler");
            sampler.setDaemon(true);
            if (!firstFrames.await(150, TimeUnit.SECONDS)) { // WHIP connects in up to ~15 s on a loaded machine
                throw new IOException("no frame reached the server from every publisher within 150 s; see " + log);
            }
            t0[0] = System.nanoTime();
            sampler.start();
            for (CapacitySchedule.Step s : sch.steps()) {
                sleepUntil(t0[0] + s.startMs() * 1_000_000L);
                if (s.startMs() > 0) {
                    b.setRate(s.bps());
                }
            }
            sleepUntil(t0[0] + sch.durationMs() * 1_000_000L);
            sampler.interrupt();
            sampler.join(2000);
        }
        for (Flow f : flows) {
            synchronized (f) {
                f.frames.removeIf(x -> x.tMs() < 0 || x.tMs() > sch.durationMs());
                long start = t0[0];
                f.handoffs.replaceAll(h -> new RunData.Handoff((h.tMs() - start) / 1e6, h.ptsUs(), h.bytes()));
            }
        }
        RunData data = new RunData(sch, List.copyOf(qdisc), flows, List.copyOf(tcp));
        data.writeCsv(outDir, id);
        Map<String, Object> figures = Analysis.figures(data);
        Path png = outDir.resolve(id + ".png");
        TimelineChart.write(data, id + " (" + pub + ", tbf 300 ms drop-tail)", png);
        return new Result(sc, pub, data, figures, png);
    }

    static void appendLog(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is a convenience
        }
    }

    /** Records one line of a publisher's stdout; false for a line that is not a sample (to be logged). */
    private static boolean publisherLine(Flow flow, String line, long t0) {
        String[] f = line.split(" ");
        synchronized (flow) {
            switch (f[0]) {
                case "S" -> {
                    double t = ms(Long.parseLong(f[1]), t0);
                    flow.sent.add(new Counter(t, Long.parseLong(f[2])));
                    // the rate controller's target when there is one (f[9]), else the encoder's measured output
                    long target = f.length > 9 && Long.parseLong(f[9]) > 0 ? Long.parseLong(f[9]) : Long.parseLong(f[7]);
                    flow.target.add(new Rate(t, target));
                }
                // nanoTime for now (frames handed off before t0 was known still match frames received after it)
                case "V" -> flow.handoffs.add(new RunData.Handoff(Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3])));
                case "N" -> { // the WHIP client's NACK and retransmission counters: in the publisher file only
                }
                case "R" -> { // a rate-controller decision: kept in the run's notes (size changes, reasons)
                    flow.notes.add(line);
                }
                case "E" -> {
                    if (Long.parseLong(f[3]) > 0) { // 0: a queue-only report without a rate
                        flow.estimate.add(new Rate(ms(Long.parseLong(f[1]), t0), Long.parseLong(f[3])));
                    }
                }
                case "C" -> {
                    if (Long.parseLong(f[2]) > 0) { // 0: no selected candidate pair in that getStats() report
                        double t = ms(Long.parseLong(f[1]), t0);
                        flow.sent.add(new Counter(t, Long.parseLong(f[2])));
                        flow.estimate.add(new Rate(t, Long.parseLong(f[3])));
                        flow.target.add(new Rate(t, Long.parseLong(f[4])));
                    }
                }
                default -> {
                    flow.notes.add(line);
                    return false;
                }
            }
            return true;
        }
    }

    private static void sample(Bottleneck b, List<QdiscSample> out, long[] t0) {
        while (!Thread.currentThread().isInterrupted()) {
            long start = System.nanoTime();
            try {
                QdiscSample s = qdiscSample(b, t0[0]);
                if (s != null) {
                    out.add(s);
                }
                long left = 50 - (System.nanoTime() - start) / 1_000_000;
                if (left > 0) {
                    Thread.sleep(left);
                }
            } catch (IOException e) {
                return; // bottleneck gone
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One reading of the bottleneck's qdisc ({@link Bottleneck#qdiscJson()}), timed in ms from {@code t0}
     * ({@link System#nanoTime()}); null when tc's answer has no counters.
     */
    static QdiscSample qdiscSample(Bottleneck b, long t0) throws IOException {
        String json = b.qdiscJson();
        long read = System.nanoTime(); // tc reads the counters just before it answers: time them then
        Matcher m = QD.matcher(json);
        if (!m.find()) {
            return null;
        }
        return new QdiscSample(ms(read, t0), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)), Long.parseLong(m.group(4)));
    }

    /** Times before t0 (frames arriving during start-up) are kept with negative times until t0 is known. */
    private static double ms(long nanos, long t0) {
        return t0 == Long.MAX_VALUE ? -1 : (nanos - t0) / 1e6;
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    static List<String> java(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        // -Dsluice.bench.debug=io.sluice.webrtc.server.WhepSession,...: those loggers at debug in the child's log
        for (String logger : System.getProperty("sluice.bench.debug", "").split(",")) {
            if (!logger.isBlank()) {
                cmd.add(cmd.size() - 4, "-Dorg.slf4j.simpleLogger.log." + logger.strip() + "=debug");
            }
        }
        // -Dsluice.tmp.NAME=VALUE (a temporary switch while comparing two behaviours): passed on to the child
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("sluice.tmp.")) {
                cmd.add(cmd.size() - 4, "-D" + k + "=" + System.getProperty(k));
            }
        }
        cmd.addAll(args);
        return cmd;
    }

    static void read(Process p, Consumer<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    try {
                        lines.accept(line);
                    } catch (RuntimeException e) {
                        // a malformed line is skipped
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The inputs, made once per JVM with ffmpeg from a shared clip.
     *
     * @param clip the clip looped to cover the run (stream copy)
     * @param y4m  the clip as raw Y4M for Chromium's fake capture (Chromium loops it)
     */
    public record Media(Path clip, Path y4m) {
        /** Makes (or reuses) both from {@code source} under {@code dir}, the clip ≥ {@code seconds} long. */
        public static Media prepare(Path source, Path dir, long seconds) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            String base = source.getFileName().toString().replaceAll("\\.[^.]+$", "");
            Path clip = dir.resolve(base + "-loop" + seconds + "s.mp4");
            Path y4m = dir.resolve(base + ".y4m");
            if (!Files.exists(clip)) {
                ffmpeg(List.of("-stream_loop", "-1", "-i", source.toString(), "-t", "" + seconds, "-c", "copy", "-f", "mp4", clip.toString()));
            }
            if (!Files.exists(y4m)) {
                ffmpeg(List.of("-i", source.toString(), "-an", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", y4m.toString()));
            }
            return new Media(clip, y4m);
        }

        private static void ffmpeg(List<String> args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
            cmd.addAll(args);
            Path tmp = Path.of(args.get(args.size() - 1) + ".part");
            cmd.set(cmd.size() - 1, tmp.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("ffmpeg failed: " + String.join(" ", cmd) + ": " + out);
            }
            Files.move(tmp, Path.of(args.get(args.size() - 1)), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
