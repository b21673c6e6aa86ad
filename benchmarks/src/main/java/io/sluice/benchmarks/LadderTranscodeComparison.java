package io.sluice.benchmarks;

import io.sluice.benchmarks.EncodeSpeedComparison.Cost;
import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.spi.RenditionLadder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.Loader;

/**
 * Side-by-side cost of a rendition ladder: Sluice's shared {@link FfmpegRenditionLadder} (one thread: decode
 * once, scale and encode every rung, all FFmpeg codecs with 1 thread) against the {@code ffmpeg} executable
 * shipped in the same Bytedeco FFmpeg artifact (same libavcodec, libswscale and encoder) running the same ladder
 * as one {@code split} + {@code scale} + encode command, also single-threaded ({@code -threads 1},
 * {@code -filter_threads 1}). Both run as fast as they can; the table gives wall time, CPU time (ffmpeg's from
 * {@code /usr/bin/time}; Sluice's is the whole JVM's CPU time over the run, JIT and GC included) and the CPU time
 * per rung per source frame, and the ratio Sluice/ffmpeg (median of alternating runs).
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,transport-rtmp,crypto,transport-webrtc,benchmarks
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.LadderTranscodeComparison [runs=3]
 * </pre>
 * Input: {@code flower_960x540_5s_h264_aac.mp4} (High profile with B-frames) looped 4 times (600 frames, stream
 * copy), so the ladder's top rung is a transcode at 960x540: rungs 960x540, 854x480, 640x360, 426x240, IDRs every
 * 2 s of source time on both sides.
 */
public final class LadderTranscodeComparison {
    private static final long FRAMES = 600;

    private LadderTranscodeComparison() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path flower = EncodeSpeedComparison.loopedFlower(ffmpeg, Files.createTempDirectory("sluice-ladder-speed"));

        sluice(flower); // warm-up: JIT, first FFmpeg open
        List<RenditionLadder.Rung> rungs = lastRungs;
        System.out.println("ladder: " + rungs);
        double[] sw = new double[runs];
        double[] sc = new double[runs];
        double[] fw = new double[runs];
        double[] fc = new double[runs];
        for (int i = 0; i < runs; i++) {
            Cost f = ffmpeg(ffmpeg, flower, rungs);
            Cost s = sluice(flower);
            fw[i] = f.wallS();
            fc[i] = f.cpuS();
            sw[i] = s.wallS();
            sc[i] = s.cpuS();
        }
        int n = rungs.size();
        double s = EncodeSpeedComparison.median(sc);
        double f = EncodeSpeedComparison.median(fc);
        System.out.printf(Locale.ROOT, "%-8s %9s %9s %22s%n", "", "wall s", "CPU s", "CPU ms/rung/frame");
        System.out.printf(Locale.ROOT, "%-8s %9.2f %9.2f %22.3f   (wall %s, CPU %s)%n", "sluice", EncodeSpeedComparison.median(sw), s,
                s * 1000 / n / FRAMES, EncodeSpeedComparison.fmt(sw), EncodeSpeedComparison.fmt(sc));
        System.out.printf(Locale.ROOT, "%-8s %9.2f %9.2f %22.3f   (wall %s, CPU %s)%n", "ffmpeg", EncodeSpeedComparison.median(fw), f,
                f * 1000 / n / FRAMES, EncodeSpeedComparison.fmt(fw), EncodeSpeedComparison.fmt(fc));
        System.out.printf(Locale.ROOT, "ratio sluice/ffmpeg: CPU %.3f, wall %.3f%n", s / f,
                EncodeSpeedComparison.median(sw) / EncodeSpeedComparison.median(fw));
    }

    private static List<RenditionLadder.Rung> lastRungs;

    /** Publishes every frame of {@code input} into a hub as fast as it reads and waits until every rung has them all. */
    static Cost sluice(Path input) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (StreamHub hub = StreamHub.create();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).queueFrames(10_000).build();
             MediaSource source = MediaSources.open(input.toString())) {
            List<TrackInfo> tracks = source.open();
            Map<Integer, Delivery> sel = new HashMap<>();
            tracks.stream().filter(TrackInfo::isVideo).forEach(t -> sel.put(t.trackId(), Delivery.ENCODED));
            source.select(sel);
            List<TrackInfo> video = tracks.stream().filter(TrackInfo::isVideo).toList();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            StreamHub.Publication pub = hub.publish("bench", video, () -> { });
            try (RenditionLadder.Lease lease = ladder.acquire("bench")) {
                lastRungs = lease.rungs();
                List<AtomicLong> counts = new ArrayList<>();
                for (RenditionLadder.Rung r : lease.rungs()) {
                    AtomicLong c = new AtomicLong();
                    counts.add(c);
                    hub.subscribe(r.streamName(), new StreamSubscriber() {
                        @Override
                        public void onPublish(String streamName, List<TrackInfo> t) {
                        }

                        @Override
                        public void onFrame(EncodedFrame frame) {
                            c.incrementAndGet();
                            frame.release();
                        }

                        @Override
                        public void onUnpublish(String streamName) {
                        }
                    });
                }
                MediaFrame f;
                while ((f = source.read()) != null) {
                    pub.send((EncodedFrame) f);
                }
                // The decoder keeps the last 2 pictures (B-frame reordering) until more input comes.
                while (counts.stream().anyMatch(c -> c.get() < FRAMES - 2)) {
                    Thread.sleep(2);
                }
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            pub.close();
            return new Cost(wall, cpu);
        }
    }

    /** The same ladder as one ffmpeg command: decode, split, scale (bicubic), x264 with FfmpegVideoEncoder's settings. */
    static Cost ffmpeg(String ffmpeg, Path input, List<RenditionLadder.Rung> rungs) throws Exception {
        StringBuilder graph = new StringBuilder("[0:v]split=" + rungs.size());
        for (int i = 0; i < rungs.size(); i++) {
            graph.append("[v").append(i).append(']');
        }
        for (int i = 0; i < rungs.size(); i++) {
            RenditionLadder.Rung r = rungs.get(i);
            graph.append(";[v").append(i).append("]scale=").append(r.width()).append(':').append(r.height())
                    .append(":flags=bicubic[s").append(i).append(']');
        }
        List<String> cmd = new ArrayList<>(List.of(ffmpeg, "-v", "error", "-threads", "1",
                "-i", input.toString(), "-an", "-filter_threads", "1", "-filter_complex_threads", "1",
                "-filter_complex", graph.toString()));
        for (int i = 0; i < rungs.size(); i++) {
            String b = String.valueOf(rungs.get(i).bitrateBps());
            cmd.addAll(List.of("-map", "[s" + i + "]", "-c:v", "libx264", "-threads", "1", "-pix_fmt", "yuv420p",
                    "-b:v", b, "-maxrate", b, "-bufsize", b, "-g", "1800", "-keyint_min", "1800", "-bf", "0",
                    "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "high", "-forced-idr", "1",
                    "-x264-params", "repeat-headers=1:scenecut=0", "-force_key_frames", "expr:gte(t,n_forced*2)",
                    "-f", "null", "-"));
        }
        return EncodeSpeedComparison.timed(cmd);
    }
}
