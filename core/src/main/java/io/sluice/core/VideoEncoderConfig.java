package io.sluice.core;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable video encoder settings with live-streaming defaults: H.264, 2.5 Mbit/s, a keyframe
 * every 2 s, no B-frames, zero-latency tuning, input resolution and frame rate kept.
 */
public final class VideoEncoderConfig {
    private final Codec codec;
    private final String encoderName;
    private final long bitrateBps;
    private final Duration gop;
    private final int width;
    private final int height;
    private final Rational frameRate;
    private final String preset;
    private final int threads;
    private final Duration rateControlBuffer;
    private final Map<String, String> ffmpegOptions;

    private VideoEncoderConfig(Builder b) {
        this.codec = b.codec;
        this.encoderName = b.encoderName;
        this.bitrateBps = b.bitrateBps;
        this.gop = b.gop;
        this.width = b.width;
        this.height = b.height;
        this.frameRate = b.frameRate;
        this.preset = b.preset;
        this.threads = b.threads;
        this.rateControlBuffer = b.rateControlBuffer;
        this.ffmpegOptions = Collections.unmodifiableMap(new LinkedHashMap<>(b.ffmpegOptions));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults (see class doc). */
    public static VideoEncoderConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.codec = codec;
        b.encoderName = encoderName;
        b.bitrateBps = bitrateBps;
        b.gop = gop;
        b.width = width;
        b.height = height;
        b.frameRate = frameRate;
        b.preset = preset;
        b.threads = threads;
        b.rateControlBuffer = rateControlBuffer;
        b.ffmpegOptions.putAll(ffmpegOptions);
        return b;
    }

    /** Output codec; default {@link Codec#H264}. */
    public Codec codec() {
        return codec;
    }

    /**
     * The implementation by name ({@code "x264"}/{@code "libx264"}, {@code "openh264"}/{@code "libopenh264"});
     * empty means the best available (x264 when the GPL build is present, else OpenH264).
     */
    public Optional<String> encoderName() {
        return Optional.ofNullable(encoderName);
    }

    /** Target bitrate in bits per second; default 2 500 000. */
    public long bitrateBps() {
        return bitrateBps;
    }

    /** Keyframe interval; default 2 s. */
    public Duration gop() {
        return gop;
    }

    /** Output width in pixels; 0 keeps the input's. */
    public int width() {
        return width;
    }

    /** Output height in pixels; 0 keeps the input's. */
    public int height() {
        return height;
    }

    /** Nominal frame rate for rate control, frames per second; empty takes the input's. */
    public Optional<Rational> frameRate() {
        return Optional.ofNullable(frameRate);
    }

    /** Encoder speed preset (x264: {@code ultrafast}..{@code placebo}); default {@code veryfast}. Ignored by encoders without presets. */
    public String preset() {
        return preset;
    }

    /** Encoder threads; 0 (default) lets the encoder choose. */
    public int threads() {
        return threads;
    }

    /**
     * The rate-control buffer (x264's VBV, the HRD's coded picture buffer) as time at the bitrate, or {@code null}
     * (the default) for the encoder's choice: 1 s, except that {@link StreamPipeline} uses
     * {@link #ADAPTIVE_RATE_CONTROL_BUFFER} when it adapts the bitrate to a measured network path. The buffer bounds
     * how far one frame (a keyframe) may exceed the average and how fast the output follows a changed bitrate.
     */
    public Duration rateControlBuffer() {
        return rateControlBuffer;
    }

    /**
     * The rate-control buffer an adapting pipeline gives its encoder: 333 ms (10 frames at 30 fps). Why: libx264
     * with a 1 s buffer, raised from 0.8 to 2.5 Mbit/s, made 1.24 Mbit/s over the next second and reached 2.4 only
     * 2.5 s after; cut from 2.5 to 0.6 it made 0.98 Mbit/s 250–750 ms after. With 333 ms: 1.72 and 0.61
     * (640x480 clip, {@code FfmpegVideoEncoderTest.adaptiveBufferFollowsAChangeWithinHalfASecond}). A congestion
     * controller reads an encoder that lags a raise as application-limited, and what it makes at the old rate after
     * a cut queues at the bottleneck. The cost: a keyframe is at most about 9 average frames.
     */
    public static final Duration ADAPTIVE_RATE_CONTROL_BUFFER = Duration.ofMillis(333);

