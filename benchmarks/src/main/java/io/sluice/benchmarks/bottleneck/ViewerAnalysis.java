package io.sluice.benchmarks.bottleneck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figures of one WHEP viewer behind a bottleneck ({@link WhepViewerBench}), from its browser's {@code getStats()}
 * samples and the bottleneck's qdisc samples. Keys of {@link #figures} (times in ms from the schedule's start):
 * <ul>
 *   <li>{@code firstFrameMs}: first sample with a decoded video frame (-1: none); sampled every 250 ms</li>
 *   <li>{@code framesDecoded}, {@code decodedFps} (from the first frame to the end)</li>
 *   <li>{@code freezes}, {@code freezeMs}: Chromium's {@code freezeCount} and {@code totalFreezesDuration}
 *       (libwebrtc: a rendered-frame interval &gt; max(3 × average, average + 150 ms)) at the end, plus a stall at
 *       the end: no new decoded frame for the last &gt; 1 s (Chromium counts a freeze only when it ends)</li>
 *   <li>{@code freezesAfter1s}: freezes that end more than 1 s after the first decoded frame (the video was
 *       frozen at some moment after its first second); {@code freezesOver1sAfter1s}: those longer than 1 s;
 *       {@code longestFreezeMs}. Each freeze's end is known to the 250 ms sample in which {@code freezeCount} grew,
 *       its duration from {@code totalFreezesDuration}'s growth in that sample (split evenly when two ended in one)</li>
 *   <li>{@code utilization}: bytes the browser received (selected candidate pair: all RTP/RTCP) × 8 / capacity,
 *       from the first to the last sample within the run; {@code receivedKbps} the same bytes per second</li>
 *   <li>{@code deliveredUtilization}, {@code queueDelayP50Ms}, {@code queueDelayP95Ms}, {@code loss} and the step
 *       figures ({@code timeToCutMs}, …) of {@link Analysis#figures} at the bottleneck, whose traffic is this
 *       viewer's media (the server's sending side is the shaped one)</li>
 *   <li>{@code packetsLost}, {@code nacks}, {@code plis}, {@code framesDropped}, {@code jitterBufferMs}
 *       (jitterBufferDelay / jitterBufferEmittedCount) at the end</li>
 *   <li>from the server's session stats: {@code targetP50Kbps} (GCC's target, median of the readings with one),
 *       {@code pacerDelayP95Ms}, and at the end {@code serverFramesDropped} (video frames the server did not send
 *       because its pacer held over 1 s), {@code retransmissions}, {@code keyframeRequests}</li>
 *   <li>{@code resolutions}: each decoded size with the second it first appeared, e.g. {@code 854x480@0.8s}</li>
 * </ul>
 */
public final class ViewerAnalysis {
    private ViewerAnalysis() {
    }

    /** One {@code getStats()} reading of a viewer, counters cumulative (see {@link ViewerMain}). */
    public record Sample(double tMs, long framesDecoded, long freezeCount, long freezeMs, int width, int height,
            long packetsLost, long nacks, long videoBytes, long jitterBufferDelayMs, long jitterBufferEmitted,
            long transportBytes, long framesDropped, long plis, String state) {
    }

    /**
     * One reading of the server's stats for the viewer's WHEP session ({@code WebRtcSessionStats}): GCC's target and
     * the pacing rate (bit/s, 0 without per-viewer congestion control), how long the pacer's oldest packet has
     * waited (µs), and cumulative video frames dropped for the pacer's backlog, RTP bytes sent, retransmissions and
     * keyframe requests received.
     */
    public record ServerSample(double tMs, long targetBps, long pacingBps, long pacerDelayUs, long framesDropped,
            long bytesSent, long retransmissions, long keyframeRequests) {
    }

    /** A freeze: when it ended (ms) and how long it lasted (ms); {@code atEnd} for a stall still going at the end. */
    public record Freeze(double endMs, double durationMs, boolean atEnd) {
    }

    /** The samples within the run (0..{@code durationMs}). */
    static List<Sample> within(List<Sample> samples, long durationMs) {
        return samples.stream().filter(s -> s.tMs() >= 0 && s.tMs() <= durationMs).toList();
    }

    /** First sample time with a decoded frame, or -1. */
    static double firstFrameMs(List<Sample> s) {
        return s.stream().filter(x -> x.framesDecoded() > 0).findFirst().map(Sample::tMs).orElse(-1.0);
    }

