package io.sluice.benchmarks.bottleneck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.Result;
import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.Rung;
import io.sluice.benchmarks.bottleneck.WhepLadderViewersBench.ViewerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Simulcast end to end (issue 13, "Chromium publishing three layers over WHIP, two Chromium viewers on different
 * bottlenecks get different layers, and an RTMP player of the same stream gets the top one"): headless Chromium
 * publishes its 1280×720 fake camera at {@value #FPS} fps as three simulcast layers (q 320×180, h 640×360,
 * f 1280×720) to a Sluice server in the sender namespace, unshaped ({@link SimulcastSource}); the test waits (at most
 * {@value #RAMP_TIMEOUT_MS} ms) until Chromium sends its full-size layer at its frame rate, then two headless Chromium
 * WHEP viewers of {@code live/v} watch for 30 s, each behind its own tbf (300 ms drop-tail) of
 * {@value #LOW_BPS} and {@value #HIGH_BPS} bit/s ({@link WhepLadderViewersBench} with the layers as the rungs), and
 * from {@value #RTMP_AT_MS} ms an ffmpeg RTMP player of {@code live/v} in the sender namespace decodes 5 s of it. The low capacity is
 * under what the top layer alone needs and above the lower ones (see the run's {@code layers} figure for what
 * Chromium sent). Asserts: the server offered three layers, largest first; the low-capacity viewer ends (the rung
 * played most in the last 5 s) on a lower layer than the high-capacity one and decodes a smaller picture once settled
 * (5 s after its first frame); the high-capacity viewer ends on the largest layer and decodes its height; the RTMP
 * player decodes the largest layer's height; no viewer freezes for over 1 s once settled, except over a gap of
 * over 1 s in the layers the server received from Chromium ({@code sourceGapsMs}). On this machine Chromium's
 * fake camera gives thin layers (server side, first runs: f 170-309 kbit/s at 7-14 fps, h 230 kbit/s, q 105 kbit/s,
 * all 20 fps but f): at 600 kbit/s the low viewer carried the top layer too, hence {@value #LOW_BPS} bit/s. Fails, naming what is
 * missing, when not root or without Chromium or ffmpeg. Figures and plots go to {@code target/simulcast-viewers-ci/}.
 */
@Tag("bottleneck")
@Tag("chromium")
class SimulcastViewersCiTest {
    private static final Path OUT = Path.of("target/simulcast-viewers-ci");
    static final int FPS = 20;
    static final long RAMP_TIMEOUT_MS = 90_000;
    static final long LOW_BPS = 250_000;
    static final long HIGH_BPS = 6_000_000;
    static final long DURATION_MS = 30_000;
    /**
     * When the RTMP player starts, ms after the viewers: early, while the top layer's GOP (since the keyframe the
     * viewers' joins asked for) still fits the hub's GOP cache (900 frames): Chromium sends keyframes only when asked,
     * and an RTMP player cannot ask. Later if the largest layer is paused then (Chromium resumes it, with a keyframe,
     * once its estimate allows: 2.3-13.2 s and 1.6-12.0 s into two runs at load 4-5, when a player started at 8 s
     * decoded 7 and 3 frames); the bench waits for it to flow.
     */
    static final long RTMP_AT_MS = 8_000;

    @Test
    void viewersOnDifferentBottlenecksGetDifferentLayersAndAnRtmpPlayerGetsTheTopOne() throws Exception {
        WhepViewerCiTest.requireChromiumPeers();
        assertTrue(Files.isExecutable(Path.of("/usr/bin/ffmpeg")), "the RTMP player needs /usr/bin/ffmpeg");
        WhepLadderViewersBench bench = new WhepLadderViewersBench(new SimulcastSource(FPS, RAMP_TIMEOUT_MS), OUT,
                WhepLadderViewersBench.VIEWER_OPTIONS).rtmpPlayer(RTMP_AT_MS, 5);
        Result r = bench.run("ci-simulcast-2-viewers-30s", new long[] {LOW_BPS, HIGH_BPS}, DURATION_MS);
        WhepLadderViewersBench.writeFigures(OUT, r);
        System.out.println("simulcast run: " + r.run() + " plot " + r.plot());
        for (ViewerResult v : r.viewers()) {
            Map<String, Object> f = v.figures();
            System.out.printf("simulcast viewer at %d kbit/s: rungs %s; final %s, majority %s (%s); GCC target p50 %s"
                    + " kbit/s; decoded %s (%s) at %s fps; freezes once settled %s (over 1 s %s, longest %s ms); all %s%n",
                    v.capacityBps() / 1000, WhepLadderViewersBench.rungTimeline(v.rungs(), r.ladder()), f.get("finalRung"),
                    f.get("majorityRung"), f.get("majorityShare"), f.get("targetP50Kbps"), f.get("decodedHeight"),
                    ViewerAnalysis.resolutions(ViewerAnalysis.within(v.samples(), DURATION_MS)), f.get("decodedFps"),
                    f.get("freezesAfter5s"), f.get("freezesOver1sAfter5s"), f.get("longestFreezeAfter5sMs"), f);
        }
        List<Rung> ladder = r.ladder(); // largest first
        assertEquals(3, ladder.size(), "the layers the viewers were offered: " + ladder + "; run " + r.run());
        assertTrue(ladder.get(0).height() > ladder.get(1).height() && ladder.get(1).height() > ladder.get(2).height(),
                "layers largest first: " + ladder);
        int top = ladder.get(0).height();
        List<String> rungs = ladder.stream().map(g -> g.height() + "p").toList();
        Map<String, Object> low = r.viewers().get(0).figures();
        Map<String, Object> high = r.viewers().get(1).figures();
        int lowRung = rungs.indexOf(low.get("finalRung"));
        int highRung = rungs.indexOf(high.get("finalRung"));
        assertTrue(lowRung >= 0 && highRung >= 0, "no rung readings from the server: low " + low + ", high " + high);
        assertTrue(lowRung > highRung, "the " + LOW_BPS / 1000 + " kbit/s viewer ends on " + low.get("finalRung") + ", the "
                + HIGH_BPS / 1000 + " kbit/s one on " + high.get("finalRung") + ": low " + low + ", high " + high);
        assertEquals(0, highRung, "the " + HIGH_BPS / 1000 + " kbit/s viewer does not end on the largest layer: " + high);
        assertTrue(low.get("decodedHeight") instanceof Integer lh && high.get("decodedHeight") instanceof Integer hh && lh < hh,
                "decoded heights once settled: low " + low.get("decodedHeight") + ", high " + high.get("decodedHeight"));
        assertEquals(top, high.get("decodedHeight"), "the " + HIGH_BPS / 1000 + " kbit/s viewer's decoded height: " + high);
        assertEquals(top, r.run().get("rtmpHeight"), "the RTMP player's decoded height: " + r.run());
        assertTrue(((Number) r.run().get("rtmpFrames")).longValue() >= 2L * FPS, "the RTMP player decoded under 2 s of"
                + " frames in 5 s: " + r.run());
        List<long[]> gaps = WhepLadderViewersBench.sourceGaps(r);
        for (ViewerResult v : r.viewers()) {
            Map<String, Object> f = v.figures();
            assertTrue(f.get("firstFrameMs") instanceof Number n && n.longValue() >= 0,
                    "the viewer at " + v.capacityBps() / 1000 + " kbit/s decoded no frame: " + f);
            long settled = ((Number) f.get("firstFrameMs")).longValue() + 5_000;
            for (ViewerAnalysis.Freeze z : ViewerAnalysis.freezes(v.samples(), DURATION_MS)) {
                long from = Math.round(z.endMs() - z.durationMs());
                long to = Math.round(z.endMs());
                boolean publishers = gaps.stream().anyMatch(g -> g[0] - GAP_SLACK_MS <= to && from <= g[1] + GAP_SLACK_MS);
                assertTrue(z.durationMs() <= 1_000 || z.endMs() <= settled || publishers, "the viewer at "
                        + v.capacityBps() / 1000 + " kbit/s froze " + Math.round(z.durationMs()) + " ms once settled ("
                        + from + "-" + to + " ms), not during a gap of the publisher's layers (" + r.run().get("sourceGapsMs")
                        + "): " + f);
            }
        }
    }

    /**
     * A viewer's freeze within this of a gap over 1 s in a layer the server received (Chromium's encoder stops a
     * layer now and then on this 2-core machine; both viewers then froze for ~3 s at once) is the publisher's, ms.
     */
    static final long GAP_SLACK_MS = 1_000;
}
