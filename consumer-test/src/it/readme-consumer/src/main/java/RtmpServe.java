import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;

public class RtmpServe {
    public static void main(String[] args) throws Exception {
        try (RtmpServer server = RtmpServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress())      // 0.0.0.0 to serve other machines
                .port(args.length > 1 ? Integer.parseInt(args[1]) : 1935)
                .build()
                .start()) {
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/demo";
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open(args.length > 0 ? args[0] : "clip.mp4"))
                    .copy(true)                                     // H.264/AAC packets untouched
                    .realtime(true)                                 // paced like a live source
                    .transport(url)                                 // any RTMP server: YouTube, Twitch, nginx-rtmp
                    .build()) {
                p.start();
                System.out.println("play: ffplay " + url);          // OBS, ffmpeg, VLC can publish/play here too
                p.completion().join();
            }
        }
    }
}
