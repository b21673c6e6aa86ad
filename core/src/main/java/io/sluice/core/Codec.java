package io.sluice.core;

/**
 * Encoded media formats Sluice moves. The payload layout of each is fixed once, here, for the
 * whole library; {@link EncodedFrame} payloads and {@link TrackInfo#codecConfig()} follow it.
 */
public enum Codec {
    /**
     * H.264 / AVC (ITU-T H.264). Payload: one access unit in <b>AVCC</b> form, every NAL unit
     * prefixed by a 4-byte big-endian length (ISO/IEC 14496-15 §5.3.4, lengthSizeMinusOne = 3),
     * no Annex B start codes. Config: {@code AVCDecoderConfigurationRecord} (ISO/IEC 14496-15 §5.3.3.1).
     */
    H264(MediaType.VIDEO, "h264"),
    /**
     * H.265 / HEVC. Payload: access unit with 4-byte NAL unit lengths (hvcC style). Config:
     * {@code HEVCDecoderConfigurationRecord} (ISO/IEC 14496-15 §8.3.3.1).
     */
    H265(MediaType.VIDEO, "hevc"),
    /** AV1. Payload: one temporal unit as low-overhead OBUs. Config: {@code AV1CodecConfigurationRecord}. */
    AV1(MediaType.VIDEO, "av1"),
    /** VP8 (RFC 6386). Payload: one frame. No config. */
    VP8(MediaType.VIDEO, "vp8"),
    /**
     * AAC (ISO/IEC 14496-3). Payload: one raw AAC frame (1024 samples for AAC-LC), no ADTS header.
     * Config: {@code AudioSpecificConfig} (ISO/IEC 14496-3 §1.6.2.1).
     */
    AAC(MediaType.AUDIO, "aac"),
    /**
     * Opus (RFC 6716). Payload: one Opus packet. Config: the {@code OpusHead} identification
     * header (RFC 7845 §5.1). Timestamps in core stay in µs; the clock rate at the RTP edge is 48 kHz.
     */
    OPUS(MediaType.AUDIO, "opus"),
    /** Vorbis; only ever a source codec (decoded, never sent). */
    VORBIS(MediaType.AUDIO, "vorbis"),
    /** Uncompressed pictures from a synthetic or app-push source; only ever a source codec (always decoded = delivered raw). */
    RAW_VIDEO(MediaType.VIDEO, "rawvideo"),
    /** Uncompressed PCM from a synthetic or app-push source; only ever a source codec. */
    RAW_AUDIO(MediaType.AUDIO, "pcm"),
    /** Any codec Sluice has no name for; only ever a source codec. */
    OTHER_VIDEO(MediaType.VIDEO, "other"),
    /** Any codec Sluice has no name for; only ever a source codec. */
    OTHER_AUDIO(MediaType.AUDIO, "other");

    private final MediaType mediaType;
    private final String ffmpegName;

    Codec(MediaType mediaType, String ffmpegName) {
        this.mediaType = mediaType;
        this.ffmpegName = ffmpegName;
    }

    /** The media type this codec carries. */
    public MediaType mediaType() {
        return mediaType;
    }

    /** FFmpeg's codec name for this format ({@code avcodec_descriptor_get_by_name}), e.g. {@code "h264"}. */
    public String ffmpegName() {
        return ffmpegName;
    }
}
