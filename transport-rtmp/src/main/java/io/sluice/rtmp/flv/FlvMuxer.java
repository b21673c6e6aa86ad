package io.sluice.rtmp.flv;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;

/**
 * Maps {@link EncodedFrame}s and {@link TrackInfo} configuration records to FLV audio/video tag
 * bodies, the payloads of RTMP audio (8) and video (9) messages. Stateless and thread-safe.
 *
 * <ul>
 * <li>H.264: legacy AVC tags (FLV spec E.4.3.1): {@code 0x17 00 000000 + AVCDecoderConfigurationRecord}
 *     for the sequence header, {@code 0x17|0x27 01 cts(SI24) + AVCC access unit} for NAL units,
 *     {@code 0x17 02 000000} for end of sequence.</li>
 * <li>H.265 and AV1: Enhanced RTMP v1 tags with FourCC {@code hvc1}/{@code av01}:
 *     {@code 0x80|frameType<<4|VideoPacketType}, FourCC, then (HEVC CodedFrames only) cts SI24.
 *     HEVC frames with cts 0 use CodedFramesX, which omits it.</li>
 * <li>AAC (E.4.2.1): {@code 0xAF} (SoundFormat 10, 44 kHz, 16-bit, stereo: the spec requires these
 *     bits for AAC, the real values come from the AudioSpecificConfig), then AACPacketType 0 +
 *     AudioSpecificConfig, or 1 + raw frame.</li>
 * <li>Opus: Enhanced RTMP v2 ExAudioTagHeader: {@code 0x90|AudioPacketType}, FourCC {@code Opus},
 *     then the OpusHead (SequenceStart) or one Opus packet (CodedFrames).</li>
 * </ul>
 *
 * <p><b>Timestamps.</b> The RTMP message timestamp is the DTS in ms: {@link #rtmpTimestampMs(long)}
 * = floor(dtsUs / 1000). Every track is converted from the same µs clock by the same monotonic
 * function, so each timestamp is late by the same [0, 1) ms on audio and video: A/V skew stays
 * below 1 ms, DTS order is kept (floor never reverses it), and no error accumulates because each
 * value is converted from the absolute µs time rather than summed from deltas. The composition
 * time offset is floor(pts/1000) − floor(dts/1000), so dts + cts is exactly the floored PTS.
 *
 * <p><b>Ownership.</b> Methods returning a tag body return a new buffer owned by the caller.
 * Frame bodies are a {@link CompositeByteBuf} of a small header and a retained slice of the
 * frame's payload, without copying it: the frame is borrowed (its reference count and reader
 * index are unchanged) and may be released at once; the payload memory lives until the body is
 * released.
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/video_file_format_spec_v10_1.pdf">FLV spec v10.1, E.4.2, E.4.3</a>
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v1.pdf">Enhanced RTMP v1</a>
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v2">Enhanced RTMP v2 (audio)</a>
 */
public final class FlvMuxer {
    private static final int SOUND_AAC_44K_16BIT_STEREO = 0xAF;
    private static final int AAC_SEQUENCE_HEADER = 0;
    /** SoundFormat 9 (ExHeader) in the high nibble; the AudioPacketType goes in the low one. */
    private static final int EX_AUDIO = FlvAudioPacket.SOUND_FORMAT_EX_HEADER << 4;
    private static final int AAC_RAW = 1;
    private static final int EX_HEADER = 0x80;

    private FlvMuxer() {
    }

    /**
     * RTMP timestamp for a frame: floor(dtsUs / 1000) ms (see class doc for why floor).
     *
     * @param dtsUs decode timestamp in µs
     * @return ms
     */
    public static long rtmpTimestampMs(long dtsUs) {
        return Math.floorDiv(dtsUs, 1000);
    }

    /**
     * Composition time offset of a frame: floor(pts/1000) − floor(dts/1000), in ms.
     *
     * @throws IllegalArgumentException if it does not fit the signed 24-bit field
     */
    public static int compositionTimeOffsetMs(EncodedFrame frame) {
        long cts = rtmpTimestampMs(frame.ptsUs()) - rtmpTimestampMs(frame.dtsUs());
        if (cts < -0x800000 || cts > 0x7FFFFF) {
            throw new IllegalArgumentException("compositionTimeOffset: " + cts + " ms (expected: -8388608..8388607)");
        }
        return (int) cts;
    }

