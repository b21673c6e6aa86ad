package io.sluice.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegCodecs;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quality at 2.5 Mbit/s on the real 960x540 camera clip, against the {@code ffmpeg} executable shipped
 * in the same Bytedeco artifact (same libavcodec, same encoder, same settings). A colour-conversion or
 * scaling mistake in Sluice would cost far more than the 0.5 dB tolerance.
 */
class PipelineQualityTest {
    private static final Logger log = LoggerFactory.getLogger(PipelineQualityTest.class);
    private static final String CLIP = "flower_960x540_5s_h264_aac.mp4";

    @TempDir
    Path dir;

    static List<String> encoders() {
        return FfmpegCodecs.availableH264Encoders();
    }

    /** The ffmpeg command line that configures the encoder exactly as {@code FfmpegVideoEncoder} does. */
    static List<String> ffmpegEquivalent(String encoder, Path in, Path out) {
        List<String> cmd = new ArrayList<>(List.of(MediaTools.bytedecoFfmpeg(), "-y", "-v", "error", "-i", in.toString(), "-an",
                "-c:v", encoder, "-pix_fmt", "yuv420p", "-b:v", "2500k", "-maxrate", "2500k", "-g", "60", "-keyint_min", "60", "-bf", "0"));
        if (encoder.equals(FfmpegCodecs.LIBX264)) {
            cmd.addAll(List.of("-bufsize", "2500k", "-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "high",
                    "-forced-idr", "1", "-x264-params", "repeat-headers=1"));
        } else {
            cmd.addAll(List.of("-rc_mode", "bitrate", "-allow_skip_frames", "0"));
        }
        cmd.add(out.toString());
        return cmd;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encoders")
    void psnrAt2500kMatchesTheFfmpegExecutable(String encoder) throws Exception {
        Path source = MediaTools.media(CLIP);
        Path sluiceOut = dir.resolve("sluice-" + encoder + ".mp4");
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(source.toString()))
                .video(VideoEncoderConfig.builder().encoderName(encoder).bitrateBps(2_500_000).gop(Duration.ofSeconds(2)).build())
                .noAudio()
                .transport(sluiceOut.toString())
                .build()) {
            p.start();
            p.completion().get(120, TimeUnit.SECONDS);
        }
        Path ffmpegOut = dir.resolve("ffmpeg-" + encoder + ".mp4");
        MediaTools.run(120, ffmpegEquivalent(encoder, source, ffmpegOut).toArray(String[]::new));

        double sluice = MediaTools.psnr(sluiceOut, source);
        double ffmpeg = MediaTools.psnr(ffmpegOut, source);
        log.info("PSNR {} at 2.5 Mbit/s on {}: Sluice {} dB, ffmpeg {} dB", encoder, CLIP, sluice, ffmpeg);
        assertTrue(Math.abs(sluice - ffmpeg) <= 0.5, encoder + ": Sluice " + sluice + " dB vs ffmpeg " + ffmpeg + " dB");
        if (encoder.equals(FfmpegCodecs.LIBX264)) {
            assertTrue(sluice >= 40.0, encoder + ": PSNR " + sluice + " dB < 40 dB");
        }
    }
}
