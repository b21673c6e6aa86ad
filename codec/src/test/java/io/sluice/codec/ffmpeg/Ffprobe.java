package io.sluice.codec.ffmpeg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;

/** Test helper: runs the ffprobe executable shipped with the Bytedeco FFmpeg preset. */
final class Ffprobe {
    private Ffprobe() {
    }

    static String executable() {
        return Loader.load(org.bytedeco.ffmpeg.ffprobe.class);
    }

    /**
     * {@code key=value} entries of one stream, e.g. {@code stream(file, "v:0", "codec_name,width,nb_read_frames")};
     * frames are counted (decoded) when {@code nb_read_frames} is asked for.
     */
    static Map<String, String> stream(Path file, String selector, String entries) {
        List<String> cmd = new ArrayList<>(List.of(executable(), "-v", "error", "-select_streams", selector));
        if (entries.contains("nb_read_frames")) {
            cmd.add("-count_frames");
        }
        cmd.addAll(List.of("-show_entries", "stream=" + entries, "-of", "default=noprint_wrappers=1", file.toString()));
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : run(cmd).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                map.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return map;
    }

    /** One value per frame (or packet) of a stream, e.g. {@code entries(file, "v:0", "frame=pict_type")}. */
    static List<String> entries(Path file, String selector, String showEntries) {
        List<String> cmd = List.of(executable(), "-v", "error", "-select_streams", selector, "-show_entries", showEntries,
                "-of", "csv=print_section=0", file.toString());
        List<String> values = new ArrayList<>();
        for (String line : run(cmd).split("\n")) {
            if (!line.isBlank()) {
                values.add(line.trim());
            }
        }
        return values;
    }

    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("ffprobe timed out: " + cmd);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("ffprobe exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
