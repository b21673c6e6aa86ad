import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.PipelineListener;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import java.time.Duration;

public class RecordClip {
    public static void main(String[] args) {
        String input = args.length > 0 ? args[0] : "clip.mp4";     // a file, a URL, or "pattern"
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(input))
                .video(VideoEncoderConfig.builder()
                        .bitrateBps(2_500_000)
                        .gop(Duration.ofSeconds(2))
                        .build())
                .audio(AudioEncoderConfig.defaults())               // AAC 128 kb/s stereo
                .transport("out.mp4")                               // a file; rtmp://, whip+http:// with their modules
                .listener(new PipelineListener() {
                    @Override public void onError(SluiceException e) { System.err.println(e.getMessage()); }
                })
                .build()) {
            p.start();
            p.completion().join();                                  // end of input: everything written
        }
    }
}
