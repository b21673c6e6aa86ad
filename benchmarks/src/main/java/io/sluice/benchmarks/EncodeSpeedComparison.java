package io.sluice.benchmarks;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegCodecs;
import io.sluice.core.PipelineStats;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;

/**
 * Side-by-side encode speed: Sluice's pipeline (demux → decode → encode → {@code null:}) against the
 * {@code ffmpeg} executable shipped inside the same Bytedeco FFmpeg artifact (same libavcodec, same
 * encoder, same settings, same input, {@code -f null}), both as fast as possible. Prints frames per
 * second of each and the ratio Sluice/ffmpeg, median of several alternating runs.
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,benchmarks
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.EncodeSpeedComparison [runs=3]
 * </pre>
 * Inputs: {@code flower_960x540_5s_h264_aac.mp4} looped 4 times (600 frames, stream copy), and a
 * synthetic 1080p30 source (FFmpeg {@code testsrc2}, 10 s, stored losslessly as FFV1 so both sides decode
 * the same bits; there is no real 1080p clip in ../shared).
 *
 * <p><b>Whole process</b> ({@code EncodeSpeedComparison stream [runs=5]}): the {@code sluice stream} command
 * against the same {@code ffmpeg} executable, both transcoding {@code bbb_480p_30s_h264_aac51.mp4} (854x480 24 fps
 * H.264, 5.1 AAC 48 kHz) to Matroska with OpenH264 at 2.5 Mbit/s, GOP 2 s (48 frames), and AAC 128 kbit/s stereo
 * (Sluice downmixes 5.1 by default, ffmpeg with {@code -ac 2}), JVM start included. {@code -Dsluice.bench.cli} is a
 * comma-separated list of CLIs to run in each round: a {@code .jar} runs as {@code java [sluice.bench.cliJvmArgs]
 * -jar JAR}, anything else is run as is (the launcher {@code examples/target/sluice}, which adds the AppCDS archive
 * and C1-only compilation; the default when it exists). Each process runs under {@code /usr/bin/time}; rounds
 * alternate ffmpeg and each CLI; prints each wall and CPU (user + system) time and the medians of the per-round
 * ratios ffmpeg/sluice (1.0 = as fast as ffmpeg). CPU time is the figure to trust on a shared machine.
 *
 * <p><b>Figures</b>: {@code benchmarks/README.md} ("Whole-process encode").
 */
