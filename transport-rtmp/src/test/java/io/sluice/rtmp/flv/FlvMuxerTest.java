package io.sluice.rtmp.flv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.HexFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FlvMuxerTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    /** AVCDecoderConfigurationRecord: version 1, High profile 4.0, 4-byte lengths, one tiny SPS, one PPS. */
    private static final byte[] AVCC = hex("01 64 00 28 ff e1 0004 67640028 01 0002 68ee");
    private static final byte[] HVCC = hex("01 01 60000000 b00000000000 5d f000 fcfd f8f8 0000 0f 00");
    private static final byte[] AV1C = hex("81 08 0c 00");
    private static final byte[] ASC = hex("1210"); // AAC-LC, 44.1 kHz, stereo

    private static final TrackInfo H264 = TrackInfo.builder(0, Codec.H264).resolution(1280, 720).codecConfig(AVCC).build();
    private static final TrackInfo H265 = TrackInfo.builder(0, Codec.H265).resolution(1280, 720).codecConfig(HVCC).build();
    private static final TrackInfo AV1 = TrackInfo.builder(0, Codec.AV1).resolution(1280, 720).codecConfig(AV1C).build();
    private static final TrackInfo AAC = TrackInfo.builder(1, Codec.AAC).audio(44100, 2).codecConfig(ASC).build();

    private static String hexOf(ByteBuf b) {
        try {
            return ByteBufUtil.hexDump(b);
        } finally {
            b.release();
        }
    }

    @Test
    @DisplayName("AVC sequence header, NALU with composition time, end of sequence (FLV E.4.3.1)")
    void avcKnownBytes() {
        assertEquals("1700000000" + HexFormat.of().formatHex(AVCC), hexOf(FlvMuxer.videoSequenceHeader(H264, ALLOC)));
        EncodedFrame key = frame(H264, "00000002 6588", 2_080_000, 2_000_000, true);
        assertEquals("1701000050" + "000000026588", hexOf(FlvMuxer.videoFrame(key, ALLOC)));
        key.release();
        EncodedFrame inter = frame(H264, "00000001 41", 1_000_999, 1_000_999, false);
        assertEquals("2701000000" + "0000000141", hexOf(FlvMuxer.videoFrame(inter, ALLOC)));
        inter.release();
        assertEquals("1702000000", hexOf(FlvMuxer.videoEndOfSequence(Codec.H264, ALLOC)));
    }

    @Test
    @DisplayName("AAC sequence header and raw frame start with 0xAF (FLV E.4.2.1)")
    void aacKnownBytes() {
        assertEquals("af001210", hexOf(FlvMuxer.audioSequenceHeader(AAC, ALLOC)));
        EncodedFrame f = frame(AAC, "21 1a", 23_219, 23_219, true);
        assertEquals("af01211a", hexOf(FlvMuxer.audioFrame(f, ALLOC)));
        f.release();
        assertThrows(IllegalArgumentException.class, () -> FlvMuxer.audioSequenceHeader(H264, ALLOC));
    }

    @Test
    @DisplayName("HEVC and AV1 as Enhanced RTMP v1 FourCC tags")
    void enhancedKnownBytes() {
        assertEquals("90" + "68766331" + HexFormat.of().formatHex(HVCC), hexOf(FlvMuxer.videoSequenceHeader(H265, ALLOC)));
        EncodedFrame withCts = frame(H265, "00000001 26", 1_040_000, 1_000_000, true);
        assertEquals("91" + "68766331" + "000028" + "0000000126", hexOf(FlvMuxer.videoFrame(withCts, ALLOC)));
        withCts.release();
        EncodedFrame noCts = frame(H265, "00000001 02", 1_000_000, 1_000_000, false);
        assertEquals("a3" + "68766331" + "0000000102", hexOf(FlvMuxer.videoFrame(noCts, ALLOC)));
        noCts.release();
        assertEquals("92" + "68766331", hexOf(FlvMuxer.videoEndOfSequence(Codec.H265, ALLOC)));
        assertEquals("90" + "61763031" + "81080c00", hexOf(FlvMuxer.videoSequenceHeader(AV1, ALLOC)));
        EncodedFrame av1 = frame(AV1, "12 00 0a", 0, 0, true);
        assertEquals("91" + "61763031" + "12000a", hexOf(FlvMuxer.videoFrame(av1, ALLOC)));
        av1.release();
    }

    @Test
    @DisplayName("frame bodies share the payload: composite of header + retained slice, no copy")
    void zeroCopy() {
        EncodedFrame f = frame(H264, "00000001 65", 0, 0, true);
        ByteBuf payload = f.content();
        ByteBuf body = FlvMuxer.videoFrame(f, ALLOC);
        CompositeByteBuf composite = assertInstanceOf(CompositeByteBuf.class, body);
        assertEquals(2, composite.numComponents());
        assertEquals(2, f.content().refCnt());
        f.content().setByte(4, 0x25); // the body sees writes to the frame's memory
        assertEquals(0x25, body.getByte(5 + 4));
        assertEquals(0, f.content().readerIndex());
        assertFalse(f.release()); // the frame is done with; the body keeps the payload alive
        assertEquals(1, payload.refCnt());
        assertTrue(body.release());
        assertEquals(0, payload.refCnt());
    }

    @Test
    @DisplayName("RTMP timestamps floor µs to ms; cts = floor(pts) - floor(dts), signed 24-bit")
    void timestamps() {
        assertEquals(0, FlvMuxer.rtmpTimestampMs(999));
        assertEquals(1, FlvMuxer.rtmpTimestampMs(1000));
        assertEquals(33, FlvMuxer.rtmpTimestampMs(33_366));
        assertEquals(-1, FlvMuxer.rtmpTimestampMs(-1));
        EncodedFrame f = frame(H264, "00", 66_733, 33_366, false);
        assertEquals(66 - 33, FlvMuxer.compositionTimeOffsetMs(f));
        f.release();
        EncodedFrame negative = frame(H264, "00", 0, 40_000, false); // some encoders emit pts < dts at start
        ByteBuf body = FlvMuxer.videoFrame(negative, ALLOC);
        assertEquals("2701ffffd8", ByteBufUtil.hexDump(body, 0, 5));
        FlvVideoPacket p = FlvVideoPacket.parse(body);
        assertEquals(-40, p.compositionTimeOffsetMs());
        p.release();
        body.release();
        negative.release();
        EncodedFrame huge = frame(H264, "00", 9_000_000_000L, 0, false);
        assertThrows(IllegalArgumentException.class, () -> FlvMuxer.compositionTimeOffsetMs(huge));
        huge.release();
    }

    @Test
    @DisplayName("mux then parse: AVC, HEVC, AV1 and AAC round-trip to EncodedFrames")
    void roundTrip() {
        for (TrackInfo track : new TrackInfo[] {H264, H265, AV1}) {
            ByteBuf seq = FlvMuxer.videoSequenceHeader(track, ALLOC);
            FlvVideoPacket sp = FlvVideoPacket.parse(seq);
            assertEquals(track.codec(), sp.codec());
            assertEquals(VideoPacketType.SEQUENCE_START, sp.packetType());
            assertEquals(track.codec() != Codec.H264, sp.isEnhanced());
            assertArrayEquals(track.codecConfig(), ByteBufUtil.getBytes(sp.content()));
            sp.release();
            seq.release();

            long ctsUs = track.codec() == Codec.AV1 ? 0 : 80_000;
            EncodedFrame f = frame(track, "00000003 aabbcc", 5_000_000 + ctsUs, 5_000_000, true);
            ByteBuf body = FlvMuxer.videoFrame(f, ALLOC);
            FlvVideoPacket p = FlvVideoPacket.parse(body);
            body.release();
            assertTrue(p.isCodedFrames());
            assertTrue(p.isKeyframe());
            EncodedFrame back = p.toEncodedFrame(track, FlvMuxer.rtmpTimestampMs(f.dtsUs()));
            p.release();
            assertEquals(f.ptsUs(), back.ptsUs());
            assertEquals(f.dtsUs(), back.dtsUs());
            assertTrue(back.isKeyframe());
            assertArrayEquals(ByteBufUtil.getBytes(f.content()), ByteBufUtil.getBytes(back.content()));
            back.release();
            f.release();

            ByteBuf eos = FlvMuxer.videoEndOfSequence(track.codec(), ALLOC);
            FlvVideoPacket ep = FlvVideoPacket.parse(eos);
            assertEquals(VideoPacketType.SEQUENCE_END, ep.packetType());
            ep.release();
            eos.release();
        }
        ByteBuf seq = FlvMuxer.audioSequenceHeader(AAC, ALLOC);
        FlvAudioPacket ap = FlvAudioPacket.parse(seq);
        assertTrue(ap.isSequenceHeader());
        assertArrayEquals(ASC, ByteBufUtil.getBytes(ap.content()));
        ap.release();
        seq.release();
        EncodedFrame af = frame(AAC, "0102", 46_000, 46_000, true);
        ByteBuf body = FlvMuxer.audioFrame(af, ALLOC);
        FlvAudioPacket rp = FlvAudioPacket.parse(body);
        body.release();
        assertFalse(rp.isSequenceHeader());
        EncodedFrame back = rp.toEncodedFrame(AAC, 46);
        rp.release();
        assertEquals(46_000, back.ptsUs());
        assertArrayEquals(hex("0102"), ByteBufUtil.getBytes(back.content()));
        back.release();
        af.release();
    }

    @Test
    @DisplayName("Opus as Enhanced RTMP v2 audio: ExHeader 0x90|AudioPacketType, FourCC 'Opus', OpusHead / packet")
    void opusKnownBytesAndRoundTrip() {
        String opusHead = "4f707573486561640102380180bb0000000000"; // 19 bytes, RFC 7845 §5.1
        TrackInfo opus = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).codecConfig(hex(opusHead)).build();
        assertEquals("90" + "4f707573" + opusHead, hexOf(FlvMuxer.audioSequenceHeader(opus, ALLOC)));
        TrackInfo noHead = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 1).build();
        assertEquals("90" + "4f707573" + "4f7075734865616401" + "01" + "0000" + "80bb0000" + "0000" + "00",
                hexOf(FlvMuxer.audioSequenceHeader(noHead, ALLOC)), "default OpusHead: mono, 48 kHz, family 0");
        EncodedFrame f = frame(opus, "fc ff fe", 20_000, 20_000, true);
        ByteBuf body = FlvMuxer.audioFrame(f, ALLOC);
        f.release();
        assertEquals("91" + "4f707573" + "fcfffe", ByteBufUtil.hexDump(body));

        FlvAudioPacket seq = parseAudio("90 4f707573" + opusHead);
        assertEquals(Codec.OPUS, seq.codec());
        assertTrue(seq.isSequenceHeader());
        assertArrayEquals(hex(opusHead), ByteBufUtil.getBytes(seq.content()));
        seq.release();
        FlvAudioPacket coded = FlvAudioPacket.parse(body);
        body.release();
        assertEquals(Codec.OPUS, coded.codec());
        assertFalse(coded.isSequenceHeader());
        EncodedFrame back = coded.toEncodedFrame(opus, 20);
        coded.release();
        assertArrayEquals(hex("fcfffe"), ByteBufUtil.getBytes(back.content()));
        assertEquals(20_000, back.ptsUs());
        back.release();

        FlvAudioPacket flac = parseAudio("91 664c6143 00"); // another FourCC: not relayed
        assertEquals(Codec.OTHER_AUDIO, flac.codec());
        flac.release();
        FlvAudioPacket end = parseAudio("92 4f707573"); // SequenceEnd
        assertEquals(Codec.OTHER_AUDIO, end.codec());
        end.release();
        assertEquals("FLV enhanced audio tag: length: 3 (expected: >= 5)",
                assertThrows(RtmpProtocolException.class, () -> parseAudio("91 4f70")).getMessage());
    }

    @Test
    void parsesOtherCodecsAndRejectsTruncatedTags() {
        FlvAudioPacket mp3 = parseAudio("2f ffee");
        assertEquals(Codec.OTHER_AUDIO, mp3.codec());
        assertEquals(2, mp3.soundFormat());
        mp3.release();
        FlvVideoPacket vp6 = parseVideo("14 0102");
        assertEquals(Codec.OTHER_VIDEO, vp6.codec());
        vp6.release();
        FlvVideoPacket vp9 = parseVideo("91 76703039 00");
        assertEquals(Codec.OTHER_VIDEO, vp9.codec());
        assertEquals(1, vp9.content().readableBytes());
        vp9.release();

        assertThrows(RtmpProtocolException.class, () -> parseVideo(""));
        assertThrows(RtmpProtocolException.class, () -> parseVideo("17 01 00"));
        assertThrows(RtmpProtocolException.class, () -> parseVideo("17 05 000000"));
        assertThrows(RtmpProtocolException.class, () -> parseVideo("91 6876"));
        assertThrows(RtmpProtocolException.class, () -> parseVideo("91 68766331 00"));
        assertEquals("FLV enhanced video tag: VideoPacketType: 6 (expected: 0..5)",
                assertThrows(RtmpProtocolException.class, () -> parseVideo("96 68766331")).getMessage());
        assertThrows(RtmpProtocolException.class, () -> parseAudio(""));
        assertThrows(RtmpProtocolException.class, () -> parseAudio("af"));
        assertThrows(RtmpProtocolException.class, () -> parseAudio("af 02"));
    }

    private static FlvVideoPacket parseVideo(String h) {
        ByteBuf b = Unpooled.wrappedBuffer(hex(h));
        try {
            return FlvVideoPacket.parse(b);
        } finally {
            b.release();
        }
    }

    private static FlvAudioPacket parseAudio(String h) {
        ByteBuf b = Unpooled.wrappedBuffer(hex(h));
        try {
            return FlvAudioPacket.parse(b);
        } finally {
            b.release();
        }
    }

    private static EncodedFrame frame(TrackInfo track, String payloadHex, long ptsUs, long dtsUs, boolean key) {
        return new EncodedFrame(track, Unpooled.wrappedBuffer(hex(payloadHex)), ptsUs, dtsUs, key, 0);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }
}
