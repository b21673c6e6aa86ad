package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import io.sluice.core.MediaSourceException;
import java.nio.charset.StandardCharsets;

/** FFmpeg return codes to text and to Sluice exceptions. */
final class FfmpegErrors {
    /** {@code AV_ERROR_MAX_STRING_SIZE} is 64; a little more costs nothing. */
    private static final int MAX_ERROR_TEXT = 128;

    private FfmpegErrors() {
    }

    /** {@code av_strerror(code)}, e.g. {@code "No such file or directory"}. */
    static String text(int code) {
        byte[] buf = new byte[MAX_ERROR_TEXT];
        if (av_strerror(code, buf, buf.length) < 0) {
            return "error " + code;
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** {@code "avformat_open_input() returned -2 (No such file or directory)"}. */
    static String describe(String function, int code) {
        return function + "() returned " + code + " (" + text(code) + ")";
    }

    /**
     * A {@link MediaSourceException} whose message names the input, the function and its return code, e.g.
     * {@code "input '/x/missing.mp4': avformat_open_input() returned -2 (No such file or directory)"}.
     *
     * @param context extra words appended after the code (e.g. {@code "on track #1"}), or null
     */
    static MediaSourceException sourceError(String input, String function, int code, String context) {
        String message = describe(function, code) + (context == null || context.isEmpty() ? "" : " " + context);
        return new MediaSourceException(input, message, null, function, code);
    }
}
