package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.hub.StreamHub;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Headless Chromium plays hub streams through the server's WHEP endpoint and player page. */
@Tag("chromium")
class WhepChromiumTest {
    private StreamHub hub;
    private WebRtcServer server;

    @BeforeEach
    void start() {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        hub = StreamHub.create();
        server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    static void awaitLive(StreamHub hub, String stream) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (hub.tracks(stream).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(hub.tracks(stream).isPresent(), "stream " + stream + " never went live");
    }

    /** Waits for the page's first decoded frame; returns the stats then. */
    static Map<String, Object> awaitFirstFrame(Chromium c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> s = c.map("window.sluice && window.sluice.stats");
            Object error = c.js("return window.sluice && window.sluice.error;");
            assertNull(error, "page error");
            if (s != null && Chromium.num(s, "framesDecoded") > 0) {
                return s;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no decoded frame in 20 s; stats: " + c.map("window.sluice && window.sluice.stats"));
    }

    static long videoFramesSent(WebRtcServer server) {
        return server.stats().sessions().stream().filter(s -> s.endpoint() == WebRtcEndpoint.WHEP)
                .mapToLong(WebRtcSessionStats::framesPublished).sum();
    }

    /**
     * Result of watching for a while.
     *
     * @param hubGapMs   longest gap between video frames arriving at the hub (publisher side, before
     *                   the WebRTC server), ms
     * @param jvmStallMs longest oversleep of a 5 ms sleeper thread in this JVM (machine or GC stall), ms
     * @param loadAvg    /proc/loadavg at the end
     */
    record Watch(long sent, long decoded, Map<String, Object> first, Map<String, Object> last, long hubGapMs,
                 long jvmStallMs, String loadAvg) {
        /** What else happened on this machine, for a failure message. */
        String context() {
            return "hub video gap max " + hubGapMs + " ms, JVM stall max " + jvmStallMs + " ms, loadavg " + loadAvg
                    + "; last stats " + last;
        }
    }

    /** Watches the longest video inter-arrival gap at the hub and the longest JVM stall. */
    static final class SenderMonitor implements io.sluice.core.hub.StreamSubscriber, AutoCloseable {
        private final java.util.concurrent.atomic.AtomicLong lastVideoNanos = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong maxGapNanos = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong maxStallNanos = new java.util.concurrent.atomic.AtomicLong();
        /** Video frames seen since subscribing. */
        final java.util.concurrent.atomic.AtomicLong videoFrames = new java.util.concurrent.atomic.AtomicLong();
        private final StreamHub.Subscription subscription;
        private final Thread sleeper;
        private volatile boolean closed;

        SenderMonitor(StreamHub hub, String stream) {
            subscription = hub.subscribe(stream, this);
            lastVideoNanos.set(0);
            maxGapNanos.set(0);
            sleeper = new Thread(() -> {
                long prev = System.nanoTime();
                while (!closed) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                    long now = System.nanoTime();
                    maxStallNanos.accumulateAndGet(now - prev - 5_000_000, Math::max);
                    prev = now;
                }
            }, "stall-probe");
            sleeper.setDaemon(true);
            sleeper.start();
        }

        /** Starts measuring now. */
        void reset() {
            lastVideoNanos.set(0);
            maxGapNanos.set(0);
            maxStallNanos.set(0);
        }

        @Override
        public void onPublish(String streamName, java.util.List<io.sluice.core.TrackInfo> tracks) {
        }

        @Override
        public void onFrame(io.sluice.core.EncodedFrame frame) {
            try {
                if (frame.track().isVideo()) {
                    videoFrames.incrementAndGet();
                    long now = System.nanoTime();
                    long prev = lastVideoNanos.getAndSet(now);
                    if (prev != 0) {
                        maxGapNanos.accumulateAndGet(now - prev, Math::max);
                    }
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void onUnpublish(String streamName) {
        }

        @Override
        public void close() {
            closed = true;
            subscription.close();
        }
    }

    static String loadAvg() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    static Watch watch(WebRtcServer server, Chromium c, String stream, Duration window) throws InterruptedException {
        c.driver.get(server.httpUrl() + "watch/" + stream);
        awaitFirstFrame(c);
        Thread.sleep(1000);
        try (SenderMonitor monitor = new SenderMonitor(server.hub(), stream)) {
            monitor.reset();
            Watch w = watchFor(server, c, window);
            return new Watch(w.sent(), w.decoded(), w.first(), w.last(), monitor.maxGapNanos.get() / 1_000_000,
                    monitor.maxStallNanos.get() / 1_000_000, loadAvg());
        }
    }

    private static Watch watchFor(WebRtcServer server, Chromium c, Duration window) throws InterruptedException {
        Map<String, Object> first = c.map("window.sluice.stats");
        long sent0 = videoFramesSent(server);
        long end = System.nanoTime() + window.toNanos();
        long freezes = Chromium.num(first, "freezeCount");
        while (System.nanoTime() < end) {
            Thread.sleep(250);
            Map<String, Object> s = c.map("window.sluice.stats");
            if (Chromium.num(s, "freezeCount") != freezes) {
                freezes = Chromium.num(s, "freezeCount");
                System.out.printf("freeze at %d frames sent, stats %s%n", videoFramesSent(server), s);
            }
        }
        Map<String, Object> last = c.map("window.sluice.stats");
        long sent1 = videoFramesSent(server);
        long decoded = Chromium.num(last, "framesDecoded") - Chromium.num(first, "framesDecoded");
        return new Watch(sent1 - sent0, decoded, first, last, 0, 0, "");
    }

    @Test
    void chromiumWatchesClipWithOpusOverWhep() throws Exception {
        try (ClipPublisher pub = new ClipPublisher(hub, "test", ClipPublisher.RABBIT, 3, true);
             Chromium c = new Chromium()) {
            awaitLive(hub, "test");
            Watch w = watch(server, c, "test", Duration.ofSeconds(9));
            System.out.printf("WHEP: sent %d video frames, Chromium decoded %d (%.1f %%); %s; server %s%n",
                    w.sent(), w.decoded(), 100.0 * w.decoded() / Math.max(1, w.sent()), w.context(), server.stats());
            assertNull(pub.failure, "publisher failed");
            assertTrue(w.sent() > 200, "frames sent in 9 s: " + w.sent());
            assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
            assertEquals(320, Chromium.num(w.last(), "frameWidth"));
            assertEquals(240, Chromium.num(w.last(), "frameHeight"));
            assertTrue(Chromium.num(w.last(), "audioSamples") > 0, "audio samples: " + w.last());
            // No freeze after the first second. The freezes seen before (1-2 per 9 s, framesDecoded stalling
            // 350-600 ms while framesReceived grew) came from the GOP cache's audio: seconds of Opus sent in
            // one burst at subscribe time left ~2-3 s in Chromium's audio jitter buffer, and A/V sync kept
            // raising the video delay to match. WhepSession now skips the cached audio; the audio jitter
            // buffer delay (average since the start) stays well below that.
            assertTrue(Chromium.num(w.last(), "audioJitterBufferMs") < 400, "audio jitter buffer: " + w.context());
            assertEquals(Chromium.num(w.first(), "freezeCount"), Chromium.num(w.last(), "freezeCount"),
                    "freezes after the first second: " + w.context());
        }
    }

    /** Raw video inbound-rtp totals: {jitterBufferTargetDelay s, jitterBufferEmittedCount}. */
    @SuppressWarnings("unchecked")
    static double[] jitterBufferTarget(Chromium c) {
        Object r = c.driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.sluice.pc.getStats().then(st => { let v = null;"
                + " st.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') v = s; });"
                + " done(v ? [v.jitterBufferTargetDelay || 0, v.jitterBufferEmittedCount || 0] : null); });");
        java.util.List<Number> l = (java.util.List<Number>) r;
        return new double[] {l.get(0).doubleValue(), l.get(1).doubleValue()};
    }

    /**
     * The server's buffer hint reaches Chromium through the playout-delay RTP header extension alone: the page
     * leaves {@code jitterBufferTarget} unset when the answer negotiated the extension, and Chromium's jitter buffer
     * target delay per frame ({@code jitterBufferTargetDelay}, W3C webrtc-stats; unlike
     * {@code jitterBufferMinimumDelay} it counts external minimums such as this one) is at least what the packets
     * carry, which the session publishes at {@code GET <session>/state} ({@code playoutDelaySentMs}).
     */
    @Test
    void playoutDelayExtensionRaisesChromiumsJitterBufferTarget() throws Exception {
        server.close();
        server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).viewerPlayoutDelay(true)
                .build();
        server.start();
        try (ClipPublisher pub = new ClipPublisher(hub, "pd", ClipPublisher.RABBIT, 3, true);
             Chromium c = new Chromium()) {
            awaitLive(hub, "pd");
            c.driver.get(server.httpUrl() + "watch/pd");
            awaitFirstFrame(c);
            // the packets carry the minimum from the first keyframe after the join has drained
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline && Chromium.num(c.map("window.sluice.state || {playoutDelaySentMs: -1}"),
                    "playoutDelaySentMs") <= 0) {
                Thread.sleep(200);
            }
            assertTrue(String.valueOf(c.js("return window.sluice.pc.remoteDescription.sdp;"))
                    .contains("rtp-hdrext/playout-delay"), "the answer negotiates playout-delay");
            Thread.sleep(1500); // the page polls the state every second
            double[] a = jitterBufferTarget(c);
            Thread.sleep(3000);
            double[] b = jitterBufferTarget(c);
            Map<String, Object> state = c.map("window.sluice.state");
            long hintMs = Chromium.num(state, "playoutDelayMs");
            long sentMs = Chromium.num(state, "playoutDelaySentMs");
            double targetMs = 1000 * (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
            System.out.printf("playout delay hint %d ms, in the packets %d ms; Chromium's jitter buffer target %.0f ms per frame"
                    + " over %.0f frames; jitterBufferTarget %s%n", hintMs, sentMs, targetMs, b[1] - a[1],
                    c.js("return window.sluice.pc.getReceivers().map(r => r.jitterBufferTarget);"));
            assertTrue(hintMs >= 50, "the session's hint: " + state);
            assertTrue(b[1] - a[1] > 50, "frames emitted in 3 s: " + (b[1] - a[1]));
            // the packets carry the first keyframe's figure at the pacing floor (raised only when a later one needs
            // 1.3 × it); Chromium's own jitter estimate may raise its target above it, never lower it. Without the
            // extension its target here was 42-47 ms per frame.
            assertTrue(sentMs >= 50, "in the packets " + sentMs + " ms, hint " + hintMs + " ms");
            // the stat leaves out the render delay Chromium adds to the target (10 ms) and its decode time; 155-173 ms
            // per frame for 181 ms carried in three runs, 42-47 ms without the extension
            assertTrue(targetMs >= sentMs - 50, "target delay " + targetMs + " ms for " + sentMs + " ms in the packets");
        }
    }

    @Test
    void chromiumWatchesAacStreamTranscodedToOpus() throws Exception {
        try (ClipPublisher pub = new ClipPublisher(hub, "aac", ClipPublisher.RABBIT, 3, false);
             Chromium c = new Chromium()) {
            awaitLive(hub, "aac");
            assertEquals(io.sluice.core.Codec.AAC, hub.tracks("aac").orElseThrow().stream()
                    .filter(io.sluice.core.TrackInfo::isAudio).findFirst().orElseThrow().codec());
            Watch w = watch(server, c, "aac", Duration.ofSeconds(6));
            System.out.printf("WHEP AAC->Opus: sent %d video frames, Chromium decoded %d; last stats %s%n",
                    w.sent(), w.decoded(), w.last());
            assertNull(pub.failure, "publisher failed");
            assertTrue(w.decoded() >= 0.9 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
            assertTrue(Chromium.num(w.last(), "audioSamples") > 48_000, "audio samples: " + w.last());
        }
    }

    @Test
    void lossRecoveryThroughImpairmentRelay() throws Exception {
        server.close();
        try (UdpImpairmentRelay relay = new UdpImpairmentRelay(0.05, 42, 0)) {
            server = WebRtcServer.builder(hub).hostCandidates(java.util.List.of(relay.address())).build();
            server.start();
            relay.target(server.udpAddress());
            try (ClipPublisher pub = new ClipPublisher(hub, "lossy", ClipPublisher.RABBIT, 3, true);
                 Chromium c = new Chromium()) {
                awaitLive(hub, "lossy");
                Watch w = watch(server, c, "lossy", Duration.ofSeconds(9));
                WebRtcSessionStats s = server.stats().sessions().get(0);
                System.out.printf("WHEP with 5 %% loss: sent %d video frames, Chromium decoded %d (%.1f %%), nackCount %d,"
                                + " server retransmissions %d, relay dropped %d of %d; last stats %s%n", w.sent(), w.decoded(),
                        100.0 * w.decoded() / Math.max(1, w.sent()), Chromium.num(w.last(), "nackCount"),
                        s.retransmissions(), relay.dropped.get(), relay.forwarded.get() + relay.dropped.get(), w.last());
                assertTrue(w.decoded() >= 0.85 * w.sent(), "decoded " + w.decoded() + " of " + w.sent());
                assertTrue(Chromium.num(w.last(), "nackCount") > 0, "nackCount: " + w.last());
                assertTrue(s.retransmissions() > 0, "retransmissions: " + s);
            }
        }
    }

    @Test
    void timeToFirstFrame() throws Exception {
        try (ClipPublisher pub = new ClipPublisher(hub, "ttff", ClipPublisher.RABBIT, 12, true);
             Chromium c = new Chromium()) {
            awaitLive(hub, "ttff");
            java.util.List<Double> times = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                c.driver.get(server.httpUrl() + "watch/ttff");
                long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                Object ms = null;
                while (ms == null && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                    ms = c.js("return window.sluice && window.sluice.firstFrameMs;");
                }
                assertTrue(ms != null, "no first frame in run " + i);
                times.add(((Number) ms).doubleValue());
                System.out.printf("run %d: first frame after %.0f ms; page timeline %s%n", i, ((Number) ms).doubleValue(),
                        c.js("return window.sluice.timeline;"));
            }
            java.util.List<Double> sorted = times.stream().sorted().toList();
            double p50 = (sorted.get(4) + sorted.get(5)) / 2;
            System.out.printf("time to first frame (WHEP POST -> framesDecoded > 0), 10 runs: p50 %.0f ms, min %.0f ms,"
                    + " max %.0f ms, all %s%n", p50, sorted.get(0), sorted.get(9), times);
            // Goal: < 500 ms on loopback. Measured p50 ~110 ms, max ~660 ms (the first, cold run) once media
            // waits for ICE nomination as well as DTLS; before, p50 2.7 s, max 4.9 s: Chromium finishes DTLS
            // before it nominates, the GOP cache's keyframe went nowhere and the viewer waited for the next GOP.
            assertTrue(p50 < 500, "p50 " + p50 + " ms (goal < 500 ms)");
        }
    }
}
