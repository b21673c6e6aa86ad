package io.sluice.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable audio encoder settings. Defaults: AAC-LC, 128 kbit/s, stereo (5.1 and other layouts
 * are downmixed), the input sample rate when the codec supports it (Opus always runs at 48 kHz).
 */
public final class AudioEncoderConfig {
    private final Codec codec;
    private final long bitrateBps;
    private final int sampleRate;
    private final int channels;
    private final Map<String, String> ffmpegOptions;

    private AudioEncoderConfig(Builder b) {
        this.codec = b.codec;
        this.bitrateBps = b.bitrateBps;
        this.sampleRate = b.sampleRate;
        this.channels = b.channels;
        this.ffmpegOptions = Collections.unmodifiableMap(new LinkedHashMap<>(b.ffmpegOptions));
    }

    public static Builder builder() {
        return new Builder();
    }

    public static AudioEncoderConfig defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.codec = codec;
        b.bitrateBps = bitrateBps;
        b.sampleRate = sampleRate;
        b.channels = channels;
        b.ffmpegOptions.putAll(ffmpegOptions);
        return b;
    }

    /** Output codec; default {@link Codec#AAC}. */
    public Codec codec() {
        return codec;
    }

    /** Target bitrate in bits per second; default 128 000. */
    public long bitrateBps() {
        return bitrateBps;
    }

    /** Output sample rate in Hz; 0 (default) keeps the input's where the codec allows it. */
    public int sampleRate() {
        return sampleRate;
    }

    /** Output channels; default 2 (stereo downmix); 0 keeps the input's layout. */
    public int channels() {
        return channels;
    }

    /** Extra FFmpeg {@code AVOption}s (unstable escape hatch). */
    public Map<String, String> ffmpegOptions() {
        return ffmpegOptions;
    }

    @Override
    public String toString() {
        return "AudioEncoderConfig{" + codec + ' ' + bitrateBps / 1000 + "kb/s "
                + (sampleRate > 0 ? sampleRate + "Hz " : "") + (channels > 0 ? channels + "ch" : "input layout") + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private Codec codec = Codec.AAC;
        private long bitrateBps = 128_000;
        private int sampleRate;
        private int channels = 2;
        private final Map<String, String> ffmpegOptions = new LinkedHashMap<>();

        private Builder() {
        }

        /** @throws IllegalArgumentException if {@code codec} is not AAC or Opus */
        public Builder codec(Codec codec) {
            if (Objects.requireNonNull(codec, "codec") != Codec.AAC && codec != Codec.OPUS) {
                throw new IllegalArgumentException("codec: " + codec + " (expected: AAC or OPUS)");
            }
            this.codec = codec;
            return this;
        }

        /** @param bitrateBps bits per second, 6 000..1 000 000 */
        public Builder bitrateBps(long bitrateBps) {
            this.bitrateBps = VideoEncoderConfig.checkBitrate(bitrateBps, 6_000, 1_000_000);
            return this;
        }

        /** @param sampleRate Hz, 8 000..96 000, or 0 to keep the input's */
        public Builder sampleRate(int sampleRate) {
            if (sampleRate != 0 && (sampleRate < 8000 || sampleRate > 96000)) {
                throw new IllegalArgumentException("sampleRate: " + sampleRate + " (expected: 8000..96000, or 0)");
            }
            this.sampleRate = sampleRate;
            return this;
        }

        /** @param channels 1..8, or 0 to keep the input's layout */
        public Builder channels(int channels) {
            if (channels < 0 || channels > 8) {
                throw new IllegalArgumentException("channels: " + channels + " (expected: 0..8)");
            }
            this.channels = channels;
            return this;
        }

        public Builder ffmpegOption(String name, String value) {
            ffmpegOptions.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public AudioEncoderConfig build() {
            return new AudioEncoderConfig(this);
        }
    }
}