public final class EncodeSpeedComparison {
    private EncodeSpeedComparison() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("stream")) {
            wholeProcess(args.length > 1 ? Integer.parseInt(args[1]) : 5);
            return;
        }
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path work = Files.createTempDirectory("sluice-encode-speed");
        Path flower = loopedFlower(ffmpeg, work);
        Path synthetic = work.resolve("testsrc2_1080p30.mkv");
        exec(ffmpeg, "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=10",
                "-pix_fmt", "yuv420p", "-c:v", "ffv1", "-slices", "4", synthetic.toString());

        System.out.printf(Locale.ROOT, "%-12s %-22s %10s %10s %8s%n", "encoder", "input", "sluice fps", "ffmpeg fps", "ratio");
        for (String encoder : FfmpegCodecs.availableH264Encoders()) {
            for (Path input : List.of(flower, synthetic)) {
                double[] s = new double[runs];
                double[] f = new double[runs];
                for (int i = 0; i < runs; i++) {
                    f[i] = ffmpegFps(ffmpeg, encoder, input);
                    s[i] = sluiceFps(encoder, input);
                }
                double sm = median(s);
                double fm = median(f);
                System.out.printf(Locale.ROOT, "%-12s %-22s %10.1f %10.1f %8.3f   (sluice %s, ffmpeg %s)%n", encoder,
                        input.getFileName(), sm, fm, sm / fm, fmt(s), fmt(f));
            }
        }
    }

    /** Encoder settings exactly as FfmpegVideoEncoder applies them for VideoEncoderConfig(2.5 Mbit/s, GOP 2 s, veryfast). */
    static List<String> ffmpegArgs(String ffmpeg, String encoder, Path input) {
        List<String> cmd = new ArrayList<>(List.of(ffmpeg, "-v", "error", "-i", input.toString(), "-an", "-c:v", encoder,
                "-pix_fmt", "yuv420p", "-b:v", "2500k", "-maxrate", "2500k", "-g", "60", "-keyint_min", "60", "-bf", "0"));
        if (encoder.equals(FfmpegCodecs.LIBX264)) {
            cmd.addAll(List.of("-bufsize", "2500k", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "high",
                    "-forced-idr", "1", "-x264-params", "repeat-headers=1"));
        } else {
            cmd.addAll(List.of("-rc_mode", "bitrate", "-allow_skip_frames", "0"));
        }
        cmd.addAll(List.of("-f", "null", "-"));
        return cmd;
    }

    static double ffmpegFps(String ffmpeg, String encoder, Path input) throws Exception {
        long frames = frameCount(input);
        long t0 = System.nanoTime();
        exec(ffmpegArgs(ffmpeg, encoder, input).toArray(String[]::new));
        return frames / ((System.nanoTime() - t0) / 1e9);
    }

    static double sluiceFps(String encoder, Path input) throws Exception {
        long t0 = System.nanoTime();
        long frames;
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(input.toString()))
                .video(VideoEncoderConfig.builder().encoderName(encoder).bitrateBps(2_500_000).gop(Duration.ofSeconds(2)).build())
                .noAudio()
                .transport("null:")
                .build()) {
            p.start();
            p.completion().get(10, TimeUnit.MINUTES);
            PipelineStats stats = p.stats();
            frames = stats.tracks().get(0).framesOut();
        }
        return frames / ((System.nanoTime() - t0) / 1e9);
    }

    /** {@code flower_960x540_5s_h264_aac.mp4} from {@code sluice.shared.dir} looped 4 times, video only (600 frames, stream copy). */
    static Path loopedFlower(String ffmpeg, Path work) throws IOException, InterruptedException {
        Path shared = Path.of(System.getProperty("sluice.shared.dir", "../shared"));
        Path flower = work.resolve("flower_x4.mp4");
        exec(ffmpeg, "-y", "-v", "error", "-stream_loop", "3", "-i", shared.resolve("media/flower_960x540_5s_h264_aac.mp4").toString(),
                "-an", "-c", "copy", flower.toString());
        return flower;
    }

    static long frameCount(Path input) {
        return input.getFileName().toString().startsWith("flower") ? 600 : 300;
    }

    static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", cmd));
        }
    }

    /** {@code sluice stream} vs {@code ffmpeg}, whole process each, alternating; see the class doc. */
    static void wholeProcess(int runs) throws Exception {
        String ffmpeg = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
        Path shared = Path.of(System.getProperty("sluice.shared.dir", "../shared"));
        String input = shared.resolve("media/bbb_480p_30s_h264_aac51.mp4").toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path work = Files.createTempDirectory("sluice-stream-speed");
        String ffmpegOut = work.resolve("ffmpeg.mkv").toString();
        String sluiceOut = work.resolve("sluice.mkv").toString();
        List<String> ffmpegCmd = List.of(ffmpeg, "-y", "-v", "error", "-i", input, "-c:v", FfmpegCodecs.LIBOPENH264, "-pix_fmt",
                "yuv420p", "-b:v", "2500k", "-maxrate", "2500k", "-g", "48", "-keyint_min", "48", "-bf", "0", "-rc_mode", "bitrate",
                "-allow_skip_frames", "0", "-c:a", "aac", "-b:a", "128k", "-ac", "2", ffmpegOut);
        String defaultCli = Files.isExecutable(Path.of("examples/target/sluice")) ? "examples/target/sluice" : "examples/target/sluice.jar";
        List<String> clis = Arrays.asList(System.getProperty("sluice.bench.cli", defaultCli).split(","));
        List<List<String>> sluiceCmds = new ArrayList<>();
        for (String cli : clis) {
            List<String> cmd = new ArrayList<>();
            if (cli.endsWith(".jar")) {
                cmd.add(java);
                cmd.addAll(Arrays.asList(System.getProperty("sluice.bench.cliJvmArgs", "").split(" ")));
                cmd.removeIf(String::isBlank);
                cmd.addAll(List.of("-jar", cli));
            } else {
                cmd.add(cli); // the launcher script (examples/target/sluice), which picks its own JVM options
            }
            cmd.addAll(List.of("stream", "--input", input, "--to", sluiceOut, "--encoder", "openh264",
                    "--video-bitrate", "2500k", "--audio-bitrate", "128k", "--gop", "2s", "--quiet"));
            sluiceCmds.add(cmd);
        }
        Cost[] f = new Cost[runs];
        Cost[][] s = new Cost[clis.size()][runs];
        for (int i = 0; i < runs; i++) {
            f[i] = timed(ffmpegCmd);
            System.out.printf(Locale.ROOT, "run %d: ffmpeg wall %.2f s CPU %.2f s%n", i + 1, f[i].wallS(), f[i].cpuS());
            for (int c = 0; c < clis.size(); c++) {
                s[c][i] = timed(sluiceCmds.get(c));
                System.out.printf(Locale.ROOT, "run %d: %s wall %.2f s CPU %.2f s, ffmpeg/sluice wall %.3f CPU %.3f%n", i + 1,
                        clis.get(c), s[c][i].wallS(), s[c][i].cpuS(), f[i].wallS() / s[c][i].wallS(), f[i].cpuS() / s[c][i].cpuS());
            }
        }
        System.out.printf(Locale.ROOT, "median ffmpeg: wall %.2f s, CPU %.2f s%n", median(f, Cost::wallS), median(f, Cost::cpuS));
        for (int c = 0; c < clis.size(); c++) {
            double[] rw = new double[runs];
            double[] rc = new double[runs];
            for (int i = 0; i < runs; i++) {
                rw[i] = f[i].wallS() / s[c][i].wallS();
                rc[i] = f[i].cpuS() / s[c][i].cpuS();
            }
            System.out.printf(Locale.ROOT, "median %s: wall %.2f s, CPU %.2f s; ffmpeg/sluice per round: wall %.3f, CPU %.3f%n",
                    clis.get(c), median(s[c], Cost::wallS), median(s[c], Cost::cpuS), median(rw), median(rc));
        }
    }

    /** Wall and CPU (user + system) seconds of one process. */
    record Cost(double wallS, double cpuS) {
    }

    /** Runs {@code cmd} under {@code /usr/bin/time}: its wall time and its CPU time (user + system, children included). */
    static Cost timed(List<String> cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S"));
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", cmd) + ": " + out);
        }
        String[] last = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
        return new Cost(Double.parseDouble(last[0]), Double.parseDouble(last[1]) + Double.parseDouble(last[2]));
    }

    static double median(Cost[] v, java.util.function.ToDoubleFunction<Cost> part) {
        return median(Arrays.stream(v).mapToDouble(part).toArray());
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(sb.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.1f", d));
        }
        return sb.toString();
    }
}
