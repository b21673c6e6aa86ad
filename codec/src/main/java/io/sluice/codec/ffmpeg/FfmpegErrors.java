package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import io.sluice.core.EncoderException;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TransportException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** Turns FFmpeg return codes ({@code AVERROR}) into Sluice exceptions whose messages name the function and the code. */
final class FfmpegErrors {
    /** {@code AVERROR(EAGAIN)} on this platform. */
    static final int EAGAIN = org.bytedeco.ffmpeg.presets.avutil.AVERROR_EAGAIN();

    private FfmpegErrors() {
    }

    /** {@code av_strerror} text for {@code code}, e.g. {@code "Invalid argument"}. */
    static String describe(int code) {
        byte[] buf = new byte[128];
        if (av_strerror(code, buf, buf.length) < 0) {
            return "unknown error " + code;
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    /** {@code "fn() returned -22 (Invalid argument)"}. */
    static String returned(String function, int code) {
        return function + "() returned " + code + " (" + describe(code) + ")";
    }

    /** An {@link EncoderException} for a failed native call: {@code "fn() returned -22 (Invalid argument) for <what>"}. */
    static EncoderException encoder(String function, int code, String what) {
        return new EncoderException(function, code, returned(function, code) + " for " + what);
    }

    /** A {@link TransportException} for a failed native call on {@code uri}. */
    static TransportException transport(URI uri, String function, int code) {
        return new TransportException(uri, returned(function, code), null, function, code);
    }

    /**
     * A {@link MediaSourceException} whose message names the input, the function and its return code, e.g.
     * {@code "input '/x/missing.mp4': avformat_open_input() returned -2 (No such file or directory)"}.
     *
     * @param context extra words appended after the code (e.g. {@code "on track #1"}), or null
     */
    static MediaSourceException sourceError(String input, String function, int code, String context) {
        String message = returned(function, code) + (context == null || context.isEmpty() ? "" : " " + context);
        return new MediaSourceException(input, message, null, function, code);
    }
}
