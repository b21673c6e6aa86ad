package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.HeadlessChromium;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Headless Chromium publishing through the Sluice server's {@code /publish/<stream>} page (WHIP), run in the
 * sender namespace, with fake capture from a Y4M file (Chromium loops it) or Chromium's built-in fake camera, and
 * its own congestion control.
 *
 * <p>Usage: {@code ChromiumPublisherMain <page url> <y4m | -> <seconds>} ({@code -}: the built-in fake camera, a
 * generated test pattern at the size the page asks for, e.g. 1280×720 for {@code /publish/<s>?simulcast}). Prints,
 * every 250 ms, {@code C <nanoTime> <candidate-pair bytesSent> <availableOutgoingBitrate bit/s> <video targetBitrate
 * bit/s> <frameWidth> <framesPerSecond> <qualityLimitationReason> <connectionState>} from
 * {@code RTCPeerConnection.getStats()} (the video figures of the last video {@code outbound-rtp} in the report) and,
 * for a simulcast publisher (RFC 8853), one line per layer: {@code L <nanoTime> <rid> <bytesSent> <frameWidth>
 * <frameHeight> <framesPerSecond> <targetBitrate bit/s> <qualityLimitationReason> <active>} (bytesSent cumulative;
 * size and rate 0 while the layer is paused).
 */
public final class ChromiumPublisherMain {
    private static final String STATS_JS = """
            const pc = window.sluice && window.sluice.pc;
            if (!pc) return null;
            return pc.getStats().then(r => {
              const o = {bytes: 0, aob: 0, target: 0, width: 0, fps: 0, qlr: '-', state: pc.connectionState, layers: []};
              r.forEach(s => {
                if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
                  o.bytes = s.bytesSent || 0; o.aob = s.availableOutgoingBitrate || 0;
                }
                if (s.type === 'outbound-rtp' && s.kind === 'video') {
                  o.target = s.targetBitrate || 0; o.width = s.frameWidth || 0; o.fps = s.framesPerSecond || 0;
                  o.qlr = s.qualityLimitationReason || '-';
                  if (s.rid) {
                    o.layers.push([s.rid, s.bytesSent || 0, s.frameWidth || 0, s.frameHeight || 0, s.framesPerSecond || 0,
                      s.targetBitrate || 0, s.qualityLimitationReason || '-', s.active !== false].join(' '));
                  }
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
        List<String> flags = new ArrayList<>(List.of("--unsafely-treat-insecure-origin-as-secure=" + origin));
        if (!y4m.equals("-")) {
            flags.add("--use-file-for-fake-video-capture=" + y4m);
        }
        try (HeadlessChromium c = new HeadlessChromium(flags)) {
            ChromeDriver driver = c.driver;
            driver.get(url);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long t = System.nanoTime();
                Object r = ((JavascriptExecutor) driver).executeScript(STATS_JS);
                if (r instanceof Map<?, ?> m) {
                    out.println("C " + t + " " + num(m.get("bytes")) + " " + num(m.get("aob")) + " " + num(m.get("target"))
                            + " " + num(m.get("width")) + " " + num(m.get("fps")) + " " + m.get("qlr") + " " + m.get("state"));
                    if (m.get("layers") instanceof List<?> layers) {
                        layers.forEach(l -> out.println("L " + t + " " + l));
                    }
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
