package io.sluice.core;

import java.util.Objects;

/**
 * Adaptive bitrate settings of a {@link StreamPipeline}: whether the video encoder follows the network, within
 * which bounds, and which transport governs when there are several. Immutable; build with {@link #builder()}.
 *
 * <p>Adaptation itself lives in {@code sluice-abr} (found with {@link java.util.ServiceLoader} through
 * {@link io.sluice.core.spi.RateControllerProvider}). With it on the class path adaptation is on by default and
 * acts on every transport that measures its network path (RTMP reports its TCP send-buffer drain rate, WHIP its
 * congestion controller's estimate); transports that measure nothing (files, the in-process hub) never move the
 * encoder.
 *
 * @param enabled         on or off
 * @param minBitrateBps   the lowest video target, bit/s
 * @param maxBitrateBps   the highest video target, bit/s; 0: the video encoder's configured bitrate
 * @param startBitrateBps the video target before any measurement, bit/s; 0: chosen by the rate controller (the
 *                        maximum for transports that measure nothing; lower when one measures a network path, see
 *                        {@link Builder#startBitrateBps})
 * @param governing       which transport governs when there are several
 * @param adaptResolution whether the controller may also lower (and raise again) the encoded picture size
 * @param adaptFrameRate  whether the controller may lower (and raise again) the frame rate once the picture is at
 *                        its smallest size (only reachable with a {@code minBitrateBps} below that size's range)
 *
 * <pre>{@code
 * StreamPipeline.builder()
 *         .source(MediaSources.open("clip.mp4"))
 *         .video(VideoEncoderConfig.builder().bitrateBps(4_000_000).build())     // the ceiling by default
 *         .adaptiveBitrate(AdaptiveBitrate.builder().minBitrateBps(300_000).build())
 *         .transport("rtmp://live.example.com/app/key")
 *         .build();
 * }</pre>
 */
