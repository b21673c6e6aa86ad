package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.TransportStats;
import io.sluice.crypto.SframeTransformStats;
import io.sluice.rtmp.server.RtmpServer;
import io.sluice.webrtc.server.WebRtcServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs each example in {@code examples/} the way its one command does (same {@code run} method as {@code main}),
 * against real peers in this process: the embedded RTMP and WebRTC servers, ffprobe on what was written.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExamplesSmokeTest {
    /** 960x540, 29.97 fps, 150 video frames with B-frames, AAC 48 kHz stereo, 5.06 s. */
    static final String FLOWER = "flower_960x540_5s_h264_aac.mp4";
    /** 320x240, 30 fps, 234 video frames without B-frames, AAC 44.1 kHz stereo, 7.8 s. */
    static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";

    @TempDir
    Path dir;

    static Path media(String name) {
        Path p = Path.of(System.getProperty("sluice.shared.dir", "../shared"), "media", name);
        assertTrue(Files.isRegularFile(p), "test media " + p);
        return p;
    }

    /** Counts what a hub stream delivers. */
    static final class Counter implements StreamSubscriber {
        final AtomicLong video = new AtomicLong();
        final AtomicLong audio = new AtomicLong();
        final AtomicBoolean firstVideoKey = new AtomicBoolean();
        volatile List<TrackInfo> tracks;

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
            this.tracks = tracks;
        }

        @Override
        public void onFrameBorrowed(EncodedFrame frame) {
            if (frame.track().isVideo()) {
                if (video.getAndIncrement() == 0) {
                    firstVideoKey.set(frame.isKeyframe());
                }
            } else {
                audio.incrementAndGet();
            }
        }

        @Override
        public void onFrame(EncodedFrame frame) {
            frame.release();
        }

        @Override
        public void onUnpublish(String streamName) {
        }
    }

    static String ffprobe(Path file, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/ffprobe", "-v", "error"));
        cmd.addAll(List.of(args));
        cmd.add(file.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), "ffprobe " + cmd + ": " + out);
        return out;
    }

    static int videoFrames(Path file) throws Exception {
        return Integer.parseInt(ffprobe(file, "-count_frames", "-select_streams", "v:0", "-show_entries",
                "stream=nb_read_frames", "-of", "csv=p=0"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nothing listens on " + port);
    }

    @Test
    void captureToWhipPublishesAGrabbedFileIntoAWebRtcServer() throws Exception {
        try (StreamHub hub = StreamHub.create();
                WebRtcServer server = WebRtcServer.builder(hub)
                        .httpBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build()) {
            server.start();
            Counter seen = new Counter();
            hub.subscribe("live/cam", seen);
            String to = "whip+" + server.httpUrl().replaceAll("/$", "") + "/whip/live/cam";
            CaptureToWhipExample.Result r = CaptureToWhipExample.run("--file", media(FLOWER).toString(), to, null, 0);
            System.out.printf("capture→WHIP: %s; hub saw %d video, %d audio frames, tracks %s%n", r.whip(), seen.video.get(),
                    seen.audio.get(), seen.tracks);
            assertTrue(r.whip().framesSent() > 0, "WHIP sent " + r.whip());
            // a smoke test on a shared, loaded machine: the stream got through (the WebRTC tests measure loss)
            assertTrue(seen.video.get() >= 25, "video frames at the server: " + seen.video.get());
            assertTrue(seen.audio.get() >= 50, "Opus frames at the server: " + seen.audio.get());
            assertTrue(seen.firstVideoKey.get(), "the server's stream starts at a keyframe");
            assertEquals(List.of(Codec.H264, Codec.OPUS), seen.tracks.stream().map(TrackInfo::codec).sorted().toList());
        }
    }

    @Test
    void restreamKeepsEveryDestinationGoingWhenOneDropsAndReconnectsIt() throws Exception {
        int portB = freePort();
        try (StreamHub hubA = StreamHub.create();
                RtmpServer a = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).hub(hubA).build()) {
            a.start();
            StreamHub hubB1 = StreamHub.create();
            RtmpServer b1 = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(portB).hub(hubB1).build().start();
            Counter seenA = new Counter();
            Counter seenB1 = new Counter();
            Counter seenB2 = new Counter();
            hubA.subscribe("live/key-a", seenA);
            hubB1.subscribe("live/key-b", seenB1);
            CompletableFuture<List<TransportStats>> run = CompletableFuture.supplyAsync(() -> RestreamExample.run(
                    media(RABBIT).toString(),
                    List.of("rtmp://127.0.0.1:" + a.port() + "/live/key-a", "rtmp://127.0.0.1:" + portB + "/live/key-b"), null));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seenB1.video.get() < 30 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(seenB1.video.get() >= 30, "B got frames before it dropped: " + seenB1.video.get());
            b1.close(); // destination B goes away mid-stream ...
            hubB1.close();
            Thread.sleep(300);
            try (StreamHub hubB2 = StreamHub.create();
                    RtmpServer b2 = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(portB).hub(hubB2).build()) {
                hubB2.subscribe("live/key-b", seenB2);
                b2.start(); // ... and comes back on the same port
                List<TransportStats> stats = run.get(60, TimeUnit.SECONDS);
                System.out.printf("restream: A %d video frames, B %d before the drop and %d after; %s%n", seenA.video.get(),
                        seenB1.video.get(), seenB2.video.get(), stats);
                assertEquals(234, seenA.video.get(), "A got every video frame while B dropped and came back");
                assertTrue(seenB2.video.get() >= 30, "B reconnected by itself and got frames again: " + seenB2.video.get());
                assertTrue(seenB2.firstVideoKey.get(), "B resumes at a keyframe");
            }
        }
    }

    @Test
    void recordHubWritesThePublishedStreamToMp4() throws Exception {
        int port = freePort();
        Path out = dir.resolve("recording.mp4");
        CompletableFuture<TransportStats> rec = CompletableFuture.supplyAsync(() -> {
            try {
                return RecordHubExample.run(out, port, "live/rec", Duration.ofSeconds(30));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        awaitListening(port);
        // A publisher like OBS: here RestreamExample's pipeline, one destination.
        RestreamExample.run(media(FLOWER).toString(), List.of("rtmp://127.0.0.1:" + port + "/live/rec"), null);
        TransportStats stats = rec.get(60, TimeUnit.SECONDS);
        System.out.println("record: " + stats);
        assertEquals(150, videoFrames(out), "every published video frame is in the recording");
        assertEquals("aac", ffprobe(out, "-select_streams", "a:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0"));
    }

    @Test
    void sframeExamplePublishesCiphertextThatItsKeyedSubscriberDecrypts() throws Exception {
        Path out = dir.resolve("decrypted.mp4");
        byte[] key = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        SframeBrowserExample.Result r = SframeBrowserExample.run("pattern:640x360@30", 0, Duration.ofSeconds(3), key, out);
        SframeTransformStats s = r.recorded();
        System.out.println("sframe example: " + s + ", page " + r.watchUrl());
        assertNotNull(s);
        assertEquals(0, s.dropped(), "drops: " + s.dropsByReason());
        assertTrue(s.framesOut() >= 120, "decrypted frames (3 s: 90 video + 150 Opus at most): " + s.framesOut());
        assertTrue(r.watchUrl().contains("/watch-e2ee/live/e2ee#kid=1&key=30313233343536373839616263646566"), r.watchUrl());
        assertTrue(videoFrames(out) >= 45, "decrypted video frames ffprobe decodes");
        assertEquals("h264,640,360", ffprobe(out, "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height",
                "-of", "csv=p=0"));
    }
}
