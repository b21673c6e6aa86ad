package io.sluice.rtmp.flv;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.Objects;

/**
 * A parsed video tag body (the payload of an RTMP video message, type 9), legacy or Enhanced
 * RTMP. {@link #content()} is the data after the tag header: the decoder configuration record
 * for {@link VideoPacketType#SEQUENCE_START}, the access unit (NAL units with 4-byte lengths for
 * AVC/HEVC, OBUs for AV1) for coded frames. This holder owns its content (refCnt starts at 1).
 *
 * <pre>
 * legacy (FLV spec E.4.3.1):  FrameType UB[4] | CodecID UB[4] = 7 (AVC) | AVCPacketType UI8 | CompositionTime SI24 | data
 * enhanced (E-RTMP v1):       IsExHeader UB[1] = 1 | FrameType UB[3] | VideoPacketType UB[4] | FourCC UI32
 *                             | [CompositionTime SI24 if CodedFrames and FourCC is hvc1/avc1] | data
 * </pre>
 *
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v1.pdf">Enhanced RTMP v1, ExVideoTagHeader</a>
 * @see <a href="https://rtmp.veriskope.com/pdf/video_file_format_spec_v10_1.pdf">FLV spec v10.1, E.4.3</a>
 */
public final class FlvVideoPacket extends DefaultByteBufHolder {
    /** FrameType 1: a keyframe (random access point). */
    public static final int KEYFRAME = 1;
    /** FrameType 2: an inter frame. */
    public static final int INTER_FRAME = 2;
    /** FrameType 3: a disposable inter frame (H.263 only). */
    public static final int DISPOSABLE_INTER_FRAME = 3;
    /** FrameType 4: a generated keyframe (server use only). */
    public static final int GENERATED_KEYFRAME = 4;
    /** FrameType 5: video info / command frame. */
    public static final int COMMAND_FRAME = 5;

    /** Legacy CodecID of AVC (FLV spec E.4.3.1). */
    public static final int CODEC_ID_AVC = 7;
    /** FourCC {@code 'avc1'}. */
    public static final int FOURCC_AVC1 = 0x61766331;
    /** FourCC {@code 'hvc1'}. */
    public static final int FOURCC_HVC1 = 0x68766331;
    /** FourCC {@code 'av01'}. */
    public static final int FOURCC_AV01 = 0x61763031;
    /** FourCC {@code 'vp09'}. */
    public static final int FOURCC_VP09 = 0x76703039;

    private final int frameType;
    private final Codec codec;
    private final VideoPacketType packetType;
    private final boolean enhanced;
    private final int compositionTimeOffsetMs;

    /**
     * @param frameType               FLV FrameType, 1..7
     * @param codec                   the codec; {@link Codec#OTHER_VIDEO} for codecs Sluice has no name for
     * @param packetType              what the content is
     * @param enhanced                whether the tag used the Enhanced RTMP header
     * @param compositionTimeOffsetMs pts − dts in ms (signed 24-bit); 0 where the tag has none
     * @param data                    content after the tag header; ownership passes to this packet
     */
    public FlvVideoPacket(int frameType, Codec codec, VideoPacketType packetType, boolean enhanced,
                          int compositionTimeOffsetMs, ByteBuf data) {
        super(data);
        this.frameType = frameType;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.packetType = Objects.requireNonNull(packetType, "packetType");
        this.enhanced = enhanced;
        this.compositionTimeOffsetMs = compositionTimeOffsetMs;
    }

