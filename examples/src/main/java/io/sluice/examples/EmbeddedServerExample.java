package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.server.SluiceServer;
import java.time.Duration;

/**
 * An application that embeds the Sluice server: RTMP and WebRTC on loopback, publishing guarded by a
 * token, and a stream of its own (the test pattern) published straight into the server's hub. Viewers
 * watch it in a browser or with ffplay; OBS or ffmpeg publish more streams with the token.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.EmbeddedServerExample [rtmpPort httpPort seconds]
 * </pre>
 * (defaults 1935, 8080, 60; the publish token comes from {@code SLUICE_PUBLISH_TOKEN}, default {@code change-me})
 */
public final class EmbeddedServerExample {
    private EmbeddedServerExample() {
    }

    public static void main(String[] args) {
        int rtmpPort = args.length > 0 ? Integer.parseInt(args[0]) : 1935;
        int httpPort = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        Duration runFor = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 60);
        String token = System.getenv().getOrDefault("SLUICE_PUBLISH_TOKEN", "change-me");

        try (SluiceServer server = SluiceServer.builder()
                .rtmpPort(rtmpPort)
                .httpPort(httpPort)                                       // loopback unless .bindAddress(...)
                .authorizer(TokenAuthorizer.builder().publishToken(token).build())
                .transcoderFactory(new FfmpegFrameTranscoderFactory())   // AAC -> Opus for browsers
                .build()
                .start();
             StreamPipeline pattern = StreamPipeline.builder()          // the app's own stream: no token needed in-process
                .source(MediaSources.open("pattern:640x360@30"))
                .video(VideoEncoderConfig.builder().bitrateBps(1_000_000).gop(Duration.ofSeconds(1)).build())
                .realtime(true)
                .duration(runFor)
                .transport(server.hub().transport("app/pattern"))
                .build()) {
            pattern.start();
            System.out.println("watch:   " + server.watchUrl("app/pattern"));
            System.out.println("play:    ffplay " + server.rtmpUrl("app/pattern"));
            System.out.println("publish: ffmpeg -re -i clip.mp4 -c copy -f flv \"" + server.rtmpUrl("live/cam") + "?token=" + token + "\"");
            System.out.flush();
            pattern.completion().join();                                 // runs for the given time, then closes both
        }
    }
}
