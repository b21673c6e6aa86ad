package io.sluice.webrtc.server;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Debian Chromium driven through chromedriver by Selenium, with fake media devices and
 * nothing fetched from the network (the driver path is set, so Selenium Manager never runs).
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private final Path profile;
    private final ChromeDriverService service;
    public final ChromeDriver driver;

    public static boolean available() {
        return Files.isExecutable(BINARY) && Files.isExecutable(DRIVER);
    }

    public Chromium() throws IOException {
        this(new String[0]);
    }

    /**
     * @param extraArgs further command-line switches, e.g. {@code --enable-logging --v=0} to get WebRTC's
     *                  log in {@link #logLines}
     */
    public Chromium(String... extraArgs) throws IOException {
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        System.setProperty("SE_OFFLINE", "true");
        profile = Files.createTempDirectory("sluice-chromium-");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(BINARY.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required", "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns", "--user-data-dir=" + profile);
        o.addArguments(extraArgs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString()))
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(60)).build();
        driver = new ChromeDriver(service, o);
    }

    public Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String expression) {
        Object o = js("return " + expression + ";");
        return o == null ? null : (Map<String, Object>) o;
    }

    public static long num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /**
     * Lines of Chromium's log ({@code chrome_debug.log} in the profile; only written with
     * {@code --enable-logging}) that match {@code regex}, at most {@code limit}.
     */
    public List<String> logLines(String regex, int limit) {
        try (Stream<String> lines = Files.lines(profile.resolve("chrome_debug.log"), StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.matches(regex)).limit(limit).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new AssertionError("Chromium log unreadable", e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is harmless
            }
        }
    }
}
