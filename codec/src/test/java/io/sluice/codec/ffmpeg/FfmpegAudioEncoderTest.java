package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class FfmpegAudioEncoderTest {
    private static final Logger log = LoggerFactory.getLogger(FfmpegAudioEncoderTest.class);
    private static final String BBB_51 = "bbb_480p_30s_h264_aac51.mp4";
    private static final String FRIDAY = "friday_640x480_6s_h264_aac.mp4";

    @TempDir
    Path tmp;

    @Test
    void aacDownmixes51ToStereo() {
        Path out = tmp.resolve("bbb-aac.mp4");
        long[] inputSamples = new long[1];
        List<Long> pts = new ArrayList<>();
        int inputRate;
        try (TestDecoder dec = TestDecoder.audio(BBB_51)) {
            TrackInfo input = dec.track(1);
            assertEquals(6, input.channels());
            inputRate = input.sampleRate();
            try (FfmpegAudioEncoder enc = new FfmpegAudioEncoder(input, AudioEncoderConfig.defaults(), 1);
                    FileTransport file = new FileTransport(out.toUri())) {
                TrackInfo track = enc.outputTrack();
                assertEquals(Codec.AAC, track.codec());
                assertEquals(2, track.channels());
                assertEquals(inputRate, track.sampleRate());
                assertTrue(track.codecConfigLength() >= 2, "AudioSpecificConfig");
                assertEquals(2, (track.codecConfig()[0] & 0xFF) >> 3, "audioObjectType 2 = AAC LC");
                assertEquals(1024, enc.frameSize());
                record(dec, enc, file, inputSamples, pts);
            }
        }
        for (int i = 0; i < pts.size(); i++) {
            long expected = Math.round((i - 1) * 1024 * 1e6 / inputRate);
            assertEquals(expected, pts.get(i), 1, "packet " + i + " starts at an exact sample position (first is priming)");
        }
        Map<String, String> probe = Ffprobe.stream(out, "a:0", "codec_name,channels,sample_rate");
        assertEquals("aac", probe.get("codec_name"), probe.toString());
        assertEquals("2", probe.get("channels"));
        assertEquals(String.valueOf(inputRate), probe.get("sample_rate"));
        long decoded = decodedSamples(out);
        log.info("AAC: {} input samples, {} decoded from the file", inputSamples[0], decoded);
        assertEquals(inputSamples[0], decoded, 1024, "sample count within one frame");
    }

    @Test
    void opusResamplesTo48kHzIntoMatroska() {
        Path out = tmp.resolve("friday-opus.mkv");
        long[] inputSamples = new long[1];
        int inputRate;
        List<Long> pts = new ArrayList<>();
        try (TestDecoder dec = TestDecoder.audio(FRIDAY)) {
            TrackInfo input = dec.track(0);
            inputRate = input.sampleRate();
            assertEquals(44_100, inputRate);
            try (FfmpegAudioEncoder enc = new FfmpegAudioEncoder(input,
                    AudioEncoderConfig.builder().codec(Codec.OPUS).bitrateBps(64_000).build(), 0);
                    FileTransport file = new FileTransport(out.toUri())) {
                TrackInfo track = enc.outputTrack();
                assertEquals(48_000, track.sampleRate());
                assertEquals(960, enc.frameSize());
                assertEquals("OpusHead", new String(track.codecConfig(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
                record(dec, enc, file, inputSamples, pts);
            }
        }
        for (int i = 1; i < pts.size(); i++) {
            assertEquals(20_000, pts.get(i) - pts.get(i - 1), "20 ms per Opus frame");
        }
        Map<String, String> probe = Ffprobe.stream(out, "a:0", "codec_name,channels,sample_rate");
        assertEquals("opus", probe.get("codec_name"), probe.toString());
        assertEquals("48000", probe.get("sample_rate"));
        assertEquals("2", probe.get("channels"));
        long expected = Math.round(inputSamples[0] * 48_000.0 / inputRate);
        long decoded = decodedSamples(out);
        log.info("Opus: {} input samples at {} Hz = {} at 48 kHz, {} decoded from the file", inputSamples[0], inputRate, expected, decoded);
        assertEquals(expected, decoded, 960, "sample count within one frame");
    }

    @Test
    void gapInInputReanchorsTheSampleCounter() {
        TrackInfo input = TrackInfo.builder(0, Codec.OTHER_AUDIO).audio(48_000, 2).build();
        List<Long> pts = new ArrayList<>();
        Random random = new Random(1);
        try (FfmpegAudioEncoder enc = new FfmpegAudioEncoder(input, AudioEncoderConfig.defaults(), 0)) {
            Consumer<EncodedFrame> sink = f -> {
                pts.add(f.ptsUs());
                f.release();
            };
            long ptsUs = 1_000_000;
            for (int i = 0; i < 50; i++, ptsUs += 10_000) { // 0.5 s in 10 ms frames
                encodeNoise(enc, 480, ptsUs, random, sink);
            }
            long resumeUs = ptsUs + 500_000; // 500 ms gap
            for (int i = 0; i < 50; i++) {
                encodeNoise(enc, 480, resumeUs + i * 10_000L, random, sink);
            }
            enc.flush(sink);
        }
        for (int i = 1; i < pts.size(); i++) {
            assertTrue(pts.get(i) > pts.get(i - 1), "increasing: " + pts);
        }
        long resumeUs = 1_000_000 + 50 * 10_000 + 500_000;
        assertTrue(pts.contains(resumeUs), "a packet starts exactly at the re-anchored position: " + pts);
        long jumps = 0;
        for (int i = 1; i < pts.size(); i++) {
            long d = pts.get(i) - pts.get(i - 1);
            if (d > 22_000) {
                jumps++;
                assertTrue(d > 400_000, "the only jump is the gap: " + d);
            } else {
                assertEquals(21_333, d, 1);
            }
        }
        assertEquals(1, jumps);
    }

    @Test
    void opusBitrateChangeReopensWithContinuousTimestamps() {
        TrackInfo input = TrackInfo.builder(0, Codec.OTHER_AUDIO).audio(48_000, 2).build();
        long[] bytes = new long[2];
        List<Long> pts = new ArrayList<>();
        Random random = new Random(2);
        try (FfmpegAudioEncoder enc = new FfmpegAudioEncoder(input,
                AudioEncoderConfig.builder().codec(Codec.OPUS).bitrateBps(128_000).build(), 0)) {
            long[] phase = {0};
            Consumer<EncodedFrame> sink = f -> {
                pts.add(f.ptsUs());
                bytes[(int) phase[0]] += f.size();
                f.release();
            };
            for (int i = 0; i < 400; i++) { // 2 s per phase in 10 ms frames
                if (i == 200) {
                    enc.setTargetBitrate(32_000);
                    phase[0] = 1;
                }
                encodeNoise(enc, 480, i * 10_000L, random, sink);
            }
            assertEquals(32_000, enc.targetBitrate());
        }
        for (int i = 1; i < pts.size(); i++) {
            assertEquals(20_000, pts.get(i) - pts.get(i - 1));
        }
        log.info("Opus: {} kbit/s at 128 kbit/s, {} kbit/s at 32 kbit/s", bytes[0] * 8 / 2000, bytes[1] * 8 / 2000);
        assertEquals(128_000, bytes[0] * 8 / 2.0, 128_000 * 0.25);
        assertEquals(32_000, bytes[1] * 8 / 2.0, 32_000 * 0.25);
    }

    @Test
    void aacBitrateChangeAppliesAtRuntime() {
        TrackInfo input = TrackInfo.builder(0, Codec.OTHER_AUDIO).audio(48_000, 2).build();
        long[] bytes = new long[2];
        Random random = new Random(3);
        try (FfmpegAudioEncoder enc = new FfmpegAudioEncoder(input,
                AudioEncoderConfig.builder().bitrateBps(192_000).build(), 0)) {
            int[] phase = {0};
            Consumer<EncodedFrame> sink = f -> {
                bytes[phase[0]] += f.size();
                f.release();
            };
            for (int i = 0; i < 400; i++) { // 2 s per phase
                if (i == 200) {
                    enc.setTargetBitrate(64_000);
                    phase[0] = 1;
                }
                encodeNoise(enc, 480, i * 10_000L, random, sink);
            }
        }
        long before = bytes[0] * 8 / 2;
        long after = bytes[1] * 8 / 2;
        log.info("AAC: {} kbit/s at 192 kbit/s, {} kbit/s at 64 kbit/s", before / 1000, after / 1000);
        assertTrue(after < before * 0.6, "AAC bitrate fell: " + before + " -> " + after);
    }

    @Test
    void unsupportedSampleRateIsRejected() {
        TrackInfo input = TrackInfo.builder(0, Codec.OTHER_AUDIO).audio(48_000, 2).build();
        EncoderException e = assertThrows(EncoderException.class,
                () -> new FfmpegAudioEncoder(input, AudioEncoderConfig.builder().sampleRate(9_000).build(), 0));
        assertTrue(e.getMessage().contains("9000"), e.getMessage());
    }

    /** Encodes the first 4 s of {@code dec} into {@code file}, counting input samples and collecting output pts. */
    private static void record(TestDecoder dec, FfmpegAudioEncoder enc, FileTransport file, long[] samples, List<Long> pts) {
        file.open(List.of(enc.outputTrack()), new RecordingFeedback());
        Consumer<EncodedFrame> sink = f -> {
            pts.add(f.ptsUs());
            file.send(f);
        };
        encode(dec, enc, 4_000_000, samples, sink);
        enc.flush(sink);
    }

    private static void encode(TestDecoder dec, FfmpegAudioEncoder enc, long untilUs, long[] samples, Consumer<EncodedFrame> sink) {
        for (AvRawFrame in = dec.next(); in != null; in = dec.next()) {
            try {
                if (in.ptsUs() >= untilUs) {
                    break;
                }
                samples[0] += in.sampleCount();
                enc.encode(in, sink);
            } finally {
                in.release();
            }
        }
    }

    /** Encodes one frame of interleaved-float stereo noise at 48 kHz. */
    private static void encodeNoise(FfmpegAudioEncoder enc, int samples, long ptsUs, Random random, Consumer<EncodedFrame> sink) {
        AVFrame f = av_frame_alloc();
        f.format(AV_SAMPLE_FMT_FLT);
        f.sample_rate(48_000);
        av_channel_layout_default(f.ch_layout(), 2);
        f.nb_samples(samples);
        if (av_frame_get_buffer(f, 0) < 0) {
            throw new IllegalStateException("av_frame_get_buffer");
        }
        FloatBuffer data = f.data(0).capacity(samples * 2 * 4L).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < samples * 2; i++) {
            data.put(i, (random.nextFloat() - 0.5f) * 0.5f);
        }
        AvRawFrame frame = new AvRawFrame(0, MediaType.AUDIO, f, ptsUs, System.nanoTime());
        try {
            enc.encode(frame, sink);
        } finally {
            frame.release();
        }
    }

    /** Samples per channel the file decodes to (encoder priming removed by the demuxer/decoder, as players do). */
    private static long decodedSamples(Path file) {
        long total = 0;
        for (String s : Ffprobe.entries(file, "a:0", "frame=nb_samples")) {
            total += Long.parseLong(s.replace(",", ""));
        }
        return total;
    }
}
