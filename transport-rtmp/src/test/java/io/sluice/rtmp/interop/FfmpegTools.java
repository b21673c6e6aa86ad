package io.sluice.rtmp.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The system's ffmpeg/ffprobe as independent checkers for interop tests. */
public final class FfmpegTools {
    public static final String FFMPEG = "/usr/bin/ffmpeg";
    public static final String FFPROBE = "/usr/bin/ffprobe";

    private FfmpegTools() {
    }

    /** Whether ffmpeg and ffprobe are installed. */
    public static boolean available() {
        return Files.isExecutable(Path.of(FFMPEG)) && Files.isExecutable(Path.of(FFPROBE));
    }

    /** A test media file from the shared directory ({@code sluice.shared.dir}/media/name). */
    public static Path media(String name) {
        String shared = System.getProperty("sluice.shared.dir", "../../shared");
        return Path.of(shared, "media", name).toAbsolutePath().normalize();
    }

    /**
     * Makes a copy of a clip whose video has an IDR every {@code gopFrames} frames and no B-frames, for tests that
     * copy the video into a real-time transport: a sender that dropped frames (congestion) or a receiver that lost
     * some resumes at the next IDR, which a copied clip with one IDR does not have for seconds. Runs
     * {@code ffmpeg -i source -map 0 -c:a copy -c:v libx264 -profile:v baseline -bf 0 -g N -keyint_min N
     * -sc_threshold 0 -preset veryfast out}: the same frames, frame rate and resolution, audio copied, video
     * re-encoded (Constrained Baseline) at libx264's default quality (CRF 23).
     *
     * @param gopFrames frames from one IDR to the next, 1..600
     * @return {@code out}
     * @throws IOException if ffmpeg fails or writes nothing (its output in the message)
     */
    public static Path withKeyframeEvery(Path source, int gopFrames, Path out) throws IOException, InterruptedException {
        if (gopFrames < 1 || gopFrames > 600) {
            throw new IllegalArgumentException("gopFrames: " + gopFrames + " (expected: 1..600)");
        }
        String gop = String.valueOf(gopFrames);
        Files.deleteIfExists(out);
        String log = run(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", source.toString(),
                "-map", "0", "-c:a", "copy", "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", gop,
                "-keyint_min", gop, "-sc_threshold", "0", "-preset", "veryfast", out.toString());
        if (!Files.isRegularFile(out) || Files.size(out) == 0) {
            throw new IOException("ffmpeg made no " + out + " from " + source + ": " + log);
        }
        return out;
    }

