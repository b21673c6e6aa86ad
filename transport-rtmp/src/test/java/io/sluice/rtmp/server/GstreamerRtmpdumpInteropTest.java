package io.sluice.rtmp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.interop.FfmpegTools;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two more independent RTMP implementations against the embedded {@link RtmpServer}: GStreamer 1.22's
 * {@code rtmp2sink} as a publisher (its own RTMP and FLV code, as in GStreamer-based encoders), and
 * {@code rtmpdump} 2.4 as a player (librtmp, the RTMP library of many players). Debian packages
 * gstreamer1.0-tools, gstreamer1.0-plugins-{good,bad,ugly} and rtmpdump, installed by {@code .ci/install-deps.sh}.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GstreamerRtmpdumpInteropTest {
    static final Path GST_LAUNCH = Path.of("/usr/bin/gst-launch-1.0");
    static final Path RTMPDUMP = Path.of("/usr/bin/rtmpdump");

    @TempDir
    Path tmp;

    private static RtmpServer server() throws Exception {
        return RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
    }

    private Process start(String name, List<String> command) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
    }

    private String log(String name) throws Exception {
        return Files.readString(tmp.resolve(name + ".log"));
    }

    @Test
    void gstreamerPublishesH264AndAacIntoTheEmbeddedServer() throws Exception {
        assertTrue(Files.isExecutable(GST_LAUNCH), "needs gst-launch-1.0 (.ci/install-deps.sh)");
        try (RtmpServer server = server()) {
            StreamHub hub = server.hub();
            RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
            hub.subscribe("live/gst", probe);
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/gst";
            // 90 frames at 30 fps (3 s) of H.264 without B-frames, 3 s of AAC, muxed to FLV and published
            Process gst = start("gst", List.of(GST_LAUNCH.toString(), "-e",
                    "videotestsrc", "num-buffers=90", "!", "video/x-raw,format=I420,width=640,height=360,framerate=30/1", "!",
                    "x264enc", "tune=zerolatency", "key-int-max=30", "bframes=0", "!", "h264parse", "!", "queue", "!",
                    "flvmux", "name=m", "streamable=true", "!", "rtmp2sink", "location=" + url,
                    "audiotestsrc", "num-buffers=129", "samplesperbuffer=1024", "!", "audio/x-raw,rate=44100,channels=2", "!",
                    "audioconvert", "!", "voaacenc", "!", "aacparse", "!", "queue", "!", "m."));
            assertTrue(gst.waitFor(60, TimeUnit.SECONDS), "gst-launch did not end: " + log("gst"));
            assertEquals(0, gst.exitValue(), log("gst"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probe.unpublishes.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            System.out.printf("GStreamer → RtmpServer: %d video, %d audio frames, tracks %s%n", probe.videoFrames.get(),
                    probe.audioFrames.get(), probe.tracks);
            assertEquals(90, probe.videoFrames.get(), "every H.264 frame GStreamer encoded; log: " + log("gst"));
            assertTrue(probe.audioFrames.get() >= 125, "AAC frames: " + probe.audioFrames.get());
            assertEquals(List.of(Codec.H264, Codec.AAC), probe.tracks.stream().map(TrackInfo::codec).sorted().toList());
            TrackInfo video = probe.tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
            assertEquals(640, video.width());
            assertEquals(360, video.height());
        }
    }

    @Test
    void rtmpdumpPlaysWhatSluicePublishesThroughTheEmbeddedServer() throws Exception {
        assertTrue(Files.isExecutable(RTMPDUMP), "needs rtmpdump (.ci/install-deps.sh)");
        Path clip = FfmpegTools.media("flower_960x540_5s_h264_aac.mp4"); // 150 frames with B-frames, AAC
        try (RtmpServer server = server()) {
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/x";
            Path out = tmp.resolve("rtmpdump.flv");
            Process dump = start("rtmpdump", List.of(RTMPDUMP.toString(), "--live", "-r", url, "-o", out.toString()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.hub().subscriberCount("live/x") < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, server.hub().subscriberCount("live/x"), "rtmpdump is waiting to play: " + log("rtmpdump"));
            try (StreamPipeline p = StreamPipeline.builder()
                    .source(MediaSources.open(clip.toString())).copy(true).realtime(true)
                    .transport(url).build()) {
                p.start();
                p.completion().get(30, TimeUnit.SECONDS);
            }
            // the server tells its players the publisher left; rtmpdump then ends by itself
            if (!dump.waitFor(10, TimeUnit.SECONDS)) {
                dump.destroy(); // SIGTERM: rtmpdump closes its file
                dump.waitFor(5, TimeUnit.SECONDS);
            }
            System.out.println("rtmpdump: " + log("rtmpdump").lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse(""));
            assertEquals(150, FfmpegTools.decodedVideoFrames(out), "video frames ffprobe decodes from rtmpdump's FLV");
            String streams = FfmpegTools.run(FfmpegTools.FFPROBE, "-v", "error", "-show_entries", "stream=codec_name",
                    "-of", "csv=p=0", out.toString());
            assertTrue(streams.contains("h264") && streams.contains("aac"), streams);
        }
    }
}
