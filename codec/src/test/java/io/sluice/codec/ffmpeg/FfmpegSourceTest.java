package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.NalUnitType;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaType;
import io.sluice.core.RawFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FfmpegSourceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        TestMedia.BBB + ",    H264, AAC,    854, 480, 720, 48000, 6",
        TestMedia.RABBIT + ", H264, AAC,    320, 240, 234, 44100, 2",
        TestMedia.FLOWER + ", H264, AAC,    960, 540, 150, 48000, 2",
        TestMedia.FRIDAY + ", H264, AAC,    640, 480, 185, 44100, 2",
        TestMedia.TOS + ",    VP8,  VORBIS, 800, 332, 720, 44100, 2",
    })
    void decodesEveryFrameWithOneClock(String clip, Codec videoCodec, Codec audioCodec, int width, int height,
            int videoFrames, int sampleRate, int channels) throws Exception {
        try (FfmpegSource source = FfmpegSource.of(TestMedia.input(clip))) {
            List<TrackInfo> tracks = source.open();
            assertEquals(2, tracks.size(), tracks.toString());
            TrackInfo video = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
            TrackInfo audio = tracks.stream().filter(TrackInfo::isAudio).findFirst().orElseThrow();
            assertEquals(videoCodec, video.codec());
            assertEquals(width, video.width());
            assertEquals(height, video.height());
            assertTrue(video.frameRate().isPresent());
            assertEquals(audioCodec, audio.codec());
            assertEquals(sampleRate, audio.sampleRate());
            assertEquals(channels, audio.channels());
            assertFalse(source.isLive());

            source.select(Map.of(video.trackId(), Delivery.DECODED, audio.trackId(), Delivery.DECODED));
            Map<Integer, Long> lastPts = new HashMap<>();
            Map<Integer, Long> firstPts = new HashMap<>();
            int decodedVideo = 0;
            long audioSamples = 0;
            for (MediaFrame f; (f = source.read()) != null; ) {
                try {
                    RawFrame raw = (RawFrame) f;
                    Long last = lastPts.put(f.trackId(), f.ptsUs());
                    firstPts.putIfAbsent(f.trackId(), f.ptsUs());
                    if (last != null) {
                        assertTrue(f.ptsUs() > last, "track #" + f.trackId() + ": " + f.ptsUs() + "us after " + last + "us");
                    }
                    if (f.mediaType() == MediaType.VIDEO) {
                        decodedVideo++;
                        assertEquals(width, raw.width());
                        assertEquals(height, raw.height());
                    } else {
                        audioSamples += raw.sampleCount();
                        assertEquals(sampleRate, raw.sampleRate());
                    }
                } finally {
                    f.release();
                }
            }
            assertEquals(videoFrames, decodedVideo, "decoded video frames");
            assertEquals(0, source.decodeErrorCount());
            long origin = Math.min(firstPts.get(video.trackId()), firstPts.get(audio.trackId()));
            assertTrue(Math.abs(origin) <= 1_000, "earliest first pts " + origin + "us (expected: ~0)");
            double audioSeconds = (double) audioSamples / sampleRate;
            double videoSeconds = lastPts.get(video.trackId()) / 1e6;
            assertTrue(Math.abs(audioSeconds - videoSeconds) < 0.5, "audio " + audioSeconds + "s vs video " + videoSeconds + "s");
            assertNull(source.read(), "read() after the end");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({TestMedia.RABBIT + ", 234, 335", TestMedia.FLOWER + ", 150, 237"})
    void passesH264ThroughAsAvcc(String clip, int videoPackets, int audioPackets) throws Exception {
        try (FfmpegSource source = FfmpegSource.of(TestMedia.input(clip))) {
            List<TrackInfo> tracks = source.open();
            TrackInfo video = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
            TrackInfo audio = tracks.stream().filter(TrackInfo::isAudio).findFirst().orElseThrow();
            AvcDecoderConfigurationRecord avcc = AvcDecoderConfigurationRecord.parse(video.codecConfig());
            assertEquals(4, avcc.lengthSize());
            assertFalse(avcc.pps().isEmpty());
            assertEquals(2, audio.codecConfigLength(), "AudioSpecificConfig");

            source.select(Map.of(video.trackId(), Delivery.ENCODED, audio.trackId(), Delivery.ENCODED));
            int videoCount = 0;
            int audioCount = 0;
            int keyframes = 0;
            long lastDts = Long.MIN_VALUE;
            for (MediaFrame f; (f = source.read()) != null; ) {
                EncodedFrame e = (EncodedFrame) f;
                try {
                    if (e.mediaType() == MediaType.AUDIO) {
                        audioCount++;
                        assertTrue(e.isKeyframe());
                        assertEquals(Codec.AAC, e.codec());
                        continue;
                    }
                    videoCount++;
                    assertTrue(e.dtsUs() <= e.ptsUs(), e.toString());
                    assertTrue(e.dtsUs() > lastDts, "dts must increase: " + e);
                    lastDts = e.dtsUs();
                    boolean idr = walkAvcc(e.content());
                    assertEquals(idr, e.isKeyframe(), "keyframe flag vs IDR NAL unit: " + e);
                    if (e.isKeyframe()) {
                        keyframes++;
                    }
                    assertTrue(e.track() == video || e.track().equals(video));
                } finally {
                    e.release();
                }
            }
            assertEquals(videoPackets, videoCount);
            assertEquals(audioPackets, audioCount);
            assertTrue(keyframes >= 1);
        }
    }

    /** Walks 4-byte NAL unit lengths exactly to the end; returns whether an IDR slice is present. */
    private static boolean walkAvcc(ByteBuf payload) {
        int p = payload.readerIndex();
        int end = payload.writerIndex();
        boolean idr = false;
        int nals = 0;
        while (p < end) {
            if (end - p < 4) {
                fail("dangling " + (end - p) + " bytes at the end of the payload");
            }
            int len = payload.getInt(p);
            assertTrue(len > 0 && len <= end - p - 4, "NAL unit length " + len + " at " + p + " of " + end);
            int type = NalUnitType.of(payload.getByte(p + 4));
            assertFalse(payload.getByte(p + 4) == 0 && len > 2 && payload.getByte(p + 5) == 0, "start code inside AVCC");
            idr |= type == NalUnitType.IDR_SLICE;
            p += 4 + len;
            nals++;
        }
        assertEquals(end, p);
        assertTrue(nals > 0);
        return idr;
    }

    @Test
    void reportsTracksOfOneKindOnly() {
        try (FfmpegSource source = FfmpegSource.of(TestMedia.input(TestMedia.FRIDAY))) {
            List<TrackInfo> tracks = source.open();
            // friday has its audio as stream #0: track ids are stream indexes.
            assertEquals(0, tracks.get(0).trackId());
            assertTrue(tracks.get(0).isAudio());
            assertEquals(1, tracks.get(1).trackId());
            assertTrue(tracks.get(1).isVideo());
            assertTrue(tracks.get(1).hasBFrames());
            assertNotNull(tracks.get(1).description());
            assertArrayEquals(tracks.get(1).codecConfig(), tracks.get(1).codecConfig());
        }
    }
}