public record AdaptiveBitrate(boolean enabled, long minBitrateBps, long maxBitrateBps, long startBitrateBps,
                              Governing governing, boolean adaptResolution, boolean adaptFrameRate) {
    private static final AdaptiveBitrate DEFAULTS = builder().build();
    private static final AdaptiveBitrate OFF = builder().enabled(false).build();

    /** Which transport's estimate sets the encoder target when a pipeline has several. */
    public enum Governing {
        /** The lowest estimate governs: every destination gets a stream it can carry (default). */
        SLOWEST,
        /** The highest estimate governs: the best-connected destination gets the quality, slower ones drop GOPs. */
        FASTEST
    }

    /**
     * Prefer {@link #builder()}.
     *
     * @throws IllegalArgumentException if a rate is out of range, min &gt; max, or start is outside min..max
     */
    public AdaptiveBitrate {
        Objects.requireNonNull(governing, "governing");
        Builder.check("minBitrateBps", minBitrateBps, false);
        Builder.check("maxBitrateBps", maxBitrateBps, true);
        Builder.check("startBitrateBps", startBitrateBps, true);
        if (maxBitrateBps != 0 && minBitrateBps > maxBitrateBps) {
            throw new IllegalArgumentException("minBitrateBps " + minBitrateBps + " > maxBitrateBps " + maxBitrateBps);
        }
        if (startBitrateBps != 0 && (startBitrateBps < minBitrateBps || maxBitrateBps != 0 && startBitrateBps > maxBitrateBps)) {
            throw new IllegalArgumentException("startBitrateBps: " + startBitrateBps + " (expected: " + minBitrateBps + ".."
                    + (maxBitrateBps == 0 ? "max" : maxBitrateBps) + ")");
        }
    }

    /** On, 150 kbit/s .. the video encoder's configured bitrate, the controller's start, slowest transport governs. */
    public static AdaptiveBitrate defaults() {
        return DEFAULTS;
    }

    /** Off: the video encoder keeps its configured bitrate whatever the transports measure. */
    public static AdaptiveBitrate off() {
        return OFF;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return builder().enabled(enabled).minBitrateBps(minBitrateBps).maxBitrateBps(maxBitrateBps)
                .startBitrateBps(startBitrateBps).governing(governing).adaptResolution(adaptResolution)
                .adaptFrameRate(adaptFrameRate);
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "AdaptiveBitrate{off}";
        }
        return "AdaptiveBitrate{" + minBitrateBps / 1000 + ".." + (maxBitrateBps == 0 ? "encoder" : maxBitrateBps / 1000 + "")
                + " kb/s, start " + (startBitrateBps == 0 ? "auto" : startBitrateBps / 1000 + " kb/s") + ", " + governing
                + (adaptResolution ? "" : ", fixed size") + (adaptFrameRate ? "" : ", fixed frame rate") + '}';
    }

    /** Builds {@link AdaptiveBitrate}; setters validate at once, {@link #build()} checks min ≤ start ≤ max. */
    public static final class Builder {
        private boolean enabled = true;
        private long minBitrateBps = 150_000;
        private long maxBitrateBps;
        private long startBitrateBps;
        private Governing governing = Governing.SLOWEST;
        private boolean adaptResolution = true;
        private boolean adaptFrameRate = true;

        private Builder() {
        }

        /** On or off; default on. */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /**
         * @param bps lowest video target in bit/s, 10 000..1 000 000 000; default 150 000
         * @throws IllegalArgumentException if out of range
         */
        public Builder minBitrateBps(long bps) {
            this.minBitrateBps = check("minBitrateBps", bps, false);
            return this;
        }

        /**
         * @param bps highest video target in bit/s, 10 000..1 000 000 000, or 0 for the video encoder's configured
         *            bitrate (default)
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxBitrateBps(long bps) {
            this.maxBitrateBps = check("maxBitrateBps", bps, true);
            return this;
        }

        /**
         * @param bps video target before the first measurement in bit/s, 10 000..1 000 000 000, or 0 (default) for
         *            the rate controller's choice: {@code sluice-abr}'s starts at the maximum when no transport
         *            measures a network path, else at the largest of 300 kbit/s (libwebrtc's default start), a
         *            quarter of the maximum and the source size's lowest bitrate, within min..max, and doubles it
         *            each second while the send queue stays empty
         * @throws IllegalArgumentException if out of range
         */
        public Builder startBitrateBps(long bps) {
            this.startBitrateBps = check("startBitrateBps", bps, true);
            return this;
        }

        /** Which transport governs when there are several; default {@link Governing#SLOWEST}. */
        public Builder governing(Governing governing) {
            this.governing = Objects.requireNonNull(governing, "governing");
            return this;
        }

        /** Whether the picture size may change with the bitrate (a keyframe at each change); default true. */
        public Builder adaptResolution(boolean adapt) {
            this.adaptResolution = adapt;
            return this;
        }

        /**
         * Whether the frame rate may step down (to 1/2, then 1/3 of the source's, not below 5 fps) once the picture
         * is at the smallest size of the ladder and the target is still below that size's range; default true.
         * Frames are dropped before the encoder (never duplicated), and each step is coded as an IDR picture.
         */
        public Builder adaptFrameRate(boolean adapt) {
            this.adaptFrameRate = adapt;
            return this;
        }

        /** @throws IllegalStateException if min &gt; max or start is outside min..max (where max and start are set) */
        public AdaptiveBitrate build() {
            try {
                return new AdaptiveBitrate(enabled, minBitrateBps, maxBitrateBps, startBitrateBps, governing, adaptResolution,
                        adaptFrameRate);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        private static long check(String name, long bps, boolean zeroAllowed) {
            if (zeroAllowed && bps == 0) {
                return 0;
            }
            if (bps < 10_000 || bps > 1_000_000_000) {
                throw new IllegalArgumentException(name + ": " + bps + " (expected: 10000..1000000000"
                        + (zeroAllowed ? ", or 0" : "") + ")");
            }
            return bps;
        }
    }
}
