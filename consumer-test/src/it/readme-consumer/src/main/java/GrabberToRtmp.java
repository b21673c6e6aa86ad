import io.sluice.codec.ffmpeg.FrameGrabberSource;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import org.bytedeco.javacv.FFmpegFrameGrabber;

public class GrabberToRtmp {
    public static void main(String[] args) throws Exception {
        String device = args.length > 0 ? args[0] : "/dev/video0";
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(device);   // the grabber a JavaCV app already has
        boolean camera = device.startsWith("/dev/");
        if (camera) {
            grabber.setFormat("video4linux2");                       // "x11grab" with ":0.0" for the screen
            grabber.setImageWidth(1280);
            grabber.setImageHeight(720);
        }
        try (StreamPipeline p = StreamPipeline.builder()
                .source(FrameGrabberSource.of(grabber, device, camera))  // replaces FFmpegFrameRecorder
                .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).build())
                .audio(AudioEncoderConfig.defaults())
                .transport(args.length > 1 ? args[1] : "rtmp://127.0.0.1:1935/live/cam")
                .build()) {
            p.start();
            p.completion().join();
        }
    }
}