    /**
     * The video sequence header: AVC sequence header (AVCPacketType 0) for H.264, Enhanced RTMP
     * SequenceStart for H.265 ({@code hvcC}) and AV1 ({@code av1C}).
     *
     * @param track a video track whose {@link TrackInfo#codecConfig()} holds the configuration record
     * @param alloc allocator for the body
     * @return the tag body, owned by the caller
     * @throws IllegalArgumentException if the codec has no RTMP mapping or the track has no configuration record
     */
    public static ByteBuf videoSequenceHeader(TrackInfo track, ByteBufAllocator alloc) {
        byte[] config = track.codecConfig();
        if (config.length == 0) {
            throw new IllegalArgumentException("track #" + track.trackId() + " (" + track.codec() + ") has no codecConfig");
        }
        ByteBuf body = alloc.buffer(8 + config.length);
        writeVideoHeader(body, track.codec(), FlvVideoPacket.KEYFRAME, VideoPacketType.SEQUENCE_START, 0);
        return body.writeBytes(config);
    }

    /**
     * A video frame: AVC NALU (AVCPacketType 1) with its composition time offset for H.264,
     * Enhanced RTMP CodedFrames/CodedFramesX for H.265, CodedFrames for AV1. FrameType is 1 for
     * keyframes, 2 otherwise.
     *
     * @param frame the frame (AVCC/hvcC-style NAL units or AV1 OBUs); borrowed
     * @param alloc allocator for the header and composite
     * @return a composite of header + retained payload slice, owned by the caller
     * @throws IllegalArgumentException if the codec has no RTMP mapping or the composition time
     *                                  offset overflows 24 bits
     */
    public static ByteBuf videoFrame(EncodedFrame frame, ByteBufAllocator alloc) {
        Codec codec = frame.codec();
        int cts = compositionTimeOffsetMs(frame);
        VideoPacketType type = codec == Codec.H265 && cts == 0 ? VideoPacketType.CODED_FRAMES_X : VideoPacketType.CODED_FRAMES;
        if (codec == Codec.AV1 && cts != 0) {
            throw new IllegalArgumentException("AV1 frame with pts != dts cannot be sent: E-RTMP av01 has no composition time");
        }
        ByteBuf header = alloc.buffer(8);
        try {
            writeVideoHeader(header, codec, frame.isKeyframe() ? FlvVideoPacket.KEYFRAME : FlvVideoPacket.INTER_FRAME, type, cts);
        } catch (RuntimeException e) {
            header.release();
            throw e;
        }
        return compose(alloc, header, frame.content());
    }

    /**
     * The end-of-sequence tag: AVCPacketType 2 for H.264, Enhanced RTMP SequenceEnd otherwise.
     *
     * @param codec H264, H265 or AV1
     * @param alloc allocator for the body
     * @return the tag body, owned by the caller
     * @throws IllegalArgumentException if the codec has no RTMP mapping
     */
    public static ByteBuf videoEndOfSequence(Codec codec, ByteBufAllocator alloc) {
        ByteBuf body = alloc.buffer(5);
        try {
            writeVideoHeader(body, codec, FlvVideoPacket.KEYFRAME, VideoPacketType.SEQUENCE_END, 0);
            return body;
        } catch (RuntimeException e) {
            body.release();
            throw e;
        }
    }

    private static void writeVideoHeader(ByteBuf out, Codec codec, int frameType, VideoPacketType type, int cts) {
        switch (codec) {
            case H264 -> {
                out.writeByte(frameType << 4 | FlvVideoPacket.CODEC_ID_AVC);
                out.writeByte(type.value()); // AVCPacketType: 0 sequence header, 1 NALU, 2 end of sequence
                out.writeMedium(cts);
            }
            case H265, AV1 -> {
                out.writeByte(EX_HEADER | frameType << 4 | type.value());
                out.writeInt(codec == Codec.H265 ? FlvVideoPacket.FOURCC_HVC1 : FlvVideoPacket.FOURCC_AV01);
                if (codec == Codec.H265 && type == VideoPacketType.CODED_FRAMES) {
                    out.writeMedium(cts);
                }
            }
            default -> throw new IllegalArgumentException("codec: " + codec + " (expected: H264, H265 or AV1 for RTMP video)");
        }
    }

