package io.sluice.examples;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the CLI's human units: bitrates ({@code 2500k}, {@code 2.5M}) and durations ({@code 10s}, {@code 500ms}). */
public final class Units {
    private static final Pattern BITRATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kKmM]?)(?:bps|b/s|bit/s)?");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Units() {
    }

    /**
     * @return bits per second
     * @throws IllegalArgumentException if {@code text} is not a bitrate such as {@code 2500k}, {@code 2.5M} or {@code 800000}
     */
    public static long parseBitrate(String text) {
        Matcher m = BITRATE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a bitrate (expected e.g. 2500k, 2.5M, 800000)");
        }
        double v = Double.parseDouble(m.group(1));
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> v *= 1_000;
            case "m" -> v *= 1_000_000;
            default -> { }
        }
        return Math.round(v);
    }

    /**
     * @throws IllegalArgumentException if {@code text} is not a duration such as {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}
     *                                  (a bare number is seconds)
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected e.g. 10s, 500ms, 2m)");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> v;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> v * 1_000;
        };
        return Duration.ofMillis(Math.round(millis));
    }

    /** {@code 00:01:02.345} */
    public static String clock(long micros) {
        long ms = Math.max(0, micros / 1000);
        return String.format(Locale.ROOT, "%02d:%02d:%02d.%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    }
}
