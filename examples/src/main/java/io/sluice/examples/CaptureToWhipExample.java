package io.sluice.examples;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.codec.ffmpeg.FrameGrabberSource;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.PipelineListener;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.TransportStats;
import io.sluice.webrtc.server.WebRtcServer;
import io.sluice.webrtc.whip.client.WhipTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * A webcam (V4L2), the X11 screen or a file, grabbed with JavaCV's {@link FFmpegFrameGrabber} and published over
 * WebRTC (WHIP) through {@link FrameGrabberSource}: what an existing JavaCV application changes to move its
 * capture onto Sluice. H.264 (no B-frames, as WebRTC needs) and Opus.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.CaptureToWhipExample              # webcam /dev/video0
 * java -cp examples/target/sluice.jar io.sluice.examples.CaptureToWhipExample --screen :0.0
 * java -cp examples/target/sluice.jar io.sluice.examples.CaptureToWhipExample --file clip.mp4 --duration 10s
 *     [--to whip+http://127.0.0.1:8080/whip/live/cam]   # default: an in-process WebRTC server on 127.0.0.1:8080
 * </pre>
 * Without {@code --to} it serves the stream itself and prints the page to watch it in a browser.
 */
public final class CaptureToWhipExample {
    private CaptureToWhipExample() {
    }

    /** What a run sent. */
    public record Result(TransportStats whip, String watchUrl) {
    }

    public static void main(String[] args) throws Exception {
        String kind = "--webcam";
        String input = "/dev/video0";
        String to = null;
        Duration duration = null;
        int httpPort = 8080;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--webcam", "--screen", "--file" -> {
                    kind = args[i];
                    input = args[++i];
                }
                case "--to" -> to = args[++i];
                case "--duration" -> duration = Units.parseDuration(args[++i]);
                case "--http-port" -> httpPort = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + " (expected: [--webcam DEV | --screen DISPLAY | --file PATH] [--to whip+http://...] [--duration 10s])");
            }
        }
        Result r = run(kind, input, to, duration, httpPort);
        System.out.println("sent " + r.whip().framesSent() + " frames, " + r.whip().bytesSent() + " bytes over WHIP");
    }

    /**
     * Grabs {@code input} and publishes it to {@code to}, or to an in-process server on {@code httpPort} when
     * {@code to} is null, until the input ends, {@code duration} passes, or Ctrl-C.
     */
    public static Result run(String kind, String input, String to, Duration duration, int httpPort) throws Exception {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(input);
        boolean live = !kind.equals("--file");
        if (kind.equals("--webcam")) {
            grabber.setFormat("video4linux2");
            grabber.setImageWidth(1280);
            grabber.setImageHeight(720);
            grabber.setFrameRate(30);
        } else if (kind.equals("--screen")) {
            grabber.setFormat("x11grab");
            grabber.setFrameRate(30);
        }
        StreamHub hub = null;
        WebRtcServer server = null;
        String watch = null;
        if (to == null) {
            hub = StreamHub.create();
            server = WebRtcServer.builder(hub)
                    .httpBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort))
                    .transcoderFactory(new FfmpegFrameTranscoderFactory())
                    .build();
            server.start();
            String base = server.httpUrl().replaceAll("/$", "");
            to = "whip+" + base + "/whip/live/cam";
            watch = base + "/watch/live/cam";
            System.out.println("watch it at " + watch);
        }
        WhipTransport whip = WhipTransport.builder(URI.create(to)).build();
        StreamPipeline.Builder b = StreamPipeline.builder()
                .source(FrameGrabberSource.of(grabber, kind.substring(2) + ":" + input, live))
                .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).gop(Duration.ofSeconds(2)).build())
                .audio(AudioEncoderConfig.builder().codec(Codec.OPUS).build())
                .transport(whip)
                .realtime(true) // a file is paced like a camera
                .listener(new PipelineListener() {
                    @Override
                    public void onError(SluiceException e) {
                        System.err.println("error: " + e.getMessage());
                    }
                });
        try (StreamPipeline pipeline = ExampleRuns.runToEnd(b, duration)) {
            return new Result(whip.stats(), watch);
        } finally {
            if (server != null) {
                server.close();
                hub.close();
            }
        }
    }
}
