package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.Delivery;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JavaCV's {@link Frame}s pushed into a {@link PushSource}, and a whole {@code FFmpegFrameGrabber} behind a {@link FrameGrabberSource}. */
class FrameGrabberSourceTest {
    @TempDir
    Path dir;

    @Test
    void javaCvBgrPictureAndShortSamplesArePushedAsI420AndFltp() throws Exception {
        try (PushSource source = PushSource.builder().video(64, 48, Rational.of(30, 1)).audio(48_000, 2).build()) {
            source.open();
            source.select(Map.of(0, Delivery.DECODED, 1, Delivery.DECODED));
            Frame picture = new Frame(128, 96, Frame.DEPTH_UBYTE, 3); // scaled down to 64x48
            ByteBuffer bgr = (ByteBuffer) picture.image[0];
            for (int i = 0; i + 2 < bgr.capacity(); i += 3) {
                bgr.put(i, (byte) 0).put(i + 1, (byte) 0).put(i + 2, (byte) 255); // B G R: red
            }
            picture.timestamp = 40_000;
            source.pushFrame(picture);
            Frame sound = new Frame();
            sound.sampleRate = 48_000;
            sound.audioChannels = 2;
            ShortBuffer s16 = ShortBuffer.allocate(2 * 960);
            for (int i = 0; i < 960; i++) {
                s16.put(2 * i, (short) 16384).put(2 * i + 1, (short) -8192);
            }
            sound.samples = new ShortBuffer[] {s16};
            source.pushFrame(sound, 50_000);

            AvRawFrame v = (AvRawFrame) source.read();
            AvRawFrame a = (AvRawFrame) source.read();
            try {
                assertEquals(40_000, v.ptsUs());
                assertEquals(64, v.width());
                // BT.601 limited-range red: Y 81, Cb 90, Cr 240
                int y = AvFrames.plane(v.avFrame(), 0, 48).get(32) & 0xFF;
                int cr = AvFrames.plane(v.avFrame(), 2, 24).get(16) & 0xFF;
                assertTrue(Math.abs(y - 81) <= 3 && Math.abs(cr - 240) <= 3, "Y=" + y + " Cr=" + cr);
                assertEquals(MediaType.AUDIO, a.mediaType());
                assertEquals(960, a.sampleCount());
                assertEquals(avutil.AV_SAMPLE_FMT_FLTP, a.avFrame().format());
                assertEquals(0.5f, new FloatPointer(a.avFrame().data(0)).get(959));
                assertEquals(-0.25f, new FloatPointer(a.avFrame().data(1)).get(0));
            } finally {
                v.release();
                a.release();
            }
            Frame deep = new Frame(64, 48, Frame.DEPTH_FLOAT, 3);
            assertThrows(IllegalArgumentException.class, () -> source.pushFrame(deep, 0));
            Frame mono = new Frame();
            mono.sampleRate = 44_100;
            mono.audioChannels = 1;
            mono.samples = new ShortBuffer[] {ShortBuffer.allocate(100)};
            assertThrows(IllegalArgumentException.class, () -> source.pushFrame(mono, 0));
        }
    }

    @Test
    void aGrabberReadingTheFlowerClipFeedsAPipelineThatEncodesEveryFrame() throws Exception {
        Path clip = TestMedia.path(TestMedia.FLOWER);
        int sourceFrames = Integer.parseInt(Ffprobe.stream(clip, "v:0", "nb_read_frames").get("nb_read_frames"));
        Path out = dir.resolve("grabbed.mp4");
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(clip.toFile());
        try (StreamPipeline p = StreamPipeline.builder()
                .source(FrameGrabberSource.of(grabber, "javacv:" + clip.getFileName(), false))
                .video(VideoEncoderConfig.builder().bitrateBps(1_500_000).gop(Duration.ofSeconds(1)).build())
                .audio(AudioEncoderConfig.defaults())
                .transport(out.toString())
                .build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
        }
        Map<String, String> v = Ffprobe.stream(out, "v:0", "codec_name,width,height,nb_read_frames");
        assertEquals("h264", v.get("codec_name"));
        assertEquals("960", v.get("width"));
        assertEquals("540", v.get("height"));
        assertEquals(sourceFrames, Integer.parseInt(v.get("nb_read_frames")), "every grabbed picture was encoded");
        Map<String, String> a = Ffprobe.stream(out, "a:0", "codec_name,sample_rate,channels,duration");
        assertEquals("aac", a.get("codec_name"));
        assertEquals("48000", a.get("sample_rate"));
        assertEquals("2", a.get("channels"));
        double seconds = Double.parseDouble(a.get("duration"));
        assertTrue(Math.abs(seconds - 5.06) < 0.2, "audio duration " + seconds + " s (clip: 5.06 s)");
    }

    @Test
    void aGrabberThatCannotStartFailsOpenNamingTheSource() {
        FrameGrabberSource source = FrameGrabberSource.of(new FFmpegFrameGrabber(dir.resolve("missing.mp4").toFile()),
                "javacv:missing", false);
        MediaSourceException e = assertThrows(MediaSourceException.class, source::open);
        assertTrue(e.getMessage().contains("javacv:missing") && e.getMessage().contains("start()"), e.getMessage());
        source.close();
    }
}
