package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.av_codec_is_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.av_codec_iterate;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.javacpp.PointerPointer;

/**
 * What the FFmpeg build on the class path can encode. The LGPL build (default) has {@code libopenh264};
 * the GPL build ({@code -Pgpl}) adds {@code libx264}. Thread-safe, stateless.
 */
public final class FfmpegCodecs {
    /** FFmpeg's name of the x264 wrapper (GPL build only). */
    public static final String LIBX264 = "libx264";
    /** FFmpeg's name of the OpenH264 wrapper (both builds). */
    public static final String LIBOPENH264 = "libopenh264";

    private static final List<String> SUPPORTED_H264 = List.of(LIBX264, LIBOPENH264);

    private FfmpegCodecs() {
    }

    /**
     * The H.264 encoders {@link FfmpegVideoEncoder} supports that this FFmpeg build has, best first,
     * e.g. {@code ["libx264", "libopenh264"]} (GPL build) or {@code ["libopenh264"]} (LGPL build).
     */
    public static List<String> availableH264Encoders() {
        List<String> names = new ArrayList<>(2);
        for (String name : SUPPORTED_H264) {
            if (avcodec_find_encoder_by_name(name) != null) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    /** Every H.264 encoder in this FFmpeg build, including hardware ones Sluice does not configure (for messages). */
    public static List<String> allH264Encoders() {
        List<String> names = new ArrayList<>();
        try (PointerPointer<?> opaque = new PointerPointer<>(1)) {
            opaque.put(0, null);
            for (AVCodec c = av_codec_iterate(opaque); c != null; c = av_codec_iterate(opaque)) {
                if (c.id() == AV_CODEC_ID_H264 && av_codec_is_encoder(c) != 0) {
                    names.add(c.name().getString());
                }
            }
        }
        return names;
    }

    /** Whether FFmpeg has an encoder of this exact name (e.g. {@code "aac"}, {@code "libopus"}). */
    public static boolean hasEncoder(String ffmpegName) {
        return avcodec_find_encoder_by_name(ffmpegName) != null;
    }

    /**
     * Maps a {@link io.sluice.core.VideoEncoderConfig#encoderName()} to FFmpeg's encoder name:
     * {@code "x264"}/{@code "libx264"} → {@code "libx264"}, {@code "openh264"}/{@code "libopenh264"} →
     * {@code "libopenh264"} (case-insensitive); empty → the best available.
     *
     * @return the FFmpeg name, or empty if {@code name} is not one Sluice knows, or nothing is available
     */
    static Optional<String> resolveH264(Optional<String> name) {
        if (name.isEmpty()) {
            List<String> available = availableH264Encoders();
            return available.isEmpty() ? Optional.empty() : Optional.of(available.get(0));
        }
        String n = name.get().toLowerCase(Locale.ROOT);
        switch (n) {
            case "x264":
            case LIBX264:
                return Optional.of(LIBX264);
            case "openh264":
            case LIBOPENH264:
                return Optional.of(LIBOPENH264);
            default:
                return Optional.empty();
        }
    }
}