    /** The freezes in the run, in order; see the class comment. */
    static List<Freeze> freezes(List<Sample> s, long durationMs) {
        List<Freeze> out = new ArrayList<>();
        for (int i = 1; i < s.size(); i++) {
            long n = s.get(i).freezeCount() - s.get(i - 1).freezeCount();
            long ms = s.get(i).freezeMs() - s.get(i - 1).freezeMs();
            for (int k = 0; k < n; k++) {
                out.add(new Freeze(s.get(i).tMs(), ms / (double) n, false));
            }
        }
        double last = -1;
        for (int i = 1; i < s.size(); i++) {
            if (s.get(i).framesDecoded() > s.get(i - 1).framesDecoded()) {
                last = s.get(i).tMs();
            }
        }
        double first = firstFrameMs(s);
        if (first < 0) {
            out.add(new Freeze(durationMs, durationMs, true)); // nothing decoded: frozen throughout
        } else if (durationMs - Math.max(first, last) > 1000) {
            out.add(new Freeze(durationMs, durationMs - Math.max(first, last), true));
        }
        return out;
    }

    /**
     * @param samples   the viewer's samples, times from the schedule's start
     * @param bottleneck the qdisc samples of the viewer's bottleneck with its schedule (no flows)
     * @param server    the server's readings of the viewer's session (may be empty)
     */
    public static Map<String, Object> figures(List<Sample> samples, RunData bottleneck, List<ServerSample> server) {
        long dur = bottleneck.schedule().durationMs();
        List<Sample> s = within(samples, dur);
        Map<String, Object> f = new LinkedHashMap<>();
        if (s.size() < 2) {
            f.put("error", "fewer than 2 viewer samples");
            return f;
        }
        Sample a = s.get(0);
        Sample z = s.get(s.size() - 1);
        double first = firstFrameMs(s);
        f.put("firstFrameMs", Math.round(first));
        f.put("framesDecoded", z.framesDecoded());
        f.put("decodedFps", first < 0 ? 0 : Analysis.round(z.framesDecoded() * 1000.0 / (dur - first), 1));
        List<Freeze> fr = freezes(s, dur);
        f.put("freezes", fr.size());
        f.put("freezeMs", Math.round(fr.stream().mapToDouble(Freeze::durationMs).sum()));
        List<Freeze> late = fr.stream().filter(x -> first < 0 || x.endMs() > first + 1000).toList();
        f.put("freezesAfter1s", late.size());
        f.put("freezesOver1sAfter1s", late.stream().filter(x -> x.durationMs() > 1000).count());
        f.put("longestFreezeMs", Math.round(fr.stream().mapToDouble(Freeze::durationMs).max().orElse(0)));
        double cap = Analysis.capacityBits(bottleneck.schedule(), a.tMs(), z.tMs());
        double bits = (z.transportBytes() - a.transportBytes()) * 8.0;
        f.put("utilization", cap == 0 ? 0 : Analysis.round(bits / cap, 3));
        f.put("receivedKbps", z.tMs() > a.tMs() ? Math.round(bits / (z.tMs() - a.tMs())) : 0);
        Map<String, Object> q = Analysis.figures(bottleneck);
        q.forEach((k, v) -> f.put(k.equals("utilization") ? "deliveredUtilization" : k, v));
        f.put("packetsLost", z.packetsLost());
        f.put("nacks", z.nacks());
        f.put("plis", z.plis());
        f.put("framesDropped", z.framesDropped());
        f.put("jitterBufferMs", z.jitterBufferEmitted() == 0 ? 0
                : Analysis.round(z.jitterBufferDelayMs() / (double) z.jitterBufferEmitted(), 1));
        f.put("resolutions", resolutions(s));
        List<ServerSample> g = server.stream().filter(x -> x.tMs() >= 0 && x.tMs() <= dur).toList();
        if (!g.isEmpty()) {
            ServerSample last = g.get(g.size() - 1);
            double[] target = g.stream().filter(x -> x.targetBps() > 0).mapToDouble(x -> x.targetBps() / 1000.0).toArray();
            if (target.length > 0) {
                f.put("targetP50Kbps", Math.round(Analysis.pct(target, 50)));
                f.put("pacerDelayP95Ms", Math.round(Analysis.pct(g.stream().mapToDouble(x -> x.pacerDelayUs() / 1000.0).toArray(), 95)));
            }
            f.put("serverFramesDropped", last.framesDropped());
            f.put("retransmissions", last.retransmissions());
            f.put("keyframeRequests", last.keyframeRequests());
        }
        return f;
    }

    /** Each decoded size with the second it first appeared, space-separated ({@code 854x480@0.8s 640x360@21.3s}). */
    static String resolutions(List<Sample> s) {
        StringBuilder sb = new StringBuilder();
        String cur = "";
        for (Sample x : s) {
            String r = x.width() + "x" + x.height();
            if (x.width() > 0 && !r.equals(cur)) {
                sb.append(sb.length() == 0 ? "" : " ").append(r).append('@').append(Analysis.round(x.tMs() / 1000, 1)).append('s');
                cur = r;
            }
        }
        return sb.toString();
    }
}
