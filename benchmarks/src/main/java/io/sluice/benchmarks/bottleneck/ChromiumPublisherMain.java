package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.HeadlessChromium;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Headless Chromium publishing through the Sluice server's {@code /publish/<stream>} page (WHIP), run in the
 * sender namespace, with fake capture from a Y4M file (Chromium loops it) and its own congestion control.
 *
 * <p>Usage: {@code ChromiumPublisherMain <page url> <y4m> <seconds>}. Prints, every 250 ms,
 * {@code C <nanoTime> <candidate-pair bytesSent> <availableOutgoingBitrate bit/s> <video targetBitrate bit/s>
 * <frameWidth> <framesPerSecond> <qualityLimitationReason>} from {@code RTCPeerConnection.getStats()}.
 */
public final class ChromiumPublisherMain {
    private static final String STATS_JS = """
            const pc = window.sluice && window.sluice.pc;
            if (!pc) return null;
            return pc.getStats().then(r => {
              const o = {bytes: 0, aob: 0, target: 0, width: 0, fps: 0, qlr: '-', state: pc.connectionState};
              r.forEach(s => {
                if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
                  o.bytes = s.bytesSent || 0; o.aob = s.availableOutgoingBitrate || 0;
                }
                if (s.type === 'outbound-rtp' && s.kind === 'video') {
                  o.target = s.targetBitrate || 0; o.width = s.frameWidth || 0; o.fps = s.framesPerSecond || 0;
                  o.qlr = s.qualityLimitationReason || '-';
                }
              });
              return o;
            });
            """;

    private ChromiumPublisherMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String y4m = args[1];
        long seconds = Long.parseLong(args[2]);
        PrintStream out = System.out;
        String origin = url.replaceAll("^(https?://[^/]+).*$", "$1");
        try (HeadlessChromium c = new HeadlessChromium(List.of("--use-file-for-fake-video-capture=" + y4m,
                "--unsafely-treat-insecure-origin-as-secure=" + origin))) {
            ChromeDriver driver = c.driver;
            driver.get(url);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long t = System.nanoTime();
                Object r = ((JavascriptExecutor) driver).executeScript(STATS_JS);
                if (r instanceof Map<?, ?> m) {
                    out.println("C " + t + " " + num(m.get("bytes")) + " " + num(m.get("aob")) + " " + num(m.get("target"))
                            + " " + num(m.get("width")) + " " + num(m.get("fps")) + " " + m.get("qlr") + " " + m.get("state"));
                    out.flush();
                }
                Thread.sleep(Math.max(1, 250 - (System.nanoTime() - t) / 1_000_000));
            }
        }
        out.println("DONE");
        out.flush();
        System.exit(0);
    }

    private static long num(Object o) {
        return o instanceof Number n ? Math.round(n.doubleValue()) : 0;
    }
}
