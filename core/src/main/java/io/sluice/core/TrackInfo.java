package io.sluice.core;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Immutable description of one track: codec, its configuration record and the format parameters.
 *
 * <p>{@link #codecConfig()} holds, per {@link Codec}: H.264 the {@code AVCDecoderConfigurationRecord}
 * (ISO/IEC 14496-15 §5.3.3.1, with SPS/PPS), AAC the {@code AudioSpecificConfig}
 * (ISO/IEC 14496-3 §1.6.2.1), Opus the {@code OpusHead} (RFC 7845 §5.1). It is empty when the
 * codec has none or when the track is raw input that will be decoded.
 *
 * <p>A new {@code TrackInfo} instance (for example after a resolution change) means a new
 * configuration: transports compare {@link EncodedFrame#track()} by identity to know when to
 * resend sequence headers.
 *
 * <p>An {@linkplain #isOpaque() opaque} track carries payloads that are <em>not</em> in the codec's
 * layout: the codec says what is inside, but the bytes are end-to-end encrypted (an SFrame whole-frame
 * ciphertext, RFC 9605) and only a holder of the key can read them. Relays forward such frames and use
 * only {@link EncodedFrame#isKeyframe()} and the timestamps; they must not parse payloads or offer them to
 * decoders. An opaque video track may have no resolution ({@link #width()} and {@link #height()} 0,
 * unknown) and no {@link #codecConfig()}.
 */
public final class TrackInfo {
    private final int trackId;
    private final Codec codec;
    private final byte[] codecConfig;
    private final int width;
    private final int height;
    private final Rational frameRate;
    private final int sampleRate;
    private final int channels;
    private final long bitrateBps;
    private final boolean hasBFrames;
    private final String description;
    private final boolean opaque;
    private final int encoderDelaySamples;

    private TrackInfo(Builder b) {
        this.trackId = b.trackId;
        this.codec = b.codec;
        this.codecConfig = b.codecConfig;
        this.width = b.width;
        this.height = b.height;
        this.frameRate = b.frameRate;
        this.sampleRate = b.sampleRate;
        this.channels = b.channels;
        this.bitrateBps = b.bitrateBps;
        this.hasBFrames = b.hasBFrames;
        this.description = b.description;
        this.opaque = b.opaque;
        this.encoderDelaySamples = b.encoderDelaySamples;
    }

    /** A builder for a track of {@code codec}. */
    public static Builder builder(int trackId, Codec codec) {
        return new Builder(trackId, codec);
    }

    /** A builder preloaded with this track's values. */
    public Builder toBuilder() {
        Builder b = new Builder(trackId, codec);
        b.codecConfig = codecConfig;
        b.width = width;
        b.height = height;
        b.frameRate = frameRate;
        b.sampleRate = sampleRate;
        b.channels = channels;
        b.bitrateBps = bitrateBps;
        b.hasBFrames = hasBFrames;
        b.description = description;
        b.opaque = opaque;
        b.encoderDelaySamples = encoderDelaySamples;
        return b;
    }

    /** Track id, unique within one source or pipeline, &ge; 0. */
    public int trackId() {
        return trackId;
    }

    public Codec codec() {
        return codec;
    }

    public MediaType mediaType() {
        return codec.mediaType();
    }

    public boolean isVideo() {
        return codec.mediaType() == MediaType.VIDEO;
    }

    public boolean isAudio() {
        return codec.mediaType() == MediaType.AUDIO;
    }

    /** A copy of the codec configuration record (see class doc); empty if none. */
    public byte[] codecConfig() {
        return codecConfig.clone();
    }

    /** Length of {@link #codecConfig()} in bytes, without copying it. */
    public int codecConfigLength() {
        return codecConfig.length;
    }

    /**
     * Whether payloads are opaque (end-to-end encrypted, not in the codec's layout; see the class doc).
     * Relays forward them; decoders, repacketizers and transcoders must not read them.
     */
    public boolean isOpaque() {
        return opaque;
    }

    /** Video width in pixels; 0 for audio and for an opaque video track whose resolution is unknown. */
    public int width() {
        return width;
    }

    /** Video height in pixels; 0 for audio and for an opaque video track whose resolution is unknown. */
    public int height() {
        return height;
    }

    /** Nominal video frame rate in frames per second, if known. */
    public Optional<Rational> frameRate() {
        return Optional.ofNullable(frameRate);
    }

    /** Audio sample rate in Hz; 0 for video. */
    public int sampleRate() {
        return sampleRate;
    }

    /** Audio channel count; 0 for video. */
    public int channels() {
        return channels;
    }

    /** Nominal bitrate in bits per second; 0 when unknown. */
    public long bitrateBps() {
        return bitrateBps;
    }

    /**
     * Whether frames may arrive in decode order different from presentation order (B-frames,
     * {@code pts != dts}). Encoders Sluice configures for live use never produce them.
     */
    /**
     * The encoder's delay (priming) at the start of an audio track, in samples at {@link #sampleRate()}: the
     * decoded samples before the first one that belongs to the input (FFmpeg's {@code AVCodecContext.initial_padding};
     * AAC-LC from FFmpeg's native encoder 1024, Opus the {@code OpusHead} pre-skip). Empty when the source
     * did not say (e.g. RTMP/FLV carries no such field). Timestamps follow FFmpeg's convention: the first packet
     * starts this many samples before the first input sample.
     */
    public OptionalInt encoderDelaySamples() {
        return encoderDelaySamples < 0 ? OptionalInt.empty() : OptionalInt.of(encoderDelaySamples);
    }

    public boolean hasBFrames() {
        return hasBFrames;
    }

    /** Free text for logs, e.g. {@code "h264 High 854x480"}; never parsed. */
    public String description() {
        return description;
    }

    /**
     * One line for logs and user messages, without the codec configuration bytes, e.g.
     * {@code "#0 H264 1280x720@30.000 B-frames 2500kb/s"} or {@code "#1 AAC 48000Hz/2ch"}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder("#").append(trackId).append(' ').append(codec);
        if (opaque) {
            sb.append(" opaque");
        }
        if (isVideo()) {
            sb.append(' ').append(width).append('x').append(height);
            if (frameRate != null) {
                sb.append('@').append(String.format("%.3f", frameRate.toDouble()));
            }
            if (hasBFrames) {
                sb.append(" B-frames");
            }
        } else {
            sb.append(' ').append(sampleRate).append("Hz/").append(channels).append("ch");
        }
        if (bitrateBps > 0) {
            sb.append(' ').append(bitrateBps / 1000).append("kb/s");
        }
        return sb.toString();
    }

    /** {@link #describe()} of each track, comma-separated, in list order. */
    public static String describe(java.util.List<TrackInfo> tracks) {
        StringBuilder sb = new StringBuilder();
        for (TrackInfo t : tracks) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(t.describe());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TrackInfo{").append(describe());
        if (codecConfig.length > 0) {
            sb.append(" config=").append(HexFormat.of().formatHex(codecConfig, 0, Math.min(16, codecConfig.length)));
            if (codecConfig.length > 16) {
                sb.append('…');
            }
        }
        return sb.append('}').toString();
    }

    /** Value equality over every field (two tracks with the same parameters are equal). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TrackInfo t)) {
            return false;
        }
        return trackId == t.trackId && codec == t.codec && width == t.width && height == t.height
                && sampleRate == t.sampleRate && channels == t.channels && bitrateBps == t.bitrateBps
                && hasBFrames == t.hasBFrames && opaque == t.opaque && encoderDelaySamples == t.encoderDelaySamples
                && Objects.equals(frameRate, t.frameRate)
                && Arrays.equals(codecConfig, t.codecConfig);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trackId, codec, width, height, sampleRate, channels, opaque, Arrays.hashCode(codecConfig));
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private int trackId;
        private Codec codec;
        private byte[] codecConfig = new byte[0];
        private int width;
        private int height;
        private Rational frameRate;
        private int sampleRate;
        private int channels;
        private long bitrateBps;
        private boolean hasBFrames;
        private String description = "";
        private boolean opaque;
        private int encoderDelaySamples = -1;

        private Builder(int trackId, Codec codec) {
            trackId(trackId);
            this.codec = Objects.requireNonNull(codec, "codec");
        }

        public Builder trackId(int trackId) {
            if (trackId < 0) {
                throw new IllegalArgumentException("trackId: " + trackId + " (expected: >= 0)");
            }
            this.trackId = trackId;
            return this;
        }

        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Codec configuration record (see {@link TrackInfo}); copied. */
        public Builder codecConfig(byte[] codecConfig) {
            this.codecConfig = codecConfig == null ? new byte[0] : codecConfig.clone();
            return this;
        }

        /** Video size in pixels, each 1..16384. */
        public Builder resolution(int width, int height) {
            if (width <= 0 || width > 16384 || height <= 0 || height > 16384) {
                throw new IllegalArgumentException("resolution: " + width + "x" + height + " (expected: 1..16384 each)");
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /** Nominal frame rate in frames per second; {@code null} if unknown. */
        public Builder frameRate(Rational frameRate) {
            if (frameRate != null && frameRate.num() <= 0) {
                throw new IllegalArgumentException("frameRate: " + frameRate + " (expected: > 0)");
            }
            this.frameRate = frameRate;
            return this;
        }

        /** Audio sample rate in Hz (1..768000) and channel count (1..64). */
        public Builder audio(int sampleRate, int channels) {
            if (sampleRate <= 0 || sampleRate > 768_000) {
                throw new IllegalArgumentException("sampleRate: " + sampleRate + " (expected: 1..768000)");
            }
            if (channels <= 0 || channels > 64) {
                throw new IllegalArgumentException("channels: " + channels + " (expected: 1..64)");
            }
            this.sampleRate = sampleRate;
            this.channels = channels;
            return this;
        }

        /** Nominal bitrate in bits per second, &ge; 0 (0 = unknown). */
        public Builder bitrateBps(long bitrateBps) {
            if (bitrateBps < 0) {
                throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
            }
            this.bitrateBps = bitrateBps;
            return this;
        }

        public Builder hasBFrames(boolean hasBFrames) {
            this.hasBFrames = hasBFrames;
            return this;
        }

        public Builder description(String description) {
            this.description = description == null ? "" : description;
            return this;
        }

        /**
         * The encoder's delay (priming) in samples, 0..65535 (see {@link TrackInfo#encoderDelaySamples()});
         * default unknown.
         */
        public Builder encoderDelaySamples(int samples) {
            if (samples < 0 || samples > 65_535) {
                throw new IllegalArgumentException("encoderDelaySamples: " + samples + " (expected: 0..65535)");
            }
            this.encoderDelaySamples = samples;
            return this;
        }

        /**
         * Marks payloads as opaque (end-to-end encrypted; see {@link TrackInfo#isOpaque()}); default
         * {@code false}. An opaque video track may be built without a resolution.
         */
        public Builder opaque(boolean opaque) {
            this.opaque = opaque;
            return this;
        }

        /**
         * @throws IllegalStateException if a video track that is not opaque has no resolution, or an audio
         *                               track no sample rate
         */
        public TrackInfo build() {
            if (codec.mediaType() == MediaType.VIDEO && !opaque && (width == 0 || height == 0)) {
                throw new IllegalStateException("video track #" + trackId + " (" + codec + ") needs a resolution");
            }
            if (codec.mediaType() == MediaType.AUDIO && (sampleRate == 0 || channels == 0)) {
                throw new IllegalStateException("audio track #" + trackId + " (" + codec + ") needs sampleRate and channels");
            }
            return new TrackInfo(this);
        }
    }
}
