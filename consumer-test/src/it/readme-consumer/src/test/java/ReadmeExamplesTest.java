import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.rtmp.server.RtmpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the README's classes (src/main/java) as a downstream project would, against the installed Sluice artifacts,
 * with a real clip (5 s, H.264 with B-frames + AAC), and checks what they produce with ffprobe, an HTTP client and
 * the embedded server's hub.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeExamplesTest {
    static final String CLIP = System.getProperty("clip");

    static String ffprobe(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ffprobe", "-v", "error"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ffprobe " + cmd);
        assertEquals(0, p.exitValue(), "ffprobe " + cmd + ": " + out);
        return out;
    }

    static int videoFrames(Path file) throws Exception {
        return Integer.parseInt(ffprobe("-ignore_editlist", "1", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file.toString()));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code main} on another thread while copying what it prints to System.out into {@code out}. */
    static CompletableFuture<Void> runPrinting(ThrowingMain main, StringBuffer out) {
        PrintStream original = System.out;
        System.setOut(new PrintStream(new OutputStream() {
            final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                original.write(b);
                if (b == '\n') {
                    out.append(line.toString(StandardCharsets.UTF_8)).append('\n');
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }, true, StandardCharsets.UTF_8));
        return CompletableFuture.runAsync(() -> {
            try {
                main.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).whenComplete((v, e) -> System.setOut(original));
    }

    interface ThrowingMain {
        void run() throws Exception;
    }

    static String awaitLine(StringBuffer out, Pattern p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(out);
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line matching " + p + " in: " + out);
    }

    @Test
    void recordClipEncodesEveryFrame() throws Exception {
        Path out = Path.of("out.mp4");
        Files.deleteIfExists(out);
        RecordClip.main(new String[] {CLIP});
        assertEquals(150, videoFrames(out));
        assertEquals("h264\naac", ffprobe("-show_entries", "stream=codec_name", "-of", "csv=p=0", out.toString()));
    }

    @Test
    void rtmpServeServesWhatItPublishes() throws Exception {
        int port = freePort();
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                RtmpServe.main(new String[] {CLIP, String.valueOf(port)});
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(1000);
        // ffprobe plays it like any RTMP player: H.264 + AAC as the clip has
        String streams = ffprobe("-show_entries", "stream=codec_name", "-of", "csv=p=0", "-rw_timeout", "10000000",
                "rtmp://127.0.0.1:" + port + "/live/demo");
        assertTrue(streams.contains("h264") && streams.contains("aac"), streams);
        run.get(60, TimeUnit.SECONDS);
    }

    @Test
    void adaptiveRtmpPublishesWithAdaptationOnAndAPlayerGetsTheStream() throws Exception {
        try (RtmpServer server = RtmpServer.builder().port(0).build().start()) {
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/adaptive";
            StringBuffer printed = new StringBuffer();
            CompletableFuture<Void> run = runPrinting(() -> AdaptiveRtmp.main(new String[] {CLIP, url}), printed);
            Thread.sleep(1000);
            String streams = ffprobe("-show_entries", "stream=codec_name", "-of", "csv=p=0", "-rw_timeout", "10000000", url);
            assertTrue(streams.contains("h264") && streams.contains("aac"), streams);
            run.get(60, TimeUnit.SECONDS);
            // the default controller (sluice-abr's, found by ServiceLoader) was attached: the stats carry its decision
            assertTrue(printed.toString().contains("last: RateDecision[targetBps="), printed.toString());
        }
    }

    @Test
    void serveWebRtcListsTheStreamAndServesItsPage() throws Exception {
        StringBuffer printed = new StringBuffer();
        CompletableFuture<Void> run = runPrinting(() -> ServeWebRtc.main(new String[] {CLIP}), printed);
        String watch = awaitLine(printed, Pattern.compile("watch: (\\S+)"));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(watch)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), watch);
        String root = watch.substring(0, watch.indexOf("/watch/") + 1);
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(root)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(list.body().contains("live"), "GET / lists the stream: " + list.body());
        run.get(60, TimeUnit.SECONDS);
    }

    @Test
    void encryptedRelayRecordsEveryFrameDecrypted() throws Exception {
        Path out = Path.of("recording.mp4");
        Files.deleteIfExists(out);
        EncryptedRelay.main(new String[] {CLIP});
        assertEquals(150, videoFrames(out), "every video frame decrypted and decodable");
        assertEquals("h264,960", ffprobe("-select_streams", "v:0", "-show_entries", "stream=codec_name,width", "-of", "csv=p=0",
                out.toString()));
    }

    @Test
    void grabberToRtmpPublishesEveryGrabbedPicture() throws Exception {
        try (RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start()) {
            AtomicLong video = new AtomicLong();
            server.hub().subscribe("live/cam", new StreamSubscriber() {
                @Override
                public void onPublish(String streamName, List<TrackInfo> tracks) {
                }

                @Override
                public void onFrame(EncodedFrame frame) {
                    if (frame.track().isVideo()) {
                        video.incrementAndGet();
                    }
                    frame.release();
                }

                @Override
                public void onUnpublish(String streamName) {
                }
            });
            GrabberToRtmp.main(new String[] {CLIP, "rtmp://127.0.0.1:" + server.port() + "/live/cam"});
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (video.get() < 150 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(150, video.get(), "video frames the server received");
        }
    }

    @Test
    void javaFxIsNotOnTheClassPath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("javafx.scene.image.Image"),
                "JavaFX arrives only if the javacv exclusion is lost");
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.bytedeco.opencv.global.opencv_core"));
    }
}
