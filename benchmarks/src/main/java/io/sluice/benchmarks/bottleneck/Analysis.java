package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.RunData.Counter;
import io.sluice.benchmarks.bottleneck.RunData.Flow;
import io.sluice.benchmarks.bottleneck.RunData.Frame;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 8868-style figures of one run. Keys of {@link #figures(RunData)} (absent when not measurable):
 * <ul>
 *   <li>{@code utilization}: bytes the bottleneck delivered / capacity, over the steady part of each step
 *       (a step of ≥ 4 s minus its first min(2 s, half)); over the whole run for traces (short steps)</li>
 *   <li>{@code queueDelayP50Ms}, {@code queueDelayP95Ms}: backlog × 8 / capacity at each qdisc sample</li>
 *   <li>{@code loss}: packets dropped / packets offered at the bottleneck</li>
 *   <li>per flow {@code f<i>.fps}, {@code f<i>.freezes}, {@code f<i>.freezeMs} (libwebrtc: a video frame
 *       interval &gt; max(3 × average, average + 150 ms), the average over the previous 30 intervals; the
 *       time from the last frame to the end of the run counts as an interval),
 *       {@code f<i>.delayGrowthP95Ms}, {@code f<i>.delayGrowthMaxMs} (arrival − media time of video frames,
 *       relative to the smallest value in the run), split where a Sluice publisher's encoder hands each video frame
 *       to its transport: {@code f<i>.transportDelayGrowthP95Ms}/{@code MaxMs} (arrival − hand-off: the send
 *       buffer, the socket and the network, what the rate controller acts on) and {@code f<i>.encoderLagP95Ms}
 *       (hand-off − media time: decoding the source and encoding, the machine's share), each relative to its
 *       smallest value; {@code f<i>.receivedKbps}; {@code f<i>.lastEstimateKbps} and
 *       {@code f<i>.estimateP50After20sKbps} (median from 20 s on) when the publisher reports an estimate (Sluice:
 *       {@code PipelineListener.onBandwidthEstimate}; Chromium: {@code availableOutgoingBitrate})</li>
 *   <li>{@code timeToCutMs}: per step down, from the step until the rate offered to the bottleneck (500 ms
 *       window) is ≤ the new capacity, -1 if never in that step; {@code queueBelow100MsMs}: until the queue,
 *       once over 100 ms after the step, is under 100 ms again (0 if it never went over, -1 if it stayed over);
 *       {@code estimateCutMs} (one flow with an estimate): per step down, from the step until the publisher's
 *       estimate is ≤ the new capacity, -1 if never: the controller's own reaction, which {@code timeToCutMs}
 *       shows ~0.4 s late by construction (a sender that cut to half the new capacity at once still offers more
 *       than it over the 500 ms window for ~0.4 s after a step from 4 × it); {@code timeTo90Ms}: per step up, until the delivered rate (500 ms) ≥ 90 % of the
 *       new capacity</li>
 *   <li>{@code shareWithin0.5to2}: two flows: the fraction of 5 s windows whose received-rate ratio is within
 *       [0.5, 2], and {@code shareRatios}, each window's ratio (flow 1 ÷ flow 2, -1 where flow 2 got nothing);
 *       {@code tcpShare}, {@code mediaShare}: with a TCP flow, each one's received bits / capacity (TCP:
 *       its received rate over the readings within the run, times the run length)</li>
 * </ul>
 */
public final class Analysis {
    private Analysis() {
    }

    public static Map<String, Object> figures(RunData d) {
        Map<String, Object> f = new LinkedHashMap<>();
        CapacitySchedule sch = d.schedule();
        List<QdiscSample> q = d.qdisc();
        if (q.size() < 2) {
            f.put("error", "no qdisc samples");
            return f;
        }
        f.put("utilization", round(utilization(d), 3));
        double[] delays = q.stream().mapToDouble(s -> s.backlogBytes() * 8_000.0 / sch.capacityAt((long) s.tMs())).toArray();
        f.put("queueDelayP50Ms", round(pct(delays, 50), 1));
        f.put("queueDelayP95Ms", round(pct(delays, 95), 1));
        QdiscSample a = q.get(0);
        QdiscSample b = q.get(q.size() - 1);
        long drops = b.drops() - a.drops();
        long pk = b.packets() - a.packets();
        f.put("loss", round(drops / (double) Math.max(1, drops + pk), 4));
        double durS = sch.durationMs() / 1000.0;
        for (int i = 0; i < d.flows().size(); i++) {
            Flow fl = d.flows().get(i);
            String p = d.flows().size() == 1 ? "" : "f" + (i + 1) + ".";
            List<Frame> video = fl.frames.stream().filter(Frame::video).toList();
            f.put(p + "fps", round(video.size() / durS, 1));
            double[] freeze = freezes(video, sch.durationMs());
            f.put(p + "freezes", (int) freeze[0]);
            f.put(p + "freezeMs", Math.round(freeze[1]));
            double[] growth = delayGrowth(video);
            if (growth.length > 0) {
                f.put(p + "delayGrowthP95Ms", round(pct(growth, 95), 0));
                f.put(p + "delayGrowthMaxMs", round(Arrays.stream(growth).max().orElse(0), 0));
            }
            double[][] split = transportDelayGrowth(video, fl.handoffs, sch.durationMs());
            if (split != null) {
                f.put(p + "transportDelayGrowthP95Ms", round(pct(split[0], 95), 0));
                f.put(p + "transportDelayGrowthMaxMs", round(Arrays.stream(split[0]).max().orElse(0), 0));
                f.put(p + "encoderLagP95Ms", round(pct(split[1], 95), 0));
            }
            long bytes = fl.frames.stream().mapToLong(Frame::bytes).sum();
            f.put(p + "receivedKbps", Math.round(bytes * 8 / durS / 1000));
            if (!fl.estimate.isEmpty()) {
                f.put(p + "lastEstimateKbps", fl.estimate.get(fl.estimate.size() - 1).bps() / 1000);
                double[] late = fl.estimate.stream().filter(r -> r.tMs() >= 20_000).mapToDouble(r -> r.bps() / 1000.0).toArray();
                if (late.length > 0) {
                    f.put(p + "estimateP50After20sKbps", round(pct(late, 50), 0));
                }
            }
        }
        stepFigures(d, f);
        if (d.flows().size() == 2) {
            f.put("shareWithin0.5to2", round(shareFairness(d.flows().get(0), d.flows().get(1), sch.durationMs()), 2));
            f.put("shareRatios", shareRatios(d.flows().get(0), d.flows().get(1), sch.durationMs()));
        }
        if (!d.tcp().isEmpty()) {
            double capBits = capacityBits(sch, 0, sch.durationMs());
            // readings from before t0 (the TCP flow starts before the publishers) carry t = -1: not in the run
            List<Counter> t = d.tcp().stream().filter(x -> x.tMs() >= 0 && x.tMs() <= sch.durationMs()).toList();
            long tcpBytes = t.size() < 2 ? 0 : t.get(t.size() - 1).bytes() - t.get(0).bytes();
            double tcpBits = t.size() < 2 ? 0 : tcpBytes * 8 * sch.durationMs() / (t.get(t.size() - 1).tMs() - t.get(0).tMs());
            long mediaBytes = d.flows().stream().flatMap(x -> x.frames.stream()).mapToLong(Frame::bytes).sum();
            f.put("tcpShare", round(tcpBits / capBits, 3));
            f.put("mediaShare", round(mediaBytes * 8 / capBits, 3));
        }
        return f;
    }

    /** Delivered bit/s over ({@code t - window}, {@code t}], from the qdisc's dequeued byte counter. */
    static double deliveredBps(List<QdiscSample> q, double t, double windowMs) {
        QdiscSample x = at(q, t - windowMs);
        QdiscSample y = at(q, t);
        return x == null || y == null || y.tMs() <= x.tMs() ? 0 : (y.bytes() - x.bytes()) * 8_000.0 / (y.tMs() - x.tMs());
    }

    /**
     * Offered bit/s at the bottleneck over the window: dequeued + backlog change + dropped packets × the mean
     * packet size.
     */
    static double offeredBps(List<QdiscSample> q, double t, double windowMs) {
        QdiscSample x = at(q, t - windowMs);
        QdiscSample y = at(q, t);
        if (x == null || y == null || y.tMs() <= x.tMs()) {
            return 0;
        }
        double meanPacket = y.packets() == 0 ? 1200 : y.bytes() / (double) y.packets();
        double bytes = (y.bytes() - x.bytes()) + (y.backlogBytes() - x.backlogBytes()) + (y.drops() - x.drops()) * meanPacket;
        return bytes * 8_000.0 / (y.tMs() - x.tMs());
    }

    /** The last sample at or before {@code t}, or null. */
    static QdiscSample at(List<QdiscSample> q, double t) {
        QdiscSample r = null;
        for (QdiscSample s : q) {
            if (s.tMs() > t) {
                break;
            }
            r = s;
        }
        return r;
    }

    private static double utilization(RunData d) {
        CapacitySchedule sch = d.schedule();
        List<CapacitySchedule.Step> st = sch.steps();
        double delivered = 0;
        double cap = 0;
        for (int i = 0; i < st.size(); i++) {
            long s = st.get(i).startMs();
            long e = i + 1 < st.size() ? st.get(i + 1).startMs() : sch.durationMs();
            if (e - s < 4000) {
                continue;
            }
            long from = s + Math.min(2000, (e - s) / 2);
            QdiscSample x = at(d.qdisc(), from);
            QdiscSample y = at(d.qdisc(), e);
            if (x == null || y == null || y.tMs() <= x.tMs()) {
                continue;
            }
            delivered += (y.bytes() - x.bytes()) * 8.0;
            cap += capacityBits(sch, x.tMs(), y.tMs());
        }
        if (cap == 0) {
            QdiscSample x = d.qdisc().get(0);
            QdiscSample y = d.qdisc().get(d.qdisc().size() - 1);
            delivered = (y.bytes() - x.bytes()) * 8.0;
            cap = capacityBits(sch, x.tMs(), y.tMs());
        }
        return cap == 0 ? 0 : delivered / cap;
    }

    static double capacityBits(CapacitySchedule sch, double fromMs, double toMs) {
        double bits = 0;
        for (double t = fromMs; t < toMs; t += 10) {
            bits += sch.capacityAt((long) t) * Math.min(10, toMs - t) / 1000.0;
        }
        return bits;
    }

    private static void stepFigures(RunData d, Map<String, Object> f) {
        CapacitySchedule sch = d.schedule();
        List<CapacitySchedule.Step> st = sch.steps();
        List<Long> cut = new ArrayList<>();
        List<Long> queue = new ArrayList<>();
        List<Long> up = new ArrayList<>();
        List<Long> estimateCut = new ArrayList<>();
        List<RunData.Rate> estimates = d.flows().size() == 1 ? d.flows().get(0).estimate : List.of();
        for (int i = 1; i < st.size(); i++) {
            long s = st.get(i).startMs();
            long e = i + 1 < st.size() ? st.get(i + 1).startMs() : sch.durationMs();
            if (e - s < 4000) {
                return; // a trace: no step figures
            }
            long cap = st.get(i).bps();
            if (cap < st.get(i - 1).bps()) {
                cut.add(firstTime(s, e, t -> offeredBps(d.qdisc(), t, 500) <= cap));
                if (!estimates.isEmpty()) {
                    estimateCut.add(estimates.stream().filter(r -> r.tMs() >= s && r.tMs() < e && r.bps() <= cap)
                            .findFirst().map(r -> Math.round(r.tMs() - s)).orElse(-1L));
                }
                TimePredicate below = t -> {
                    QdiscSample x = at(d.qdisc(), t);
                    return x != null && x.backlogBytes() * 8_000.0 / cap < 100;
                };
                long over = firstTime(s, e, t -> !below.test(t) && at(d.qdisc(), t) != null);
                long again = over < 0 ? 0 : firstTime(s + over, e, below);
                queue.add(over < 0 || again < 0 ? again : over + again);
            } else {
                up.add(firstTime(s, e, t -> t >= s + 500 && deliveredBps(d.qdisc(), t, 500) >= 0.9 * cap));
            }
        }
        if (!cut.isEmpty()) {
            f.put("timeToCutMs", cut);
            f.put("queueBelow100MsMs", queue);
            if (!estimateCut.isEmpty()) {
                f.put("estimateCutMs", estimateCut);
            }
        }
        if (!up.isEmpty()) {
            f.put("timeTo90Ms", up);
        }
    }

    private interface TimePredicate {
        boolean test(double tMs);
    }

    private static long firstTime(long from, long to, TimePredicate p) {
        for (double t = from; t < to; t += 50) {
            if (p.test(t)) {
                return Math.round(t - from);
            }
        }
        return -1;
    }

    /** {count, total ms} of freezes by libwebrtc's definition. */
    static double[] freezes(List<Frame> video, double endMs) {
        if (video.isEmpty()) {
            return new double[] {1, endMs}; // no video at all: frozen throughout
        }
        int count = 0;
        double total = 0;
        double[] recent = new double[30];
        int n = 0;
        for (int i = 1; i <= video.size(); i++) {
            // the last "interval" runs to the end of the run: a stream that stops is frozen until then
            double gap = (i < video.size() ? video.get(i).tMs() : endMs) - video.get(i - 1).tMs();
            if (n >= 1) {
                double avg = 0;
                int k = Math.min(n, recent.length);
                for (int j = 0; j < k; j++) {
                    avg += recent[j];
                }
                avg /= k;
                if (gap > Math.max(3 * avg, avg + 150)) {
                    count++;
                    total += gap;
                    continue; // a freeze does not feed the average
                }
            }
            recent[n % recent.length] = gap;
            n++;
        }
        return new double[] {count, total};
    }

    /** Arrival − media time of each video frame, ms, relative to the smallest value. */
    static double[] delayGrowth(List<Frame> video) {
        if (video.isEmpty()) {
            return new double[0];
        }
        double[] d = new double[video.size()];
        double min = Double.MAX_VALUE;
        for (int i = 0; i < d.length; i++) {
            d[i] = video.get(i).tMs() - video.get(i).ptsUs() / 1000.0;
            min = Math.min(min, d[i]);
        }
        for (int i = 0; i < d.length; i++) {
            d[i] -= min;
        }
        return d;
    }

    /**
     * Delay growth split at the hand-off from encoder to transport: {arrival − hand-off of each received video frame,
     * hand-off − PTS of each handed-off frame}, ms, each relative to its smallest value; {@code null} without
     * hand-offs or when fewer than half the received frames match one. The receiver's PTS is the sender's less a
     * constant (RTMP rebases timestamps to ms from the first frame; RTP to its own clock): the offset is the most
     * common PTS difference between the first received frames and the first handed-off ones of the same size (PTS
     * alone cannot tell: every multiple of the frame interval would fit), and a frame matches the hand-off whose PTS
     * less that offset is within 1 ms of its own. Encoder lag counts hand-offs within the run
     * (0..{@code durationMs}).
     */
    static double[][] transportDelayGrowth(List<Frame> video, List<RunData.Handoff> handoffs, long durationMs) {
        if (video.isEmpty() || handoffs.isEmpty()) {
            return null;
        }
        Map<Long, Integer> votes = new java.util.HashMap<>();
        for (Frame fr : video.subList(0, Math.min(30, video.size()))) {
            for (RunData.Handoff h : handoffs.subList(0, Math.min(600, handoffs.size()))) {
                if (h.bytes() == fr.bytes()) {
                    votes.merge(Math.round((h.ptsUs() - fr.ptsUs()) / 1000.0), 1, Integer::sum);
                }
            }
        }
        if (votes.isEmpty()) {
            return null;
        }
        // truncation to ms splits the right offset's votes over two neighbours: count each with its neighbours
        long offsetMs = votes.keySet().stream().max(java.util.Comparator.comparingInt(
                k -> votes.getOrDefault(k - 1, 0) + votes.get(k) + votes.getOrDefault(k + 1, 0))).orElseThrow();
        Map<Long, RunData.Handoff> byMs = new java.util.HashMap<>();
        for (RunData.Handoff h : handoffs) {
            byMs.putIfAbsent(Math.round(h.ptsUs() / 1000.0) - offsetMs, h);
        }
        List<Double> net = new ArrayList<>();
        for (Frame fr : video) {
            long ms = Math.round(fr.ptsUs() / 1000.0);
            RunData.Handoff h = byMs.get(ms);
            for (long d = -1; h == null && d <= 1; d += 2) {
                h = byMs.get(ms + d);
            }
            if (h != null) {
                net.add(fr.tMs() - h.tMs());
            }
        }
        if (net.size() < video.size() / 2) {
            return null;
        }
        double[] n = net.stream().mapToDouble(Double::doubleValue).toArray();
        double[] lag = handoffs.stream().filter(h -> h.tMs() >= 0 && h.tMs() <= durationMs)
                .mapToDouble(h -> h.tMs() - h.ptsUs() / 1000.0).toArray();
        for (double[] a : new double[][] {n, lag}) {
            double min = Arrays.stream(a).min().orElse(0);
            for (int i = 0; i < a.length; i++) {
                a[i] -= min;
            }
        }
        return new double[][] {n, lag};
    }

    private static double shareFairness(Flow a, Flow b, long durationMs) {
        int ok = 0;
        int n = 0;
        for (long w = 0; w + 5000 <= durationMs; w += 5000) {
            double ra = bytesIn(a, w, w + 5000);
            double rb = bytesIn(b, w, w + 5000);
            n++;
            if (ra > 0 && rb > 0 && ra / rb >= 0.5 && ra / rb <= 2) {
                ok++;
            }
        }
        return n == 0 ? 0 : ok / (double) n;
    }

    /** Flow a's received bytes ÷ flow b's per 5 s window, 2 digits; -1 where b received nothing. */
    private static List<Double> shareRatios(Flow a, Flow b, long durationMs) {
        List<Double> r = new ArrayList<>();
        for (long w = 0; w + 5000 <= durationMs; w += 5000) {
            double rb = bytesIn(b, w, w + 5000);
            r.add(rb > 0 ? round(bytesIn(a, w, w + 5000) / rb, 2) : -1);
        }
        return r;
    }

    private static double bytesIn(Flow f, double from, double to) {
        return f.frames.stream().filter(x -> x.tMs() >= from && x.tMs() < to).mapToLong(Frame::bytes).sum();
    }

    static double pct(double[] v, double p) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.ceil(p / 100.0 * s.length) - 1 < 0 ? 0 : Math.ceil(p / 100.0 * s.length) - 1)];
    }

    static double round(double v, int digits) {
        double m = Math.pow(10, digits);
        return Math.round(v * m) / m;
    }
}
