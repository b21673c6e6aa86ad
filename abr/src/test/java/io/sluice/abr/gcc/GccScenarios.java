package io.sluice.abr.gcc;

import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.sim.Capacity;
import io.sluice.abr.sim.EncoderModel;
import io.sluice.abr.sim.FixedRateController;
import io.sluice.abr.sim.RenoFlow;
import io.sluice.abr.sim.Simulation;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The GCC scenarios of {@code GccSimulationTest}, runnable on their own to print the figures per scenario (a
 * {@code pacingFactor} argument overrides the default, e.g. {@code 2.5}):
 * <pre>
 * mvn -B -q -o -Pgpl -pl abr -am test-compile
 * java -cp abr/target/classes:abr/target/test-classes:core/target/classes io.sluice.abr.gcc.GccScenarios [pacingFactor]
 * </pre>
 * {@code trace 500|alr|mm|rfc|x264} prints every target of one scenario; {@code two <stableProbeIntervalUs>} the per-second
 * rates of two flows sharing a bottleneck; {@code x264} the §5.1 and §5.2 runs with {@link EncoderModel#likeX264} encoders;
 * {@code adapted} the same with Sluice's rate controller in the loop, for encoders sending 0.83..1.0 × their setting;
 * {@code ideal} fixed-rate senders on the mahimahi LTE trace; {@code tcp} GCC against a long Reno flow.
 */
public final class GccScenarios {
    static final long S = 1_000_000;
    static final long KBPS = 1_000;
    static final long MBPS = 1_000_000;

    private GccScenarios() {
    }

    /** A single GCC flow on a link. */
    static Simulation single(Capacity capacity, long queueLimitUs, long oneWayUs, long encoderMaxBps,
                             GccConfig config, long durationUs) {
        Simulation sim = new Simulation(capacity, queueLimitUs, oneWayUs);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT, encoderMaxBps, 0);
        sim.run(durationUs);
        return sim;
    }

    /**
     * A single GCC flow whose application raises the encoder's rate at most once a second (Sluice's
     * {@code AdaptiveRateController}); decreases apply at once.
     */
    static Simulation singleWithSlowIncrease(Capacity capacity, GccConfig config, long durationUs) {
        Simulation sim = new Simulation(capacity, 300_000, 50_000);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT,
                new EncoderModel(Long.MAX_VALUE, S), 0);
        sim.run(durationUs);
        return sim;
    }

    /**
     * A single GCC flow whose application and encoder behave like the bottleneck bench's WHIP publisher
     * ({@link EncoderModel#likeX264}): 300 ms drop-tail, 50 ms each way.
     */
    static Simulation singleLikeX264(Capacity capacity, GccConfig config, long durationUs) {
        Simulation sim = new Simulation(capacity, 300_000, 50_000);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT,
                EncoderModel.likeX264(Long.MAX_VALUE), 0);
        sim.run(durationUs);
        return sim;
    }

    /** RFC 8867 §5.1 shape compressed to 60 s: 1 → 2.5 → 0.6 → 1 Mbit/s, 15 s each, 300 ms drop-tail, 50 ms each way. */
    static Capacity rfc8867Variable() {
        return Capacity.steps(List.of(new long[] {0, MBPS}, new long[] {15 * S, 2_500 * KBPS},
                new long[] {30 * S, 600 * KBPS}, new long[] {45 * S, MBPS}));
    }

    /**
     * RFC 8867 §5.2's capacity (variable capacity, multiple flows): 4, 2, 3.5, 1, 2 Mbit/s at 0, 25, 50, 75, 100 s,
     * 125 s in all.
     */
    static Capacity rfc8867MultipleFlows() {
        return Capacity.steps(List.of(new long[] {0, 4 * MBPS}, new long[] {25 * S, 2 * MBPS},
                new long[] {50 * S, 3_500 * KBPS}, new long[] {75 * S, MBPS}, new long[] {100 * S, 2 * MBPS}));
    }

    /**
     * RFC 8867 §5.2: two GCC flows starting together on {@link #rfc8867MultipleFlows()} (300 ms drop-tail, 50 ms
     * each way), each application and encoder {@link EncoderModel#likeX264}.
     */
    static Simulation rfc8867TwoFlows(GccConfig config, long durationUs) {
        Simulation sim = new Simulation(rfc8867MultipleFlows(), 300_000, 50_000);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT,
                EncoderModel.likeX264(Long.MAX_VALUE), 0);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT,
                EncoderModel.likeX264(Long.MAX_VALUE), 0);
        sim.run(durationUs);
        return sim;
    }

    static Path shared(String relative) {
        return Path.of(System.getProperty("sluice.shared.dir", "/work/shared")).resolve(relative);
    }

    static String figures(String name, Simulation sim, long fromUs, long toUs) {
        Simulation.Flow f = sim.flowsForFigures().get(0);
        return String.format(Locale.ROOT,
                "%-28s target %7.0f kbit/s  delivered %7.0f kbit/s  utilization %.2f  queue p50 %3d ms p95 %3d ms"
                        + "  loss %.2f %%  pacer p95 %3d ms",
                name, f.meanTargetBps(fromUs, toUs) / 1000, f.deliveredRateBps(fromUs, toUs) / 1000,
                sim.utilization(fromUs, toUs), f.bottleneckDelayPercentileUs(50, fromUs, toUs) / 1000,
                f.bottleneckDelayPercentileUs(95, fromUs, toUs) / 1000, 100 * f.lossFraction(fromUs, toUs),
                f.pacerDelayPercentileUs(95) / 1000);
    }

    /** Two GCC flows on one bottleneck (300 ms drop-tail, 50 ms each way), the second starting later. */
    static Simulation twoFlows(GccConfig config, long linkBps, long secondStartUs, long durationUs) {
        Simulation sim = new Simulation(Capacity.constant(linkBps), 300_000, 50_000);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT, Long.MAX_VALUE, 0);
        sim.addFlow(new GccNetworkController(config), TargetRateConstraints.DEFAULT, Long.MAX_VALUE, secondStartUs);
        sim.run(durationUs);
        return sim;
    }

    /** Delivered-rate ratio first / second flow in each 5 s window of [from, to). */
    static double[] shareRatios(Simulation sim, long fromUs, long toUs) {
        double[] r = new double[(int) ((toUs - fromUs) / (5 * S))];
        for (int i = 0; i < r.length; i++) {
            long t = fromUs + i * 5 * S;
            r[i] = sim.flowsForFigures().get(0).deliveredRateBps(t, t + 5 * S)
                    / sim.flowsForFigures().get(1).deliveredRateBps(t, t + 5 * S);
        }
        return r;
    }

    /** One fixed-rate sender (no congestion control) on the mahimahi Verizon LTE uplink trace. */
    static Simulation fixedRateOnLte(long rateBps, long durationUs) {
        Simulation sim = new Simulation(Capacity.mahimahiTrace(shared("traces/mahimahi/Verizon-LTE-short.up")),
                300_000, 25_000);
        sim.addFlow(new FixedRateController(rateBps), TargetRateConstraints.DEFAULT, Long.MAX_VALUE, 0);
        sim.run(durationUs);
        return sim;
    }

    /** A GCC flow against a long Reno flow (RFC 8867 §5.6) on a constant link, 300 ms drop-tail, 50 ms each way. */
    static double[] againstTcp(long linkBps, long durationUs) {
        Simulation sim = new Simulation(Capacity.constant(linkBps), 300_000, 50_000);
        sim.addFlow(new GccNetworkController(GccConfig.DEFAULT), TargetRateConstraints.DEFAULT, Long.MAX_VALUE, 0);
        RenoFlow tcp = new RenoFlow(sim, 50_000, 5 * S, durationUs);
        sim.run(durationUs);
        long from = 15 * S;
        return new double[] {sim.flowsForFigures().get(0).deliveredRateBps(from, durationUs),
                tcp.deliveredRateBps(from, durationUs), sim.flowsForFigures().get(0).lossFraction(from, durationUs),
                sim.flowsForFigures().get(0).bottleneckDelayPercentileUs(50, from, durationUs)};
    }

    /** Steady segments of {@link #rfc8867Variable()}: each step from 5 s after it to its end, s. */
    static final long[][] RFC8867_VARIABLE_STEADY = {{5, 15}, {20, 30}, {35, 45}, {50, 60}};

    /** The §5.1 and §5.2 runs with {@link EncoderModel#likeX264} encoders. */
    private static void printLikeX264() {
        Simulation v = singleLikeX264(rfc8867Variable(), GccConfig.DEFAULT, 60 * S);
        Simulation.Flow f = v.flowsForFigures().get(0);
        for (long[] seg : RFC8867_VARIABLE_STEADY) {
            System.out.println(figures("x264 5.1 " + seg[0] + "-" + seg[1] + " s", v, seg[0] * S, seg[1] * S));
        }
        System.out.println(figures("x264 5.1 0-60 s", v, 0, 60 * S));
        System.out.printf(Locale.ROOT, "  delivered 90 %%: 1->2.5 at +%.1f s, 0.6->1 at +%.1f s%n",
                (f.firstTimeDeliveredAtOrAbove(2_250 * KBPS, 15 * S, 30 * S) - 15 * S) / 1e6,
                (f.firstTimeDeliveredAtOrAbove(900 * KBPS, 45 * S, 60 * S) - 45 * S) / 1e6);
        Simulation two = rfc8867TwoFlows(GccConfig.DEFAULT, 125 * S);
        StringBuilder ratios = new StringBuilder("x264 RFC 8867 5.2, rate ratio per 5 s:");
        for (double r : shareRatios(two, 0, 125 * S)) {
            ratios.append(String.format(Locale.ROOT, " %.2f", r));
        }
        System.out.println(ratios + String.format(Locale.ROOT, "  utilization %.2f  loss %.2f/%.2f %%",
                two.utilization(0, 125 * S), 100 * two.flowsForFigures().get(0).lossFraction(0, 125 * S),
                100 * two.flowsForFigures().get(1).lossFraction(0, 125 * S)));
    }

    /**
     * With the application in the loop ({@link io.sluice.abr.sim.AdaptedEncoderModel}) for encoders that send 0.83..1.0
     * × their setting: §5.1 steady utilization (mean, min), the time to 90 % of the 1 → 2.5 Mbit/s step, and how many
     * 5 s windows of §5.2 (two flows) and of a late joiner on 2 Mbit/s (from 10 s after it joined) fall outside
     * [0.5, 2].
     */
    private static void printAdaptedSweep() {
        for (double fraction : new double[] {0.83, 0.86, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98, 1.0}) {
            Simulation v = new Simulation(rfc8867Variable(), 300_000, 50_000);
            v.addFlow(new GccNetworkController(), TargetRateConstraints.DEFAULT,
                    new io.sluice.abr.sim.AdaptedEncoderModel(300_000, fraction), 0);
            v.run(60 * S);
            double mean = 0;
            double min = 1;
            for (long[] seg : RFC8867_VARIABLE_STEADY) {
                double u = v.utilization(seg[0] * S, seg[1] * S);
                mean += u / RFC8867_VARIABLE_STEADY.length;
                min = Math.min(min, u);
            }
            long up = v.flowsForFigures().get(0).firstTimeDeliveredAtOrAbove(2_250 * KBPS, 15 * S, 30 * S);
            Simulation two = new Simulation(rfc8867MultipleFlows(), 300_000, 50_000);
            Simulation late = new Simulation(Capacity.constant(2 * MBPS), 300_000, 50_000);
            for (int i = 0; i < 2; i++) {
                two.addFlow(new GccNetworkController(), TargetRateConstraints.DEFAULT,
                        new io.sluice.abr.sim.AdaptedEncoderModel(300_000, fraction), 0);
                late.addFlow(new GccNetworkController(), TargetRateConstraints.DEFAULT,
                        new io.sluice.abr.sim.AdaptedEncoderModel(300_000, fraction), i * 10 * S);
            }
            two.run(125 * S);
            late.run(60 * S);
            System.out.printf(Locale.ROOT, "output %.2f x setting: 5.1 utilization mean %.2f min %.2f, 90 %% of 1->2.5 %s;"
                    + " 5.2 windows outside [0.5, 2] %d/25; late joiner %d/8%n", fraction, mean, min,
                    up < 0 ? "never" : String.format(Locale.ROOT, "+%.1f s", (up - 15 * S) / 1e6),
                    outside(shareRatios(two, 0, 125 * S)), outside(shareRatios(late, 20 * S, 60 * S)));
        }
    }

    private static long outside(double[] ratios) {
        return java.util.Arrays.stream(ratios).filter(r -> r < 0.5 || r > 2).count();
    }

    /**
     * A WHEP viewer of a relayed stream ({@link io.sluice.abr.sim.RelayedStreamModel}: 2.5 Mbit/s, keyframes
     * {@code keyframeFactor} × the average frame every 2 s) on a constant link, 300 ms drop-tail, 25 ms each way, the
     * pacer never under 1.5 × the stream's rate and the controller starting at 1.3 × it, as {@code WhepSession}.
     */
    static Simulation relayed(long linkBps, double keyframeFactor, GccConfig config, long durationUs, int joinFrames) {
        Simulation sim = new Simulation(Capacity.constant(linkBps), 300_000, 25_000);
        long stream = 2_500 * KBPS;
        Simulation.Flow f = sim.addFlow(new GccNetworkController(config.withRelay(true)),
                new TargetRateConstraints(30_000, stream * 13 / 10, 20 * MBPS),
                new io.sluice.abr.sim.RelayedStreamModel(stream, keyframeFactor, 60).join(joinFrames), 0);
        // as WhepSession: no floor until the join has drained (at the start rate's surplus over the stream)
        long joinBits = joinFrames > 1 ? (long) (stream / 30.0 * joinFrames) : 0;
        sim.loop().schedule(joinBits * 1_000_000L / (stream * 13 / 10 * 11 / 10 - stream),
                () -> f.minPacingRateBps(stream * 3 / 2));
        sim.run(durationUs);
        return sim;
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("relayed")) {
            for (long link : new long[] {3_500 * KBPS, 5 * MBPS, 8 * MBPS}) {
                for (double kf : new double[] {1, 4, 8.5}) {
                    Simulation r = relayed(link, kf, GccConfig.DEFAULT, 40 * S, args.length > 3 ? Integer.parseInt(args[3]) : 0);
                    Simulation.Flow f = r.flowsForFigures().get(0);
                    System.out.println(figures(String.format(Locale.ROOT, "relayed %.1f/%.1f kf %.1f", link / 1e6, 2.5,
                            kf), r, 10 * S, 40 * S) + String.format(Locale.ROOT, "  estimate max %.0f",
                            f.maxEstimateBps(10 * S, 40 * S) / 1000.0));
                    if (args.length > 2 && Long.parseLong(args[1]) == link / KBPS && Double.parseDouble(args[2]) == kf) {
                        for (var t : f.targets()) {
                            System.out.printf(Locale.ROOT, "%8.3f %8d %8d %s%n", t.atTimeUs() / 1e6,
                                    t.targetBitrateBps() / 1000, t.estimateBitrateBps() / 1000, t.reason());
                        }
                    }
                }
            }
            return;
        }
        if (args.length > 0 && args[0].equals("tcp")) {
            for (long link : new long[] {1 * MBPS, 2 * MBPS, 4 * MBPS}) {
                double[] r = againstTcp(link, 60 * S);
                System.out.printf(Locale.ROOT, "GCC vs Reno on %d Mbit/s, 15-60 s: GCC %.0f kbit/s (%.0f %%), Reno %.0f"
                        + " kbit/s (%.0f %%), GCC loss %.2f %%, queue p50 %.0f ms%n", link / MBPS, r[0] / 1000,
                        100 * r[0] / link, r[1] / 1000, 100 * r[1] / link, 100 * r[2], r[3] / 1000);
            }
            return;
        }
        if (args.length > 0 && args[0].equals("ideal")) {
            for (long r = 500 * KBPS; r <= 6 * MBPS; r += 250 * KBPS) {
                System.out.println(figures("fixed " + r / KBPS + " kbit/s on LTE", fixedRateOnLte(r, 60 * S),
                        5 * S, 60 * S));
            }
            return;
        }
        if (args.length > 1 && args[0].equals("two")) {
            GccConfig c2 = GccConfig.DEFAULT.withStableProbeIntervalUs(Long.parseLong(args[1]));
            Simulation two = twoFlows(c2, 2 * MBPS, 5 * S, 60 * S);
            if (args.length > 2) {
                for (var r : two.flowsForFigures().get(Integer.parseInt(args[2])).targets()) {
                    System.out.printf(Locale.ROOT, "%8.3f %8d %s%n", r.atTimeUs() / 1e6, r.targetBitrateBps() / 1000,
                            r.reason());
                }
                return;
            }
            for (long t = 5 * S; t < 60 * S; t += S) {
                System.out.printf(Locale.ROOT, "%3d %6.0f %6.0f%n", t / S,
                        two.flowsForFigures().get(0).deliveredRateBps(t, t + S) / 1000,
                        two.flowsForFigures().get(1).deliveredRateBps(t, t + S) / 1000);
            }
            return;
        }
        if (args.length > 0 && args[0].equals("x264")) {
            printLikeX264();
            return;
        }
        if (args.length > 0 && args[0].equals("adapted")) {
            printAdaptedSweep();
            return;
        }
        if (args.length > 0 && args[0].equals("slow")) {
            Simulation t = singleWithSlowIncrease(rfc8867Variable(), GccConfig.DEFAULT, 60 * S);
            Simulation.Flow f = t.flowsForFigures().get(0);
            if (args.length > 1) {
                for (var r : f.targets()) {
                    System.out.printf(Locale.ROOT, "%8.3f %8d %8d %s%n", r.atTimeUs() / 1e6, r.targetBitrateBps() / 1000,
                            r.estimateBitrateBps() / 1000, r.reason());
                }
            }
            for (long[] seg : new long[][] {{5, 15}, {20, 30}, {35, 45}, {50, 60}, {0, 60}}) {
                System.out.println(figures("slow-increase 5.1 " + seg[0] + "-" + seg[1] + " s", t, seg[0] * S, seg[1] * S));
            }
            System.out.printf(Locale.ROOT, "  encoder at 90 %%: 1->2.5 at %.1f s, 0.6->1 at %.1f s%n",
                    f.firstTimeEncoderAtOrAbove(2_250 * KBPS, 15 * S, 30 * S) / 1e6,
                    f.firstTimeEncoderAtOrAbove(900 * KBPS, 45 * S, 60 * S) / 1e6);
            return;
        }
        if (args.length > 1 && args[0].equals("trace")) {
            Simulation t = switch (args[1]) {
                case "500" -> single(Capacity.constant(500 * KBPS), 300_000, 50_000, Long.MAX_VALUE, GccConfig.DEFAULT, 30 * S);
                case "mm" -> single(Capacity.mahimahiTrace(shared("traces/mahimahi/Verizon-LTE-short.up")), 300_000,
                        25_000, Long.MAX_VALUE, GccConfig.DEFAULT, 60 * S);
                case "x264" -> singleLikeX264(rfc8867Variable(), GccConfig.DEFAULT, 60 * S);
                case "alr" -> single(Capacity.constant(5 * MBPS), 300_000, 50_000, 800 * KBPS, GccConfig.DEFAULT, 30 * S);
                default -> single(rfc8867Variable(), 300_000, 50_000, Long.MAX_VALUE, GccConfig.DEFAULT, 60 * S);
            };
            for (var r : t.flowsForFigures().get(0).targets()) {
                System.out.printf(Locale.ROOT, "%8.3f %8d %8d %s%n", r.atTimeUs() / 1e6, r.targetBitrateBps() / 1000,
                        r.estimateBitrateBps() / 1000, r.reason());
            }
            return;
        }
        GccConfig config = args.length > 0 ? GccConfig.DEFAULT.withPacingFactor(Double.parseDouble(args[0]))
                : GccConfig.DEFAULT;
        System.out.println("pacing factor " + config.pacingFactor());
        Simulation a = single(Capacity.constant(500 * KBPS), 300_000, 50_000, Long.MAX_VALUE, config, 30 * S);
        System.out.println(figures("500 kbit/s, 25-30 s", a, 25 * S, 30 * S));
        Simulation b = single(Capacity.constant(800 * KBPS), 300_000, 50_000, Long.MAX_VALUE, config, 25 * S);
        System.out.println(figures("800 kbit/s, 20-25 s", b, 20 * S, 25 * S));
        Simulation c = single(Capacity.constant(100 * KBPS), 300_000, 200_000, Long.MAX_VALUE, config, 55 * S);
        System.out.println(figures("100 kbit/s RTT 400, 50-55 s", c, 50 * S, 55 * S));
        Simulation d = single(Capacity.constant(5 * MBPS), 300_000, 50_000, 800 * KBPS, config, 30 * S);
        Simulation.Flow df = d.flowsForFigures().get(0);
        System.out.println(figures("app-limited 0.8 on 5", d, 10 * S, 30 * S)
                + String.format(Locale.ROOT, "  max estimate %.0f kbit/s = %.2f x send",
                df.maxEstimateBps(10 * S, 30 * S) / 1000.0,
                df.maxEstimateBps(10 * S, 30 * S) / df.sendRateBps(10 * S, 30 * S)));
        Simulation e = single(rfc8867Variable(), 300_000, 50_000, Long.MAX_VALUE, config, 60 * S);
        for (long[] seg : new long[][] {{0, 5}, {5, 15}, {15, 20}, {20, 30}, {30, 35}, {35, 45}, {45, 50}, {50, 60}, {0, 60}}) {
            System.out.println(figures("RFC 8867 5.1 " + seg[0] + "-" + seg[1] + " s", e, seg[0] * S, seg[1] * S));
        }
        Simulation.Flow ef = e.flowsForFigures().get(0);
        System.out.printf(Locale.ROOT, "  step down 2.5->0.6 at 30 s: target <= 0.6 at %.1f s;"
                        + " step up 0.6->1 at 45 s: 0.9 Mbit/s at %.1f s; 1->2.5 at 15 s: 2.25 at %.1f s%n",
                ef.firstTimeTargetAtOrBelow(600 * KBPS, 30 * S, 45 * S) / 1e6,
                ef.firstTimeTargetAtOrAbove(900 * KBPS, 45 * S, 60 * S) / 1e6,
                ef.firstTimeTargetAtOrAbove(2_250 * KBPS, 15 * S, 30 * S) / 1e6);
        Simulation m = single(Capacity.mahimahiTrace(shared("traces/mahimahi/Verizon-LTE-short.up")), 300_000,
                25_000, Long.MAX_VALUE, config, 60 * S);
        System.out.println(figures("mahimahi Verizon-LTE up", m, 5 * S, 60 * S));
        Simulation n = single(Capacity.cookedTrace(shared("traces/pensieve/cooked_test_traces/norway_bus_1")),
                300_000, 40_000, Long.MAX_VALUE, config, 60 * S);
        System.out.println(figures("Norway bus_1", n, 5 * S, 60 * S));
        for (long link : new long[] {2 * MBPS, 4 * MBPS}) {
            Simulation two = twoFlows(config, link, 10 * S, 60 * S);
            StringBuilder ratios = new StringBuilder(String.format(Locale.ROOT,
                    "two flows on %d Mbit/s, 2nd from 10 s, rate ratio per 5 s from 10 s:", link / MBPS));
            for (double r : shareRatios(two, 10 * S, 60 * S)) {
                ratios.append(String.format(Locale.ROOT, " %.2f", r));
            }
            System.out.println(ratios + String.format(Locale.ROOT, "  utilization %.2f  loss %.2f/%.2f %%",
                    two.utilization(10 * S, 60 * S), 100 * two.flowsForFigures().get(0).lossFraction(10 * S, 60 * S),
                    100 * two.flowsForFigures().get(1).lossFraction(10 * S, 60 * S)));
        }
    }
}