    /**
     * Parses a video tag body.
     *
     * @param body the RTMP video message payload; borrowed (not released, reader index unchanged)
     * @return a packet holding a retained slice of {@code body}; owned by the caller
     * @throws RtmpProtocolException if the body is empty or truncated, or uses an Enhanced RTMP
     *                               packet type this version does not know (6 and above)
     */
    public static FlvVideoPacket parse(ByteBuf body) {
        int start = body.readerIndex();
        int len = body.readableBytes();
        if (len < 1) {
            throw new RtmpProtocolException("FLV video tag: empty body");
        }
        int b0 = body.getUnsignedByte(start);
        if ((b0 & 0x80) == 0) {
            int frameType = b0 >>> 4;
            if ((b0 & 0x0F) != CODEC_ID_AVC) {
                return new FlvVideoPacket(frameType, Codec.OTHER_VIDEO, VideoPacketType.CODED_FRAMES, false, 0,
                        body.retainedSlice(start + 1, len - 1));
            }
            if (len < 5) {
                throw new RtmpProtocolException("FLV AVC video tag: length: " + len + " (expected: >= 5)");
            }
            int avcPacketType = body.getUnsignedByte(start + 1);
            if (avcPacketType > 2) {
                throw new RtmpProtocolException("FLV AVC video tag: AVCPacketType: " + avcPacketType + " (expected: 0..2)");
            }
            int cts = avcPacketType == 1 ? body.getMedium(start + 2) : 0;
            return new FlvVideoPacket(frameType, Codec.H264, VideoPacketType.of(avcPacketType), false, cts,
                    body.retainedSlice(start + 5, len - 5));
        }
        int frameType = (b0 >>> 4) & 0x07;
        VideoPacketType type = VideoPacketType.of(b0 & 0x0F);
        if (type == null) {
            throw new RtmpProtocolException("FLV enhanced video tag: VideoPacketType: " + (b0 & 0x0F) + " (expected: 0..5)");
        }
        if (len < 5) {
            throw new RtmpProtocolException("FLV enhanced video tag: length: " + len + " (expected: >= 5)");
        }
        int fourCc = body.getInt(start + 1);
        Codec codec = switch (fourCc) {
            case FOURCC_AVC1 -> Codec.H264;
            case FOURCC_HVC1 -> Codec.H265;
            case FOURCC_AV01 -> Codec.AV1;
            default -> Codec.OTHER_VIDEO;
        };
        int offset = 5;
        int cts = 0;
        if (type == VideoPacketType.CODED_FRAMES && (codec == Codec.H264 || codec == Codec.H265)) {
            if (len < 8) {
                throw new RtmpProtocolException("FLV enhanced video tag: length: " + len + " (expected: >= 8 with CompositionTime)");
            }
            cts = body.getMedium(start + 5);
            offset = 8;
        }
        return new FlvVideoPacket(frameType, codec, type, true, cts, body.retainedSlice(start + offset, len - offset));
    }

    /** FLV FrameType (see the constants). */
    public int frameType() {
        return frameType;
    }

    /** Whether this is a keyframe (FrameType 1, or 4 generated by a server). */
    public boolean isKeyframe() {
        return frameType == KEYFRAME || frameType == GENERATED_KEYFRAME;
    }

    /** The codec. */
    public Codec codec() {
        return codec;
    }

    /** What {@link #content()} carries. */
    public VideoPacketType packetType() {
        return packetType;
    }

    /** Whether this holds coded frames ({@link VideoPacketType#CODED_FRAMES} or {@link VideoPacketType#CODED_FRAMES_X}). */
    public boolean isCodedFrames() {
        return packetType == VideoPacketType.CODED_FRAMES || packetType == VideoPacketType.CODED_FRAMES_X;
    }

    /** Whether the tag used the Enhanced RTMP (FourCC) header. */
    public boolean isEnhanced() {
        return enhanced;
    }

    /** Composition time offset pts − dts in ms, signed 24-bit; 0 for types without one. */
    public int compositionTimeOffsetMs() {
        return compositionTimeOffsetMs;
    }

    /**
     * The coded frames as an {@link EncodedFrame}: dts = {@code timestampMs} × 1000 µs, pts = dts +
     * composition time offset.
     *
     * @param track       the track the frame belongs to
     * @param timestampMs the RTMP message timestamp (ms), which is the DTS
     * @return a frame sharing this packet's content (retained); owned by the caller. This packet
     *         is untouched and must still be released.
     * @throws IllegalStateException if this is not {@linkplain #isCodedFrames() coded frames}
     */
    public EncodedFrame toEncodedFrame(TrackInfo track, long timestampMs) {
        if (!isCodedFrames()) {
            throw new IllegalStateException("not coded frames: " + packetType);
        }
        long dtsUs = timestampMs * 1000;
        return new EncodedFrame(track, content().retainedSlice(), dtsUs + compositionTimeOffsetMs * 1000L, dtsUs,
                isKeyframe(), 0);
    }

    @Override
    public FlvVideoPacket replace(ByteBuf content) {
        return new FlvVideoPacket(frameType, codec, packetType, enhanced, compositionTimeOffsetMs, content);
    }

    @Override
    public FlvVideoPacket retain() {
        super.retain();
        return this;
    }

    @Override
    public FlvVideoPacket touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "FlvVideoPacket{" + codec + ' ' + packetType + (enhanced ? " enhanced" : "") + " frameType=" + frameType
                + " cts=" + compositionTimeOffsetMs + "ms len=" + (refCnt() > 0 ? content().readableBytes() : -1) + '}';
    }
}