    /**
     * The audio sequence header. AAC: {@code 0xAF 0x00} + AudioSpecificConfig. Opus (Enhanced RTMP v2):
     * {@code 0x90} (ExHeader, SequenceStart) + {@code 'Opus'} + the OpusHead identification header
     * (RFC 7845 §5.1; the track's, or a default one for its channel count when it has none).
     *
     * @param track an AAC track whose {@link TrackInfo#codecConfig()} is the AudioSpecificConfig, or an Opus track
     * @param alloc allocator for the body
     * @return the tag body, owned by the caller
     * @throws IllegalArgumentException if the track is neither AAC nor Opus, or an AAC track has no AudioSpecificConfig
     */
    public static ByteBuf audioSequenceHeader(TrackInfo track, ByteBufAllocator alloc) {
        byte[] config = track.codecConfig();
        if (track.codec() == Codec.OPUS) {
            byte[] head = config.length >= 19 ? config : defaultOpusHead(track.channels());
            return alloc.buffer(5 + head.length).writeByte(EX_AUDIO | FlvAudioPacket.PACKET_TYPE_SEQUENCE_START)
                    .writeInt(FlvAudioPacket.FOURCC_OPUS).writeBytes(head);
        }
        checkAudio(track.codec());
        if (config.length == 0) {
            throw new IllegalArgumentException("track #" + track.trackId() + " (AAC) has no AudioSpecificConfig");
        }
        return alloc.buffer(2 + config.length).writeByte(SOUND_AAC_44K_16BIT_STEREO).writeByte(AAC_SEQUENCE_HEADER)
                .writeBytes(config);
    }

    /** OpusHead (RFC 7845 §5.1) for 1 or 2 channels at 48 kHz, no pre-skip, mapping family 0. */
    private static byte[] defaultOpusHead(int channels) {
        return new byte[] {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, (byte) (channels == 1 ? 1 : 2), 0, 0,
                (byte) 0x80, (byte) 0xBB, 0, 0, 0, 0, 0};
    }

    /**
     * An audio frame. AAC: {@code 0xAF 0x01} + the raw frame (no ADTS header). Opus (Enhanced RTMP v2):
     * {@code 0x91} (ExHeader, CodedFrames) + {@code 'Opus'} + one Opus packet (RFC 6716).
     *
     * @param frame an AAC or Opus frame; borrowed
     * @param alloc allocator for the header and composite
     * @return a composite of header + retained payload slice, owned by the caller
     * @throws IllegalArgumentException if the frame is neither AAC nor Opus
     */
    public static ByteBuf audioFrame(EncodedFrame frame, ByteBufAllocator alloc) {
        checkAudio(frame.codec());
        ByteBuf header = frame.codec() == Codec.OPUS
                ? alloc.buffer(5).writeByte(EX_AUDIO | FlvAudioPacket.PACKET_TYPE_CODED_FRAMES).writeInt(FlvAudioPacket.FOURCC_OPUS)
                : alloc.buffer(2).writeByte(SOUND_AAC_44K_16BIT_STEREO).writeByte(AAC_RAW);
        return compose(alloc, header, frame.content());
    }

    private static void checkAudio(Codec codec) {
        if (codec != Codec.AAC && codec != Codec.OPUS) {
            throw new IllegalArgumentException("codec: " + codec + " (expected: AAC or Opus for RTMP audio)");
        }
    }

    private static ByteBuf compose(ByteBufAllocator alloc, ByteBuf header, ByteBuf payload) {
        CompositeByteBuf body = alloc.compositeBuffer(2);
        body.addComponent(true, header);
        body.addComponent(true, payload.retainedSlice());
        return body;
    }
}
