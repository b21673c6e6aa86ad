package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H26xPayloadsTest {
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path tmp;

    private static String avcc(String srcHex, int lengthSize) {
        ByteBuf out = Unpooled.buffer();
        try {
            H26xPayloads.appendAvcc(ByteBuffer.wrap(HEX.parseHex(srcHex)), lengthSize, out);
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    @Test
    void rewritesShortLengthPrefixes() {
        assertEquals("00000002" + "6588" + "00000001" + "41", avcc("02" + "6588" + "01" + "41", 1));
        assertEquals("00000003" + "658899", avcc("0003" + "658899", 2));
        assertEquals("00000001" + "41", avcc("00000001" + "41", 4));
    }

    @Test
    void convertsAnnexB() {
        assertEquals("00000002" + "6742" + "00000001" + "68" + "00000002" + "6588",
                avcc("00000001" + "6742" + "000001" + "68" + "00000001" + "6588", H26xPayloads.ANNEX_B));
        assertEquals("00000001" + "41", avcc("00000001" + "41", H26xPayloads.ANNEX_B + 4));
    }

    @Test
    void rejectsTruncatedLengths() {
        assertThrows(MediaProtocolException.class, () -> avcc("05" + "6588", 1));
        assertThrows(MediaProtocolException.class, () -> avcc("00", 2));
    }

    @Test
    void annexBInputIsPassedThroughAsAvcc() throws Exception {
        Path raw = tmp.resolve("rabbit.h264");
        TestMedia.remux(TestMedia.path(TestMedia.RABBIT), raw, avutil.AVMEDIA_TYPE_VIDEO);
        byte[] original;
        try (FfmpegSource mp4 = FfmpegSource.of(TestMedia.input(TestMedia.RABBIT))) {
            original = mp4.open().get(0).codecConfig();
        }
        try (FfmpegSource source = FfmpegSource.of(raw.toString())) {
            List<TrackInfo> tracks = source.open();
            TrackInfo video = tracks.get(0);
            assertEquals(Codec.H264, video.codec());
            assertEquals(320, video.width());
            AvcDecoderConfigurationRecord fromAnnexB = AvcDecoderConfigurationRecord.parse(video.codecConfig());
            AvcDecoderConfigurationRecord fromMp4 = AvcDecoderConfigurationRecord.parse(original);
            assertArrayEquals(fromMp4.sps().get(0), fromAnnexB.sps().get(0));
            assertArrayEquals(fromMp4.pps().get(0), fromAnnexB.pps().get(0));

            source.select(Map.of(video.trackId(), Delivery.ENCODED));
            int frames = 0;
            for (MediaFrame f; (f = source.read()) != null; ) {
                EncodedFrame e = (EncodedFrame) f;
                try {
                    ByteBuf p = e.content();
                    int i = p.readerIndex();
                    while (i < p.writerIndex()) {
                        int len = p.getInt(i);
                        assertTrue(len > 0 && i + 4 + len <= p.writerIndex(), "NAL length " + len + " at " + i);
                        i += 4 + len;
                    }
                    assertEquals(p.writerIndex(), i);
                    frames++;
                } finally {
                    e.release();
                }
            }
            assertEquals(234, frames);
        }
    }
}
