package io.sluice.examples;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import io.sluice.webrtc.server.WebRtcServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The embedded default: one {@link StreamHub} served over RTMP (ingest and playback) and WebRTC (WHEP
 * playback with a player page, WHIP ingest), optionally with the synthetic test pattern published into
 * it. AAC from RTMP publishers is transcoded to Opus for browsers; H.264 passes through, except H.264 with
 * B-frames (OBS's default), which browsers get from a shared rendition ladder's top rung. Everything
 * runs in this process; no external media server.
 */
final class EmbeddedServer implements AutoCloseable {
    private final StreamHub hub;
    private final RtmpServer rtmp;
    private final WebRtcServer webrtc;
    private final FfmpegRenditionLadder ladder;
    private StreamPipeline demo;

    private EmbeddedServer(StreamHub hub, RtmpServer rtmp, WebRtcServer webrtc, FfmpegRenditionLadder ladder) {
        this.hub = hub;
        this.rtmp = rtmp;
        this.webrtc = webrtc;
        this.ladder = ladder;
    }

    /**
     * Starts the RTMP server.
     *
     * @param tlsCert PEM certificate chain for rtmps, or null for plain rtmp
     * @throws IOException if the port cannot be bound (the message says which and how to pick another)
     */
    static EmbeddedServer start(InetAddress bind, int port, int httpPort, Path tlsCert, Path tlsKey, boolean replacePublishers)
            throws IOException {
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
        WebRtcServer webrtc;
        FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).build();
        try {
            webrtc = WebRtcServer.builder(hub)
                    .httpBind(new InetSocketAddress(bind, httpPort))
                    .udpBind(new InetSocketAddress(bind, 0))
                    .hostAddresses(candidateAddresses(bind))
                    .transcoderFactory(new FfmpegFrameTranscoderFactory())
                    .renditionLadder(ladder)
                    .build();
            webrtc.start();
        } catch (RuntimeException e) {
            ladder.close();
            server.close();
            hub.close();
            throw new IOException("cannot start the WebRTC server on " + bind.getHostAddress() + ":" + httpPort + " ("
                    + e.getMessage() + "); pick another HTTP port with --http-port", e);
        }
        return new EmbeddedServer(hub, server, webrtc, ladder);
    }

    /** The addresses browsers can reach us on: the bind address, or every up IPv4 interface for a wildcard bind. */
    static List<InetAddress> candidateAddresses(InetAddress bind) throws SocketException {
        if (!bind.isAnyLocalAddress()) {
            return List.of(bind);
        }
        List<InetAddress> list = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                    list.add(a);
                }
            }
        }
        list.sort((a, b) -> Boolean.compare(a.isLoopbackAddress(), b.isLoopbackAddress())); // loopback last
        return list.isEmpty() ? List.of(InetAddress.getLoopbackAddress()) : list;
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

    String watchUrl(String stream) {
        return webrtc.httpUrl().replaceAll("/$", "") + "/watch/" + stream;
    }

    void printWelcome(PrintWriter out, String demoStream) {
        out.println("Sluice is serving RTMP on " + rtmpUrl("").replaceAll("/$", "") + " and WebRTC (WHEP/WHIP) on "
                + webrtc.httpUrl());
        if (demoStream != null) {
            out.println("  watch the test pattern:  ffplay " + rtmpUrl(demoStream));
            out.println("                      or:  open " + watchUrl(demoStream) + " in a browser");
        }
        out.println("  live streams:            " + webrtc.httpUrl());
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
        webrtc.close();
        ladder.close();
        rtmp.close();
        hub.close();
    }
}
