package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.webrtc.server.Chromium;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Watches a player page's {@code window.sluiceStats} (see {@code HlsPlayerPage}/{@code DashPlayerPage}):
 * waits for playback to start, lets it play, and summarises decoded frames, stalls and latency.
 *
 * @param decoded    video frames decoded during the run
 * @param stalls     {@code waiting} events after the start
 * @param p50Ms      median latency after the first 5 s, ms
 * @param p95Ms      95th percentile latency, ms
 * @param samples    latency samples used
 * @param stats      the page's final statistics
 */
public record PlayerRun(long decoded, long stalls, long p50Ms, long p95Ms, int samples, Map<String, Object> stats) {
    /** Starts {@code url} in {@code c} and plays it for {@code seconds}. */
    public static PlayerRun play(Chromium c, String url, int seconds) throws InterruptedException {
        c.driver.get(url);
        Map<String, Object> s = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (s == null || !Boolean.TRUE.equals(s.get("started"))) {
            assertTrue(System.nanoTime() < deadline, "playback never started: " + s);
            Thread.sleep(100);
            s = c.map("window.sluiceStats");
        }
        long decodedAtStart = Chromium.num(s, "decoded");
        Thread.sleep(seconds * 1000L);
        s = c.map("window.sluiceStats");
        @SuppressWarnings("unchecked")
        List<Object> lat = (List<Object>) s.get("latencies");
        List<Long> latencies = new ArrayList<>();
        for (int i = Math.min(20, lat.size()); i < lat.size(); i++) { // 4 samples a second: the first 5 s settle the start
            latencies.add(((Number) lat.get(i)).longValue());
        }
        latencies.sort(null);
        long p50 = latencies.isEmpty() ? -1 : latencies.get(latencies.size() / 2);
        long p95 = latencies.isEmpty() ? -1 : latencies.get(latencies.size() * 95 / 100);
        return new PlayerRun(Chromium.num(s, "decoded") - decodedAtStart, Chromium.num(s, "stalls"), p50, p95, latencies.size(), s);
    }

    /** One line of figures for the test log. */
    public String summary(String what, int seconds) {
        return String.format("%s: decoded %d frames in %d s, dropped %d, stalls %d %s, latency p50 %d ms p95 %d ms (n=%d), errors %s",
                what, decoded, seconds, Chromium.num(stats, "dropped"), stalls, stats.get("stallsAt"), p50Ms, p95Ms, samples,
                stats.get("errors"));
    }
}
