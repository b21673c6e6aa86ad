package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegCodecs;
import io.sluice.codec.MediaTools.StreamInfo;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real clip through decode → encode → MP4 with every H.264 encoder of the FFmpeg build in use,
 * checked by an independent ffprobe (Debian's).
 */
class PipelineEncodeTest {
    @TempDir
    Path dir;

    static Stream<Arguments> clipsAndEncoders() {
        List<Arguments> args = new ArrayList<>();
        for (String clip : List.of("bbb_rabbit_320x240_8s_h264_aac.mp4", "flower_960x540_5s_h264_aac.mp4",
                "friday_640x480_6s_h264_aac.mp4", "bbb_480p_30s_h264_aac51.mp4", "tos_battle_800x332_30s_vp8_vorbis.webm")) {
            for (String encoder : FfmpegCodecs.availableH264Encoders()) {
                args.add(Arguments.of(clip, encoder));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("clipsAndEncoders")
    void encodesEveryFrameWithTheRightFormatAndTiming(String clip, String encoder) throws Exception {
        Path source = MediaTools.media(clip);
        Path out = dir.resolve(clip.replaceAll("\\.\\w+$", "") + "-" + encoder + ".mp4");
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(source.toString()))
                .video(VideoEncoderConfig.builder().encoderName(encoder).bitrateBps(1_500_000).gop(Duration.ofSeconds(2)).build())
                .transport(out.toString())
                .build()) {
            p.start();
            p.completion().get(240, TimeUnit.SECONDS);
        }
        List<StreamInfo> in = MediaTools.probe(source);
        List<StreamInfo> got = MediaTools.probe(out);
        StreamInfo vin = MediaTools.stream(in, "video");
        StreamInfo vout = MediaTools.stream(got, "video");
        StreamInfo aout = MediaTools.stream(got, "audio");
        assertEquals("h264", vout.codecName());
        assertEquals(vin.width(), vout.width());
        assertEquals(vin.height(), vout.height());
        assertEquals(vin.frames(), vout.frames(), "video frame count");
        assertEquals(0, vout.hasBFrames(), "live encoding: no B-frames");
        double frameDuration = 1 / vin.frameRate();
        // WebM has no per-stream duration: take frames x frame duration there.
        double sourceDuration = Double.isNaN(vin.duration()) ? vin.frames() * frameDuration : vin.duration();
        assertTrue(Math.abs(vout.duration() - sourceDuration) <= frameDuration + 1e-3,
                "video duration " + vout.duration() + " s vs source " + sourceDuration + " s");
        assertEquals("aac", aout.codecName());
        assertEquals(2, aout.channels(), "stereo (5.1 is downmixed)");
        double offsetIn = MediaTools.stream(in, "audio").startTime() - vin.startTime();
        double offsetOut = aout.startTime() - vout.startTime();
        assertTrue(Math.abs(offsetOut - offsetIn) < 0.040,
                "A/V start offset " + offsetOut + " s (source " + offsetIn + " s)");
    }
}
