package io.sluice.rtmp.flv;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.Objects;

/**
 * A parsed audio tag body (the payload of an RTMP audio message, type 8). {@link #content()} is
 * the codec configuration of a sequence header (AAC: AudioSpecificConfig; Opus: the OpusHead
 * identification header, RFC 7845 §5.1), or the raw frame. This holder owns its content (refCnt
 * starts at 1).
 *
 * <pre>
 * legacy:   SoundFormat UB[4] | SoundRate UB[2] | SoundSize UB[1] | SoundType UB[1] | [AACPacketType UI8 if SoundFormat = 10] | data
 * enhanced: SoundFormat UB[4] = 9 (ExHeader) | AudioPacketType UB[4] | AudioFourCc UI32 | data
 * </pre>
 *
 * <p>Enhanced RTMP v2 audio: AudioPacketType 0 = SequenceStart, 1 = CodedFrames; only the FourCC
 * {@code Opus} is mapped to a codec. Other packet types (SequenceEnd, MultichannelConfig,
 * Multitrack, ModEx) and FourCCs parse as {@link Codec#OTHER_AUDIO}, which receivers ignore.
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/video_file_format_spec_v10_1.pdf">FLV spec v10.1, E.4.2</a>
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v2">Enhanced RTMP v2, ExAudioTagHeader</a>
 */
public final class FlvAudioPacket extends DefaultByteBufHolder {
    /** SoundFormat 10: AAC. */
    public static final int SOUND_FORMAT_AAC = 10;
    /** SoundFormat 9: ExHeader (Enhanced RTMP v2): AudioPacketType and a FourCC follow. */
    public static final int SOUND_FORMAT_EX_HEADER = 9;
    /** AudioFourCc {@code 'Opus'} (0x4F707573), also the onMetaData audiocodecid of Opus streams. */
    public static final int FOURCC_OPUS = 0x4F707573;
    /** Enhanced AudioPacketType 0: SequenceStart (codec configuration). */
    public static final int PACKET_TYPE_SEQUENCE_START = 0;
    /** Enhanced AudioPacketType 1: CodedFrames. */
    public static final int PACKET_TYPE_CODED_FRAMES = 1;

    private final int soundFormat;
    private final Codec codec;
    private final boolean sequenceHeader;

    /**
     * @param soundFormat    FLV SoundFormat, 0..15
     * @param codec          {@link Codec#AAC}, {@link Codec#OPUS} or {@link Codec#OTHER_AUDIO}
     * @param sequenceHeader whether the content is a codec configuration (AACPacketType 0, or SequenceStart)
     * @param data           the content; ownership passes to this packet
     */
    public FlvAudioPacket(int soundFormat, Codec codec, boolean sequenceHeader, ByteBuf data) {
        super(data);
        this.soundFormat = soundFormat;
        this.codec = Objects.requireNonNull(codec, "codec");
        this.sequenceHeader = sequenceHeader;
    }

    /**
     * Parses an audio tag body.
     *
     * @param body the RTMP audio message payload; borrowed (not released, reader index unchanged)
     * @return a packet holding a retained slice of {@code body}; owned by the caller
     * @throws RtmpProtocolException if the body is empty, an AAC body lacks its AACPacketType, or that is not 0
     *                               or 1, or an enhanced body is shorter than its 5-byte header
     */
    public static FlvAudioPacket parse(ByteBuf body) {
        int start = body.readerIndex();
        int len = body.readableBytes();
        if (len < 1) {
            throw new RtmpProtocolException("FLV audio tag: empty body");
        }
        int first = body.getUnsignedByte(start);
        int soundFormat = first >>> 4;
        if (soundFormat == SOUND_FORMAT_EX_HEADER) {
            if (len < 5) {
                throw new RtmpProtocolException("FLV enhanced audio tag: length: " + len + " (expected: >= 5)");
            }
            int packetType = first & 0x0F;
            int fourCc = body.getInt(start + 1);
            boolean known = fourCc == FOURCC_OPUS
                    && (packetType == PACKET_TYPE_SEQUENCE_START || packetType == PACKET_TYPE_CODED_FRAMES);
            return new FlvAudioPacket(soundFormat, known ? Codec.OPUS : Codec.OTHER_AUDIO,
                    known && packetType == PACKET_TYPE_SEQUENCE_START, body.retainedSlice(start + 5, len - 5));
        }
        if (soundFormat != SOUND_FORMAT_AAC) {
            return new FlvAudioPacket(soundFormat, Codec.OTHER_AUDIO, false, body.retainedSlice(start + 1, len - 1));
        }
        if (len < 2) {
            throw new RtmpProtocolException("FLV AAC audio tag: length: 1 (expected: >= 2)");
        }
        int aacPacketType = body.getUnsignedByte(start + 1);
        if (aacPacketType > 1) {
            throw new RtmpProtocolException("FLV AAC audio tag: AACPacketType: " + aacPacketType + " (expected: 0..1)");
        }
        return new FlvAudioPacket(soundFormat, Codec.AAC, aacPacketType == 0, body.retainedSlice(start + 2, len - 2));
    }

    /** FLV SoundFormat (10 = AAC, 9 = Enhanced RTMP ExHeader). */
    public int soundFormat() {
        return soundFormat;
    }

    /** {@link Codec#AAC}, {@link Codec#OPUS} or {@link Codec#OTHER_AUDIO}. */
    public Codec codec() {
        return codec;
    }

    /** Whether {@link #content()} is a codec configuration: AudioSpecificConfig (AACPacketType 0) or OpusHead (SequenceStart). */
    public boolean isSequenceHeader() {
        return sequenceHeader;
    }

    /**
     * The raw frame as an {@link EncodedFrame} with pts = dts = {@code timestampMs} × 1000 µs.
     *
     * @param track       the track the frame belongs to
     * @param timestampMs the RTMP message timestamp, ms
     * @return a frame sharing this packet's content (retained); owned by the caller
     * @throws IllegalStateException if this is a sequence header
     */
    public EncodedFrame toEncodedFrame(TrackInfo track, long timestampMs) {
        if (sequenceHeader) {
            throw new IllegalStateException("a sequence header is not a frame");
        }
        return new EncodedFrame(track, content().retainedSlice(), timestampMs * 1000, true);
    }

    @Override
    public FlvAudioPacket replace(ByteBuf content) {
        return new FlvAudioPacket(soundFormat, codec, sequenceHeader, content);
    }

    @Override
    public FlvAudioPacket retain() {
        super.retain();
        return this;
    }

    @Override
    public FlvAudioPacket touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "FlvAudioPacket{" + codec + (sequenceHeader ? " sequence header" : "") + " len="
                + (refCnt() > 0 ? content().readableBytes() : -1) + '}';
    }
}
