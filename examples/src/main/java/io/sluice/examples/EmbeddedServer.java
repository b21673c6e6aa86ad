package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The embedded default: one {@link StreamHub} served over RTMP (and, once the WebRTC module is wired
 * in, WHEP/WHIP and a player page), optionally with the synthetic test pattern published into it.
 * Everything runs in this process; no external media server.
 */
final class EmbeddedServer implements AutoCloseable {
    private final StreamHub hub;
    private final RtmpServer rtmp;
    private StreamPipeline demo;

    private EmbeddedServer(StreamHub hub, RtmpServer rtmp) {
        this.hub = hub;
        this.rtmp = rtmp;
    }

    /**
     * Starts the RTMP server.
     *
     * @param tlsCert PEM certificate chain for rtmps, or null for plain rtmp
     * @throws IOException if the port cannot be bound (the message says which and how to pick another)
     */
    static EmbeddedServer start(InetAddress bind, int port, Path tlsCert, Path tlsKey, boolean replacePublishers) throws IOException {
        StreamHub hub = StreamHub.builder().replaceExistingPublisher(replacePublishers).build();
        RtmpServer.Builder b = RtmpServer.builder().bindAddress(bind).port(port).hub(hub);
        if (tlsCert != null) {
            b.tls(tlsCert, tlsKey);
        }
        RtmpServer server = b.build();
        try {
            server.start();
        } catch (IOException e) {
            server.close();
            hub.close();
            if (e instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
                throw new IOException("cannot listen on " + bind.getHostAddress() + ":" + port + " (" + e.getMessage()
                        + "); pick another port with --port", e);
            }
            throw e;
        }
        return new EmbeddedServer(hub, server);
    }

    /** Publishes the synthetic test pattern (1280x720, 30 fps, with a tone), paced in real time, as hub stream {@code name}. */
    void publishDemo(String name, Duration duration) {
        StreamPipeline.Builder b = StreamPipeline.builder()
                .source(MediaSources.open("pattern:1280x720@30"))
                .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).gop(Duration.ofSeconds(1)).build())
                .realtime(true)
                .transport(hub.transport(name));
        if (duration != null) {
            b.duration(duration);
        }
        demo = b.build();
        demo.start();
    }

    /** Completes when the demo stream ends (never without a duration); null without a demo. */
    java.util.concurrent.CompletableFuture<Void> demoCompletion() {
        return demo == null ? null : demo.completion();
    }

    String rtmpUrl(String stream) {
        String host = rtmp.localAddress().getAddress().isAnyLocalAddress() ? "127.0.0.1" : rtmp.localAddress().getAddress().getHostAddress();
        return (rtmp.isTls() ? "rtmps" : "rtmp") + "://" + host + ":" + rtmp.port() + "/" + stream;
    }

    void printWelcome(PrintWriter out, String demoStream) {
        out.println("Sluice is serving RTMP on " + rtmpUrl("").replaceAll("/$", ""));
        if (demoStream != null) {
            out.println("  watch the test pattern:  ffplay " + rtmpUrl(demoStream));
        }
        out.println("  publish a clip:          ffmpeg -re -i clip.mp4 -c copy -f flv " + rtmpUrl("live/<name>"));
        out.println("                      or:  sluice stream --input clip.mp4 --to " + rtmpUrl("live/<name>"));
        out.println("  play it:                 ffplay " + rtmpUrl("live/<name>"));
        out.println("Ctrl-C stops the server.");
        out.flush();
    }

    StreamHub hub() {
        return hub;
    }

    RtmpServer rtmp() {
        return rtmp;
    }

    @Override
    public void close() {
        if (demo != null) {
            demo.close();
        }
        rtmp.close();
        hub.close();
    }
}
