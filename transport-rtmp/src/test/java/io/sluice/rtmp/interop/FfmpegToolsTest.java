package io.sluice.rtmp.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FfmpegTools#decodeErrors} on Matroska files made from the 30 fps test clip by ffmpeg itself (stream
 * copy, then {@code setts} to place the video): it reports what is wrong with a file, not ffmpeg's rounding of
 * correct millisecond timestamps onto a 1/30 s grid.
 */
@Tag("interop")
class FfmpegToolsTest {
    /** 320x240, 234 video frames at 30 fps, AAC audio starting with the video at 0. */
    static final String CLIP = "bbb_rabbit_320x240_8s_h264_aac.mp4";

    @TempDir
    Path dir;
    private Path mkv;

    @BeforeEach
    void remux() throws Exception {
        assertTrue(FfmpegTools.available(), "needs ffmpeg and ffprobe (.ci/install-deps.sh)");
        mkv = dir.resolve("clip.mkv"); // millisecond timestamps: 0, 33, 67, 100, ...
        ffmpeg("-i", FfmpegTools.media(CLIP).toString(), "-c", "copy", mkv.toString());
    }

    /** Copies {@link #mkv} with the video timestamps rewritten by a {@code setts} expression (ms). */
    private Path withVideoTimestamps(String name, String pts, String dts) throws Exception {
        Path out = dir.resolve(name);
        ffmpeg("-i", mkv.toString(), "-map", "0", "-c", "copy", "-bsf:v", "setts=pts=" + pts + ":dts=" + dts, out.toString());
        return out;
    }

    private static void ffmpeg(String... args) throws Exception {
        String[] cmd = new String[args.length + 6];
        cmd[0] = FfmpegTools.FFMPEG;
        cmd[1] = "-hide_banner";
        cmd[2] = "-nostdin";
        cmd[3] = "-v";
        cmd[4] = "error";
        cmd[5] = "-y";
        System.arraycopy(args, 0, cmd, 6, args.length);
        String out = FfmpegTools.run(cmd);
        assertTrue(out.isBlank(), String.join(" ", cmd) + ": " + out);
    }

    /**
     * Video 50 ms after the audio: frame 0 lies at 1.5 ticks of 1/30 s after the file's start and frame 1,
     * 33 ms later, at 2.49; rounded onto that grid both are tick 2 (and so on every third frame). This is
     * the recording {@code SframeWebRtcRelayTest} once got through WHIP (same 78 complaints, "2 >= 2" to
     * "233 >= 233"), where the offset between the first audio and video frame depends on their arrival.
     */
    @Test
    void correctMillisecondTimestampsHalfATickAfterTheStartAreNoError() throws Exception {
        Path late = withVideoTimestamps("late.mkv", "PTS+50", "DTS+50");
        long[] pts = FfmpegTools.videoPts(late);
        assertEquals(234, pts.length);
        assertEquals(50, pts[0]);
        for (int i = 1; i < pts.length; i++) {
            long step = pts[i] - pts[i - 1];
            assertTrue(step == 33 || step == 34, "frame " + i + ": " + pts[i - 1] + " -> " + pts[i]);
        }
        assertEquals(List.of(), FfmpegTools.decodeErrors(late), FfmpegTools.videoTiming(late));
        assertTrue(FfmpegTools.videoTiming(late).startsWith(
                "file start 0.000000 s; video start 0.050000 s, time base 1/1000, r_frame_rate 30/1, pts: 50 83 117 150 "),
                FfmpegTools.videoTiming(late));
    }

    /** A file whose own video timestamps repeat is still reported. */
    @Test
    void aRepeatedVideoTimestampIsReported() throws Exception {
        Path repeated = withVideoTimestamps("repeated.mkv", "if(eq(N\\,10)\\,PREV_INPTS\\,PTS)", "if(eq(N\\,10)\\,PREV_INDTS\\,DTS)");
        long[] pts = FfmpegTools.videoPts(repeated);
        assertEquals(pts[9], pts[10], "frame 10 has frame 9's timestamp");
        List<String> errors = FfmpegTools.decodeErrors(repeated);
        assertEquals(1, errors.size(), "errors: " + errors);
        assertTrue(errors.get(0).contains("non monotonically increasing dts"), errors.get(0));
    }
}
