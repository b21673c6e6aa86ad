package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.HeadlessChromium;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Headless Chromium watching a stream on the Sluice server's {@code /watch/<stream>} page (WHEP), run in the
 * receiver namespace of {@link WhepViewerBench}.
 *
 * <p>Usage: {@code ViewerMain <page url> <seconds> [--small-video] [--interval-ms=250]}. Starts the browser, prints {@code LAUNCHED}, waits for a
 * line {@code GO} on stdin (so that the parent can start two viewers at the same moment and its schedule with
 * them), opens the page and prints, every 250 ms (or {@code --interval-ms}), one line from {@code RTCPeerConnection.getStats()}:
 * <pre>
 * W nanoTime framesDecoded freezeCount totalFreezesDurationMs frameWidth frameHeight packetsLost nackCount
 *   videoBytesReceived jitterBufferDelayMs jitterBufferEmittedCount transportBytesReceived framesDropped pliCount
 *   connectionState
 * </pre>
 * (the first twelve counters from the video {@code inbound-rtp} stats, {@code transportBytesReceived} from the
 * {@code transport} stats: every byte that crossed the bottleneck towards the browser, DTLS, RTP and RTCP of all
 * kinds (the selected candidate pair's counter is missing from some reports); all cumulative; 0 before the peer
 * connection exists). From the page's copy of the server's {@code GET <session>/state} (the page fetches it every
 * second): {@code S <sessionUrl>} when the session's URL is first known, {@code L h:bitrate:stream,...} when the
 * rung list (highest first; bitrate 0 for a passthrough rung) is first known or changes (the session id, last
 * in the URL, names the session in {@link ReceiverMain}'s {@code G} lines). Stops after {@code seconds} from
 * {@code GO} and prints {@code DONE}. With {@code --small-video} the page's player is drawn 160 px wide and its
 * charts are hidden: every frame is still received, decoded and handed to the player (libwebrtc's
 * {@code framesDecoded}, {@code freezeCount} and {@code frameHeight} count the same), but Chromium's software
 * compositor scales and draws a tenth of the pixels, so that many viewers fit on a small machine.
 */
public final class ViewerMain {
    private static final String STATS_JS = """
            const pc = window.sluice && window.sluice.pc;
            if (!pc) return null;
            return pc.getStats().then(r => {
              const o = {fd: 0, fc: 0, tfd: 0, w: 0, h: 0, lost: 0, nack: 0, vb: 0, jbd: 0, jbe: 0, tb: 0, drop: 0,
                         pli: 0, state: pc.connectionState};
              r.forEach(s => {
                if (s.type === 'inbound-rtp' && s.kind === 'video') {
                  o.fd = s.framesDecoded || 0; o.fc = s.freezeCount || 0; o.tfd = (s.totalFreezesDuration || 0) * 1000;
                  o.w = s.frameWidth || 0; o.h = s.frameHeight || 0; o.lost = s.packetsLost || 0;
                  o.nack = s.nackCount || 0; o.vb = s.bytesReceived || 0; o.jbd = (s.jitterBufferDelay || 0) * 1000;
                  o.jbe = s.jitterBufferEmittedCount || 0; o.drop = s.framesDropped || 0; o.pli = s.pliCount || 0;
                  o.jbt = (s.jitterBufferTargetDelay || 0) * 1000; o.jbm = (s.jitterBufferMinimumDelay || 0) * 1000;
                }
                if (s.type === 'transport') {
                  o.tb = s.bytesReceived || 0;
                }
              });
              o.sess = window.sluice.sessionUrl || '';
              const st = window.sluice.state;
              if (st && st.rungs) {
                o.rs = st.rungs.map(g => g.height + ':' + g.bitrate + ':' + g.stream).join(',');
              }
              return o;
            });
            """;
    /** {@code --small-video}: the player drawn 160 px wide and the page's charts hidden (see the class comment). */
    private static final String SMALL_JS = """
            const v = document.getElementById('video');
            if (v) { v.style.width = '160px'; }
            const c = document.getElementById('charts');
            if (c) { c.style.display = 'none'; }
            """;
    private static final String[] KEYS = {"fd", "fc", "tfd", "w", "h", "lost", "nack", "vb", "jbd", "jbe", "tb", "drop", "pli"};

    private ViewerMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long seconds = Long.parseLong(args[1]);
        boolean small = false;
        long intervalMs = 250;
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("--small-video")) {
                small = true;
            } else if (args[i].startsWith("--interval-ms=")) {
                intervalMs = Long.parseLong(args[i].substring("--interval-ms=".length()));
            } else {
                throw new IllegalArgumentException("unknown option " + args[i] + " (--small-video, --interval-ms=)");
            }
        }
        PrintStream out = System.out;
        String origin = url.replaceAll("^(https?://[^/]+).*$", "$1");
        try (HeadlessChromium c = new HeadlessChromium(List.of("--unsafely-treat-insecure-origin-as-secure=" + origin))) {
            out.println("LAUNCHED");
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("GO")) {
                // wait for the parent
            }
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            c.driver.get(url);
            if (small) {
                c.js(SMALL_JS);
            }
            long samples = 0;
            String session = "";
            String rungs = "";
            while (System.nanoTime() < end) {
                long t = System.nanoTime();
                Object r = c.js(STATS_JS);
                if (r instanceof Map<?, ?> m) {
                    StringBuilder sb = new StringBuilder("W ").append(t);
                    for (String k : KEYS) {
                        sb.append(' ').append(m.get(k) instanceof Number n ? Math.round(n.doubleValue()) : 0);
                    }
                    out.println(sb.append(' ').append(m.get("state")));
                    if (m.get("sess") instanceof String sess && !sess.isEmpty() && !sess.equals(session)) {
                        session = sess;
                        out.println("S " + sess);
                    }
                    if (m.get("rs") instanceof String rs && !rs.equals(rungs)) {
                        rungs = rs;
                        out.println("L " + rs);
                    }

                    if (++samples % 8 == 0) { // the player's buffer: cumulative target/minimum delay (ms) and what the page set
                        out.println("J jbd " + m.get("jbd") + " jbt " + m.get("jbt") + " jbm " + m.get("jbm") + " jbe "
                                + m.get("jbe") + " set " + c.js("return window.sluice && window.sluice.playoutDelayMs;"));
                    }
                    out.flush();
                }
                Thread.sleep(Math.max(1, intervalMs - (System.nanoTime() - t) / 1_000_000));
            }
        }
        out.println("DONE");
        out.flush();
        System.exit(0);
    }
}
