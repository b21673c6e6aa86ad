package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.StreamPipeline;
import io.sluice.server.SluiceServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The main job as a user sees it: the embedded server with the test pattern (x264 + AAC), opened in
 * headless Chromium at /watch/live/demo (WHEP; AAC transcoded to Opus, H.264 passed through).
 */
@Tag("chromium")
class MainJobInBrowserTest {
    @Test
    void chromiumPlaysTheDemoStreamFromThePlayerPage() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "needs Debian chromium + chromium-driver (.ci/install-deps.sh)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .transcoderFactory(new FfmpegFrameTranscoderFactory()).build().start();
             StreamPipeline demo = SluiceCli.publishDemo(server.hub(), "live/demo", Duration.ofSeconds(30))) {
            Path profile = Files.createTempDirectory("sluice-chromium-");
            ChromeOptions o = new ChromeOptions();
            o.setBinary(new File("/usr/bin/chromium"));
            o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required", "--allow-loopback-in-peer-connection",
                    "--user-data-dir=" + profile);
            System.setProperty("SE_OFFLINE", "true");
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                    .usingAnyFreePort().withTimeout(Duration.ofSeconds(30)).build();
            ChromeDriver driver = new ChromeDriver(service, o);
            try {
                driver.get(server.watchUrl("live/demo"));
                Map<String, Object> stats = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < deadline) {
                    Thread.sleep(500);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> s = (Map<String, Object>) ((JavascriptExecutor) driver).executeScript("return window.sluice && window.sluice.stats;");
                    stats = s;
                    if (s != null && ((Number) s.get("framesDecoded")).longValue() >= 90 && ((Number) s.get("audioSamples")).longValue() > 0) {
                        break;
                    }
                }
                assertTrue(stats != null, "the player page reported no stats; page state: "
                        + ((JavascriptExecutor) driver).executeScript("return JSON.stringify({e: window.sluice && window.sluice.error,"
                        + " s: document.getElementById('status') && document.getElementById('status').textContent, u: location.href})"));
                assertTrue(((Number) stats.get("framesDecoded")).longValue() >= 90, "framesDecoded: " + stats);
                assertEquals(1280L, ((Number) stats.get("frameWidth")).longValue(), stats.toString());
                assertEquals(720L, ((Number) stats.get("frameHeight")).longValue(), stats.toString());
                assertTrue(((Number) stats.get("audioSamples")).longValue() > 0, "Opus audio: " + stats);
            } finally {
                driver.quit();
            }
        }
    }
}
