package io.sluice.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Debian Chromium ({@code /usr/bin/chromium}) driven by {@code /usr/bin/chromedriver} through Selenium,
 * with a throw-away profile, autoplay allowed and nothing fetched from the network (the driver path is set, so
 * Selenium Manager never runs). Closing quits the browser and deletes the profile; so does a shutdown hook when the
 * JVM is ended first (a bench's viewer process destroyed at the end of its run used to leave its profile, ~2.5 MB,
 * under /tmp).
 */
public final class HeadlessChromium implements AutoCloseable {
    private final Path profile;
    private final ChromeDriverService service;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;
    public final ChromeDriver driver;

    /** @param extraArgs further command-line switches, e.g. {@code --use-file-for-fake-video-capture=<y4m>} */
    public HeadlessChromium(List<String> extraArgs) throws IOException {
        System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
        System.setProperty("SE_OFFLINE", "true");
        profile = Files.createTempDirectory("sluice-bench-chromium-");
        hook = new Thread(this::closeAtExit, "chromium-profile-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(new File("/usr/bin/chromium"));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required", "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--user-data-dir=" + profile);
        o.addArguments(extraArgs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        driver = new ChromeDriver(service, o);
    }

    /** Runs {@code script} in the page (a {@code return}ed promise is awaited by the driver). */
    public Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    /** Quits the browser and deletes the profile; idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: this is the hook
        }
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The shutdown hook: as {@link #close()}, errors ignored (the browser may be gone already). */
    private void closeAtExit() {
        try {
            close();
        } catch (IOException | RuntimeException ignored) {
            // best effort at exit
        }
    }
}
