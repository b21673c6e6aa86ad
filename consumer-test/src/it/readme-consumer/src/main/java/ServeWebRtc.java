import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.WebRtcServer;

public class ServeWebRtc {
    public static void main(String[] args) throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).build()) {  // HTTP and UDP on 127.0.0.1
            server.start();
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open(args.length > 0 ? args[0] : "clip.mp4"))
                    .video(VideoEncoderConfig.defaults())           // H.264 without B-frames, as browsers need
                    .audio(AudioEncoderConfig.builder().codec(Codec.OPUS).build())
                    .realtime(true)
                    .transport(hub.transport("live"))
                    .build()) {
                p.start();
                System.out.println("watch: " + server.httpUrl() + "watch/live");
                p.completion().join();
            }
        }
    }
}