    /**
     * Starts {@code ffmpeg -i URL -c copy -f flv out}: a player that records what the server sends.
     * Stop it with {@link #stop(Process)}.
     */
    public static Process record(String url, Path out, Path log) throws IOException {
        return new ProcessBuilder(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "info", "-y",
                "-i", url, "-map", "0", "-c", "copy", "-flush_packets", "1", "-f", "flv", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Lets a recorder end on its own within {@code waitMs}, else asks it to finish with SIGTERM,
     * twice: ffmpeg blocked in a network read only aborts it on the second signal, then writes its
     * trailer.
     */
    public static void stop(Process p, long waitMs) throws InterruptedException {
        if (!p.waitFor(waitMs, TimeUnit.MILLISECONDS)) {
            p.destroy();
            if (!p.waitFor(300, TimeUnit.MILLISECONDS)) {
                p.destroy();
            }
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Runs a command, returns stdout+stderr; fails if it runs longer than 60 s. */
    public static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** One decoded frame as ffprobe reports it. */
    public record Frame(String mediaType, boolean keyframe, int width, int height, String codec) {
    }

    /**
     * Decodes every frame of a file with ffprobe ({@code -show_frames}) and returns them in decode
     * output order, plus the error lines ffprobe printed (at level error).
     */
    public static Probe probe(Path file) throws IOException, InterruptedException {
        String out = run(FFPROBE, "-v", "error", "-show_entries", "frame=media_type,key_frame,width,height:stream=index,codec_name,codec_type",
                "-of", "compact=p=0:nk=0", "-show_frames", "-show_streams", file.toString());
        List<Frame> frames = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<String> codecs = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("media_type=")) {
                String type = value(line, "media_type");
                frames.add(new Frame(type, "1".equals(value(line, "key_frame")), intValue(line, "width"), intValue(line, "height"), null));
            } else if (line.startsWith("index=")) {
                codecs.add(value(line, "codec_type") + ":" + value(line, "codec_name"));
            } else if (!line.isBlank() && !line.matches("^[a-z_:]+=.*")) {
                errors.add(line);
            }
        }
        return new Probe(frames, codecs, errors);
    }

    /** What {@link #probe} found. */
    public record Probe(List<Frame> frames, List<String> streams, List<String> errors) {
        public long count(String mediaType) {
            return frames.stream().filter(f -> f.mediaType().equals(mediaType)).count();
        }

        public Frame firstVideo() {
            return frames.stream().filter(f -> f.mediaType().equals("video")).findFirst().orElseThrow();
        }
    }

    /**
     * Decoding errors ffmpeg reports for a whole file
     * ({@code ffmpeg -v error -i file -enc_time_base:v 1:90000 -f null -}), one line each; empty if none.
     *
     * <p>The decoded video goes to the null muxer in a 1/90000 s time base. Without {@code -enc_time_base}
     * ffmpeg would use 1/frame rate (1/30 s for the test clips) and round each frame's container timestamp
     * onto that grid: Matroska and FLV store milliseconds, so 30 fps frames are 33 or 34 ms apart, and when
     * a frame lies at exactly half a tick after the file's start (the earliest stream's first timestamp,
     * often audio: 50 ms mod 100) and the next one 33 ms later, both round to the same tick ({@code 1.5 → 2},
     * {@code 2.49 → 2}) and the null muxer reports "non monotonically increasing dts" for every third
     * frame of a correct file. 1/90000 s is finer than any container's time base used here, so distinct
     * timestamps in the file stay distinct, and a file whose own video timestamps repeat or go back is
     * still reported.
     */
    public static List<String> decodeErrors(Path file) throws IOException, InterruptedException {
        String out = run(FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", file.toString(),
                "-enc_time_base:v", "1:90000", "-f", "null", "-");
        List<String> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    /**
     * The timing of a file's first video stream as ffprobe reads it (no decoding), for failure messages: the
     * file's start time, the video stream's start time, time base and frame rate, then each video packet's
     * PTS in that time base, in file order; e.g. {@code "file start 1.139000 s; video start 1.220000 s,
     * time base 1/1000, r_frame_rate 30/1, pts: 1220 1253 1287 ..."}.
     */
    public static String videoTiming(Path file) throws IOException, InterruptedException {
        String head = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
                "format=start_time:stream=start_time,time_base,r_frame_rate", "-of", "compact=p=0:nk=0", file.toString());
        String stream = "";
        String format = "";
        for (String l : head.split("\n")) {
            if (l.contains("time_base=")) {
                stream = l.trim();
            } else if (l.startsWith("start_time=")) {
                format = l.trim();
            }
        }
        String pts = videoPtsText(file).replaceAll("\\s+", " "); // as printed: a failure message shows "N/A" too
        return "file start " + value(format, "start_time") + " s; video start " + value(stream, "start_time")
                + " s, time base " + value(stream, "time_base") + ", r_frame_rate " + value(stream, "r_frame_rate")
                + ", pts: " + pts;
    }

    /**
     * Each video packet's PTS in the first video stream's time base, in file order (ffprobe, no decoding).
     *
     * @throws NumberFormatException if a packet has no PTS (ffprobe prints {@code N/A})
     */
    public static long[] videoPts(Path file) throws IOException, InterruptedException {
        String out = videoPtsText(file);
        return out.isEmpty() ? new long[0]
                : java.util.Arrays.stream(out.split("\\s+")).mapToLong(Long::parseLong).toArray();
    }

    /** ffprobe's video packet PTS, one per line, trimmed. */
    private static String videoPtsText(Path file) throws IOException, InterruptedException {
        return run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0",
                file.toString()).trim();
    }

    /** One decoded video frame: its PTS in the stream's time base, and whether the decoder found it a keyframe. */
    public record VideoFrame(long pts, boolean keyframe) {
    }

    /**
     * Decodes the first video stream ({@code ffprobe -show_frames}) and returns its frames in output order. The
     * keyframe flag is the decoder's (an H.264 IDR), not the container's.
     *
     * @throws NumberFormatException if a frame has no PTS (ffprobe prints {@code N/A})
     */
    public static List<VideoFrame> decodedVideo(Path file) throws IOException, InterruptedException {
        String out = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts,key_frame",
                "-of", "compact=p=0:nk=0", file.toString());
        List<VideoFrame> frames = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("key_frame=") || line.startsWith("pts=")) {
                frames.add(new VideoFrame(Long.parseLong(value(line, "pts")), "1".equals(value(line, "key_frame"))));
            }
        }
        return frames;
    }

    /**
     * The MD5 of each packet of the first video stream, in file order ({@code ffmpeg -map 0:v:0 -c copy -f framemd5}):
     * identifies frames copied byte for byte from one file into another.
     */
    public static List<String> videoPacketMd5s(Path file) throws IOException, InterruptedException {
        String out = run(FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", file.toString(), "-map", "0:v:0",
                "-c", "copy", "-f", "framemd5", "-");
        List<String> md5s = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(",");
            if (!line.startsWith("#") && fields.length >= 6) {
                md5s.add(fields[fields.length - 1].trim());
            }
        }
        return md5s;
    }

    /** Video packets in a file (no decoding). */
    public static long videoPackets(Path file) throws IOException, InterruptedException {
        String out = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                "stream=nb_read_packets", "-of", "csv=p=0", file.toString());
        return Long.parseLong(out.trim().split("\\s+")[0].replace(",", ""));
    }

    /** Video frames ffprobe decodes from a file ({@code -count_frames}); 0 if it finds no video stream. */
    public static int decodedVideoFrames(Path file) throws IOException, InterruptedException {
        String out = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-count_frames",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file.toString()).trim();
        return out.isEmpty() || out.equals("N/A") ? 0 : Integer.parseInt(out.split("[,\\s]")[0]);
    }

    private static String value(String line, String key) {
        for (String kv : line.split("\\|")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(key)) {
                return kv.substring(eq + 1);
            }
        }
        return "";
    }

    private static int intValue(String line, String key) {
        try {
            return Integer.parseInt(value(line, key));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
