package io.sluice.http.cmaf;

import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import java.util.Objects;

/**
 * One track of a CMAF presentation: the {@link TrackInfo} it was published with, its ISO BMFF track id
 * and its media timescale (ISO/IEC 14496-12 §8.4.2.3: 90 kHz for video, the sample rate for audio,
 * 48 kHz for Opus), and the conversion from core's µs to that timescale.
 *
 * <p>Conversion is done from absolute times ({@link #ticks(long)} of every timestamp, durations as
 * differences of those), so no rounding error accumulates however long the stream runs.
 */
public final class CmafTrack {
    /** Video media timescale, ticks per second. */
    public static final int VIDEO_TIMESCALE = 90_000;
    /** AAC priming assumed when the track does not say: FFmpeg's native AAC-LC encoder's {@code initial_padding}. */
    public static final int AAC_DEFAULT_PRIMING_SAMPLES = 1024;

    private final TrackInfo info;
    private final int isoTrackId;
    private final int timescale;

    /**
     * @param info       the track; H.264, H.265, AAC or Opus, not opaque, with its codec configuration
     * @param isoTrackId the {@code track_ID} in {@code tkhd}/{@code tfhd}, &ge; 1
     * @throws IllegalArgumentException if the codec cannot be carried in CMAF by this segmenter, the
     *                                  track is opaque or lacks its codec configuration
     */
    public CmafTrack(TrackInfo info, int isoTrackId) {
        this.info = Objects.requireNonNull(info, "info");
        if (isoTrackId < 1) {
            throw new IllegalArgumentException("isoTrackId: " + isoTrackId + " (expected: >= 1)");
        }
        if (!isSupported(info)) {
            throw new IllegalArgumentException("track " + info + " cannot be segmented (expected: H.264, H.265, AAC or Opus"
                    + " with its codec configuration, not opaque)");
        }
        this.isoTrackId = isoTrackId;
        this.timescale = switch (info.codec()) {
            case OPUS -> 48_000;
            case AAC -> info.sampleRate();
            default -> VIDEO_TIMESCALE;
        };
    }

    /** Whether this segmenter can carry {@code info}: H.264, H.265, AAC or Opus with a codec configuration, not opaque. */
    public static boolean isSupported(TrackInfo info) {
        Codec c = info.codec();
        boolean codecOk = c == Codec.H264 || c == Codec.H265 || c == Codec.AAC || c == Codec.OPUS;
        return codecOk && !info.isOpaque() && info.codecConfigLength() > 0;
    }

    public TrackInfo info() {
        return info;
    }

    /** ISO BMFF {@code track_ID}, &ge; 1. */
    public int isoTrackId() {
        return isoTrackId;
    }

    /** Media timescale in ticks per second. */
    public int timescale() {
        return timescale;
    }

    public boolean isVideo() {
        return info.isVideo();
    }

    /**
     * The AAC encoder's priming that the {@code edts/elst} of this track skips, in media timescale ticks (= samples):
     * what the track says ({@link TrackInfo#encoderDelaySamples()}), else 1024, the priming of FFmpeg's native AAC-LC
     * encoder (its {@code initial_padding}), which is what RTMP publishers using FFmpeg send; 0 for every other codec
     * (Opus keeps its pre-skip in {@code dOps}, RFC 7845 §4.2 / Opus in ISOBMFF §4.3.2).
     */
    public long primingTicks() {
        if (info.codec() != Codec.AAC) {
            return 0;
        }
        long samples = info.encoderDelaySamples().orElse(AAC_DEFAULT_PRIMING_SAMPLES);
        return samples * timescale / info.sampleRate();
    }

    /** {@code us} (µs, may be negative) in this track's timescale, rounded toward negative infinity. */
    public long ticks(long us) {
        return Math.floorDiv(Math.multiplyExact(us, (long) timescale), 1_000_000L);
    }

    /**
     * The RFC 6381 codec parameter for HLS {@code CODECS} and DASH {@code @codecs}, e.g. {@code avc1.42C01E},
     * {@code mp4a.40.2}, {@code opus}, {@code hvc1.1.6.L93.B0}.
     */
    public String codecsParameter() {
        byte[] c = info.codecConfig();
        return switch (info.codec()) {
            case H264 -> String.format("avc1.%02X%02X%02X", c[1] & 0xFF, c[2] & 0xFF, c[3] & 0xFF);
            case AAC -> "mp4a.40." + audioObjectType(c);
            case OPUS -> "opus";
            case H265 -> hevcCodecs(c);
            default -> throw new IllegalStateException("unreachable: " + info.codec());
        };
    }

    private static int audioObjectType(byte[] asc) {
        int aot = (asc[0] & 0xFF) >>> 3;
        if (aot == 31 && asc.length > 1) {
            aot = 32 + (((asc[0] & 0x07) << 3) | ((asc[1] & 0xFF) >>> 5));
        }
        return aot;
    }

    /** ISO/IEC 14496-15 Annex E.3 from an {@code HEVCDecoderConfigurationRecord}. */
    private static String hevcCodecs(byte[] c) {
        if (c.length < 13) {
            return "hvc1";
        }
        int profileSpace = (c[1] & 0xC0) >>> 6;
        boolean highTier = (c[1] & 0x20) != 0;
        int profileIdc = c[1] & 0x1F;
        long compat = ((c[2] & 0xFFL) << 24) | ((c[3] & 0xFFL) << 16) | ((c[4] & 0xFFL) << 8) | (c[5] & 0xFFL);
        long reversed = Long.reverse(compat) >>> 32;
        int level = c[12] & 0xFF;
        StringBuilder sb = new StringBuilder("hvc1.");
        if (profileSpace > 0) {
            sb.append((char) ('A' + profileSpace - 1));
        }
        sb.append(profileIdc).append('.').append(Long.toHexString(reversed).toUpperCase())
                .append('.').append(highTier ? 'H' : 'L').append(level);
        int last = 11;
        while (last >= 6 && c[last] == 0) {
            last--;
        }
        for (int i = 6; i <= last; i++) {
            sb.append('.').append(Integer.toHexString(c[i] & 0xFF).toUpperCase());
        }
        return sb.toString();
    }
}
