package io.sluice.codec;

import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.codec.ffmpeg.PatternSource;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.MediaSource;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates {@link MediaSource}s from input strings, and checks what an opened source holds.
 *
 * <p>Inputs understood by {@link #open(String)}:
 * <ul>
 *   <li>{@code pattern}, {@code pattern:} &mdash; the synthetic {@link PatternSource} (1280x720, 30 fps, with audio);
 *       {@code pattern:1920x1080}, {@code pattern:1920x1080@60}, {@code pattern:@25},
 *       {@code pattern:640x360@30000/1001} choose size and frame rate;</li>
 *   <li>anything else &mdash; an {@link FfmpegSource}: a file path, or a URL FFmpeg reads ({@code file:},
 *       {@code http(s):}, {@code rtmp:}, {@code rtsp:}, {@code srt:}, {@code udp:}, {@code rtp:}, ...). Live URLs
 *       ({@code rtmp:}, {@code rtsp:}, {@code srt:}, {@code udp:}, {@code rtp:}) report {@link MediaSource#isLive()}.</li>
 * </ul>
 * For FFmpeg options (input format, protocol timeouts) use {@link FfmpegSource#builder(String)} directly; for frames
 * an application generates use {@link io.sluice.codec.ffmpeg.PushSource}.
 */
public final class MediaSources {
    private static final Pattern PATTERN_SPEC = Pattern.compile("(?:(\\d+)x(\\d+))?(?:@(\\d+)(?:/(\\d+))?)?");

    private MediaSources() {
    }

    /**
     * A new, not yet opened source for {@code input} (see class doc). Creating it does no I/O: errors about the
     * input itself come from {@link MediaSource#open()}.
     *
     * @throws IllegalArgumentException if {@code input} is empty, or a {@code pattern:} spec is malformed or out of range
     */
    public static MediaSource open(String input) {
        Objects.requireNonNull(input, "input");
        String trimmed = input.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("input: '' (expected: a path, a URL or pattern:[WIDTHxHEIGHT][@FPS])");
        }
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.equals("pattern") || lower.startsWith("pattern:")) {
            return pattern(trimmed.length() > 8 ? trimmed.substring(8) : "");
        }
        return FfmpegSource.of(input);
    }

    private static PatternSource pattern(String spec) {
        Matcher m = PATTERN_SPEC.matcher(spec);
        if (!m.matches()) {
            throw new IllegalArgumentException("pattern: '" + spec + "' (expected: pattern:[WIDTHxHEIGHT][@FPS], e.g. pattern:1920x1080@30)");
        }
        PatternSource.Builder b = PatternSource.builder();
        try {
            if (m.group(1) != null) {
                b.size(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            if (m.group(3) != null) {
                long num = Long.parseLong(m.group(3));
                long den = m.group(4) != null ? Long.parseLong(m.group(4)) : 1;
                if (den <= 0) {
                    throw new IllegalArgumentException("frameRate: " + num + "/" + den + " (expected: den > 0)");
                }
                b.frameRate(Rational.of(num, den));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pattern: '" + spec + "' (number out of range)", e);
        }
        return b.build();
    }

    /** The first track of {@code type}, in source order. */
    public static Optional<TrackInfo> firstTrack(List<TrackInfo> tracks, MediaType type) {
        return tracks.stream().filter(t -> t.mediaType() == type).findFirst();
    }

    /** Whether the tracks hold audio but no video (a radio stream, an .m4a): usable, if the pipeline wants it. */
    public static boolean isAudioOnly(List<TrackInfo> tracks) {
        return firstTrack(tracks, MediaType.VIDEO).isEmpty() && firstTrack(tracks, MediaType.AUDIO).isPresent();
    }

    /**
     * The first video track, for pipelines that cannot work without one.
     *
     * @param source the opened source the tracks came from (named in the message)
     * @throws MediaSourceException naming the input and listing its tracks, e.g.
     *                              {@code "input 'song.m4a': no video track (tracks: #0 AAC 44100Hz 2ch); it is audio-only"}
     */
    public static TrackInfo requireVideo(MediaSource source, List<TrackInfo> tracks) {
        return firstTrack(tracks, MediaType.VIDEO).orElseThrow(() -> new MediaSourceException(source.name(),
                "no video track (tracks: " + summary(tracks) + ")" + (isAudioOnly(tracks) ? "; it is audio-only" : "")));
    }

    /**
     * The first audio track, for pipelines that cannot work without one.
     *
     * @throws MediaSourceException naming the input and listing its tracks
     */
    public static TrackInfo requireAudio(MediaSource source, List<TrackInfo> tracks) {
        return firstTrack(tracks, MediaType.AUDIO).orElseThrow(() -> new MediaSourceException(source.name(),
                "no audio track (tracks: " + summary(tracks) + ")"));
    }

    private static String summary(List<TrackInfo> tracks) {
        if (tracks.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (TrackInfo t : tracks) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('#').append(t.trackId()).append(' ').append(t.codec());
            if (t.isVideo()) {
                sb.append(' ').append(t.width()).append('x').append(t.height());
            } else {
                sb.append(' ').append(t.sampleRate()).append("Hz ").append(t.channels()).append("ch");
            }
        }
        return sb.toString();
    }
}
