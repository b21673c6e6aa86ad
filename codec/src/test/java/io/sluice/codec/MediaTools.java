package io.sluice.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;

/**
 * Test helpers around independent FFmpeg executables: Debian's {@code ffprobe}/{@code ffmpeg}
 * (installed by .ci/install-deps.sh; a different FFmpeg than the one Sluice links) as the checker, and
 * the executable shipped in the Bytedeco FFmpeg jar for "same libraries, same encoder" comparisons.
 */
public final class MediaTools {
    private MediaTools() {
    }

    /** The shared test data folder (../shared, or -Dsluice.shared.dir). */
    public static Path shared() {
        return Path.of(System.getProperty("sluice.shared.dir", "../../shared"));
    }

    public static Path media(String name) {
        Path p = shared().resolve("media").resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test media missing: " + p.toAbsolutePath());
        }
        return p;
    }

    /** Debian's ffprobe (independent of the FFmpeg Sluice links). */
    public static String systemFfprobe() {
        return "/usr/bin/ffprobe";
    }

    /** Debian's ffmpeg. */
    public static String systemFfmpeg() {
        return "/usr/bin/ffmpeg";
    }

    /** The ffmpeg executable from the Bytedeco artifact Sluice links (same libavcodec, same x264/OpenH264). */
    public static String bytedecoFfmpeg() {
        return Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
    }

    /** Runs a command, returns stdout+stderr; fails on a non-zero exit or after {@code timeoutSeconds}. */
    public static String run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        reader.join();
        String text = new String(out[0], StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", command) + "\n" + text);
        }
        return text;
    }

    /** One stream as ffprobe sees it. */
    public record StreamInfo(int index, String codecType, String codecName, int width, int height, int channels,
                             int sampleRate, long frames, double startTime, double duration, String profile, int hasBFrames,
                             double frameRate) {
    }

    /** ffprobe -count_frames over every stream. */
    public static List<StreamInfo> probe(Path file) throws IOException, InterruptedException {
        String out = run(120, systemFfprobe(), "-v", "error", "-count_frames", "-show_entries",
                "stream=index,codec_type,codec_name,width,height,channels,sample_rate,nb_read_frames,start_time,duration,profile,has_b_frames,avg_frame_rate",
                "-of", "compact=p=0:nk=0", file.toString());
        List<StreamInfo> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.contains("codec_type=")) {
                continue;
            }
            list.add(new StreamInfo(intOf(line, "index"), strOf(line, "codec_type"), strOf(line, "codec_name"),
                    intOf(line, "width"), intOf(line, "height"), intOf(line, "channels"), intOf(line, "sample_rate"),
                    intOf(line, "nb_read_frames"), dblOf(line, "start_time"), dblOf(line, "duration"), strOf(line, "profile"),
                    intOf(line, "has_b_frames"), rationalOf(line, "avg_frame_rate")));
        }
        return list;
    }

    public static StreamInfo stream(List<StreamInfo> streams, String type) {
        return streams.stream().filter(s -> s.codecType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " stream in " + streams));
    }

    /** Average PSNR (dB, all planes) of {@code distorted} against {@code reference}, computed by Debian's ffmpeg psnr filter. */
    public static double psnr(Path distorted, Path reference) throws IOException, InterruptedException {
        String out = run(300, systemFfmpeg(), "-hide_banner", "-nostats", "-i", distorted.toString(), "-i", reference.toString(),
                "-lavfi", "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];[d][r]psnr", "-an", "-f", "null", "-");
        Matcher m = Pattern.compile("PSNR .* average:([0-9.]+|inf)").matcher(out);
        if (!m.find()) {
            throw new IOException("no PSNR in ffmpeg output:\n" + out);
        }
        return m.group(1).equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
    }

    /** SHA-256 of each packet's payload for one stream type ({@code v} or {@code a}), in file order. */
    public static List<String> packetHashes(Path file, String streamType) throws IOException, InterruptedException {
        String out = run(120, systemFfprobe(), "-v", "error", "-select_streams", streamType, "-show_data_hash", "sha256",
                "-show_entries", "packet=data_hash", "-of", "csv=p=0", file.toString());
        List<String> hashes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                hashes.add(line.trim());
            }
        }
        return hashes;
    }

    private static String strOf(String line, String key) {
        Matcher m = Pattern.compile("(?:^|\\|)" + key + "=([^|]*)").matcher(line);
        return m.find() ? m.group(1).trim() : "";
    }

    private static int intOf(String line, String key) {
        String v = strOf(line, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double rationalOf(String line, String key) {
        String[] v = strOf(line, key).split("/");
        try {
            return v.length == 2 ? Double.parseDouble(v[0]) / Double.parseDouble(v[1]) : Double.parseDouble(v[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static double dblOf(String line, String key) {
        String v = strOf(line, key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
