package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job on the embedded default, checked by Debian's ffprobe/ffmpeg as Sluice-free players. */
class MainJobTest {
    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out.trim();
    }

    @Test
    void withoutArgumentsTheServerRunsAndServesTheTestPattern() throws Exception {
        int port = freePort();
        int httpPort = freePort();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Integer> job = CompletableFuture.supplyAsync(() -> SluiceCli.run(
                new String[] {"--port", Integer.toString(port), "--http-port", Integer.toString(httpPort), "--duration", "8s"},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        String expected = "ffplay rtmp://127.0.0.1:" + port + "/live/demo";
        for (int i = 0; i < 200 && !out.toString(StandardCharsets.UTF_8).contains(expected); i++) {
            Thread.sleep(50);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(expected), out.toString(StandardCharsets.UTF_8));
        String probe = exec("/usr/bin/ffprobe", "-v", "error", "-read_intervals", "%+2", "-count_frames", "-select_streams", "v",
                "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0",
                "rtmp://127.0.0.1:" + port + "/live/demo");
        String[] f = probe.split(",");
        assertEquals("h264", f[0], probe);
        assertEquals("1280", f[1]);
        assertEquals("720", f[2]);
        assertTrue(Integer.parseInt(f[3]) >= 30, "frames decoded in 2 s: " + probe);
        assertEquals(0, job.get(30, TimeUnit.SECONDS));
    }

    @Test
    void sluiceStreamPublishesIntoSluiceServeAndFfmpegPlaysIt() throws Exception {
        int port = freePort();
        int httpPort = freePort();
        CompletableFuture<Integer> server = CompletableFuture.supplyAsync(() -> SluiceCli.run(
                new String[] {"serve", "--bind", "127.0.0.1", "--port", Integer.toString(port), "--http-port", Integer.toString(httpPort), "--duration", "20s"}, System.out, System.err));
        Thread.sleep(1000);
        String url = "rtmp://127.0.0.1:" + port + "/live/clip";
        Path recording = dir.resolve("played.flv");
        Process player = new ProcessBuilder("/usr/bin/ffmpeg", "-v", "error", "-y", "-rw_timeout", "15000000", "-i", url, "-c", "copy", recording.toString())
                .redirectErrorStream(true).start();
        Thread.sleep(500);
        String clip = Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media", "bbb_rabbit_320x240_8s_h264_aac.mp4").toString();
        int code = SluiceCli.run(new String[] {"stream", "--input", clip, "--to", url, "--copy", "--realtime", "--quiet"}, System.out, System.err);
        assertEquals(0, code);
        assertTrue(player.waitFor(30, TimeUnit.SECONDS), "player did not end after the publisher left");
        String frames = exec("/usr/bin/ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", recording.toString());
        assertTrue(Integer.parseInt(frames) >= 0.95 * 234, "frames played: " + frames + " of 234");
        String audio = exec("/usr/bin/ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name",
                "-of", "csv=p=0", recording.toString());
        assertEquals("aac", audio, "the recording has the published AAC track");
        server.cancel(true);
    }
}
