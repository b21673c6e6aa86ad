package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test of the embedding example as its own process, as the README runs it, with ffprobe/ffmpeg as peers. */
class EmbeddedServerExampleTest {
    @TempDir
    Path dir;

    @Test
    void theExampleServesItsStreamAndGuardsPublishingWithTheToken() throws Exception {
        int rtmp = MainJobTest.freePort();
        int http = MainJobTest.freePort();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.sluice.examples.EmbeddedServerExample",
                Integer.toString(rtmp), Integer.toString(http), "20").redirectErrorStream(true);
        pb.environment().put("SLUICE_PUBLISH_TOKEN", "smoke-token");
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            while (lines.stream().noneMatch(x -> x.startsWith("publish:"))) {
                String l = out.readLine();
                assertTrue(l != null, "the example ended early: " + lines);
                lines.add(l);
            }
            assertTrue(lines.contains("watch:   http://127.0.0.1:" + http + "/watch/app/pattern"), String.join("\n", lines));
            assertTrue(lines.contains("publish: ffmpeg -re -i clip.mp4 -c copy -f flv \"rtmp://127.0.0.1:" + rtmp
                    + "/live/cam?token=smoke-token\""), String.join("\n", lines));
            StringBuffer rest = new StringBuffer();
            new Thread(() -> out.lines().forEach(l -> rest.append(l).append('\n'))).start(); // keep draining
            assertTrue(p.isAlive(), "the example runs: " + rest);

            String probe = MainJobTest.exec("/usr/bin/ffprobe", "-v", "error", "-read_intervals", "%+1", "-count_frames",
                    "-select_streams", "v", "-show_entries", "stream=codec_name,width,nb_read_frames", "-of", "csv=p=0",
                    "rtmp://127.0.0.1:" + rtmp + "/app/pattern");
            assertTrue(probe.startsWith("h264,640,"), probe);

            Process noToken = new ProcessBuilder("/usr/bin/ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                    "-t", "1", "-c:v", "libx264", "-f", "flv", "rtmp://127.0.0.1:" + rtmp + "/live/cam")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("no-token.log").toFile()).start();
            assertTrue(noToken.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, noToken.exitValue(), "publishing without the token is refused");
            HttpResponse<Void> whip = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + http + "/whip/live/cam")).header("Content-Type", "application/sdp")
                    .POST(HttpRequest.BodyPublishers.ofString("v=0\r\n")).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(401, whip.statusCode());
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the example stops");
        }
    }
}