    /** Extra FFmpeg {@code AVOption}s for the encoder. Unstable escape hatch: names follow FFmpeg, not Sluice. */
    public Map<String, String> ffmpegOptions() {
        return ffmpegOptions;
    }

    @Override
    public String toString() {
        return "VideoEncoderConfig{" + codec + (encoderName != null ? " " + encoderName : "") + ' ' + bitrateBps / 1000
                + "kb/s gop=" + gop.toMillis() + "ms " + (width > 0 ? width + "x" + height : "input size")
                + " preset=" + preset + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private Codec codec = Codec.H264;
        private String encoderName;
        private long bitrateBps = 2_500_000;
        private Duration gop = Duration.ofSeconds(2);
        private int width;
        private int height;
        private Rational frameRate;
        private String preset = "veryfast";
        private int threads;
        private Duration rateControlBuffer;
        private final Map<String, String> ffmpegOptions = new LinkedHashMap<>();

        private Builder() {
        }

        /** @throws IllegalArgumentException if {@code codec} is not a video codec */
        public Builder codec(Codec codec) {
            if (Objects.requireNonNull(codec, "codec").mediaType() != MediaType.VIDEO) {
                throw new IllegalArgumentException("codec: " + codec + " (expected: a video codec)");
            }
            this.codec = codec;
            return this;
        }

        /** Encoder implementation by name, or null for the best available. */
        public Builder encoderName(String encoderName) {
            this.encoderName = encoderName == null || encoderName.isBlank() ? null : encoderName.trim();
            return this;
        }

        /** @param bitrateBps bits per second, 10 000..1 000 000 000 */
        public Builder bitrateBps(long bitrateBps) {
            this.bitrateBps = checkBitrate(bitrateBps, 10_000, 1_000_000_000);
            return this;
        }

        /** @param gop keyframe interval, 40 ms..60 s */
        public Builder gop(Duration gop) {
            Objects.requireNonNull(gop, "gop");
            if (gop.toMillis() < 40 || gop.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("gop: " + gop + " (expected: 40ms..60s)");
            }
            this.gop = gop;
            return this;
        }

        /** Output size in pixels (even, 16..8192), or 0x0 to keep the input's. */
        public Builder resolution(int width, int height) {
            boolean keep = width == 0 && height == 0;
            if (!keep && (width < 16 || height < 16 || width > 8192 || height > 8192 || width % 2 != 0 || height % 2 != 0)) {
                throw new IllegalArgumentException("resolution: " + width + "x" + height + " (expected: even, 16..8192, or 0x0)");
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /** Frame rate in frames per second (0 &lt; rate &le; 240), or null to take the input's. */
        public Builder frameRate(Rational frameRate) {
            if (frameRate != null && (frameRate.num() <= 0 || frameRate.toDouble() > 240)) {
                throw new IllegalArgumentException("frameRate: " + frameRate + " (expected: 0 < fps <= 240)");
            }
            this.frameRate = frameRate;
            return this;
        }

        public Builder preset(String preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            return this;
        }

        /** @param threads 0..64; 0 lets the encoder choose */
        public Builder threads(int threads) {
            if (threads < 0 || threads > 64) {
                throw new IllegalArgumentException("threads: " + threads + " (expected: 0..64)");
            }
            this.threads = threads;
            return this;
        }

        /**
         * @param buffer the rate-control buffer as time at the bitrate, 100 ms..10 s, or {@code null} for the default
         *               (see {@link VideoEncoderConfig#rateControlBuffer()})
         * @throws IllegalArgumentException if out of range
         */
        public Builder rateControlBuffer(Duration buffer) {
            if (buffer != null && (buffer.compareTo(Duration.ofMillis(100)) < 0 || buffer.compareTo(Duration.ofSeconds(10)) > 0)) {
                throw new IllegalArgumentException("rateControlBuffer: " + buffer + " (expected: 100 ms..10 s)");
            }
            this.rateControlBuffer = buffer;
            return this;
        }

        /** Sets one FFmpeg {@code AVOption} on the encoder (unstable escape hatch). */
        public Builder ffmpegOption(String name, String value) {
            ffmpegOptions.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public VideoEncoderConfig build() {
            return new VideoEncoderConfig(this);
        }
    }

    static long checkBitrate(long bitrateBps, long min, long max) {
        if (bitrateBps < min || bitrateBps > max) {
            throw new IllegalArgumentException("bitrate: " + bitrateBps + " bit/s (expected: " + min + ".." + max + ")");
        }
        return bitrateBps;
    }
}
