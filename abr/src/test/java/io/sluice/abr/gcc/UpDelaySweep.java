package io.sluice.abr.gcc;

import static io.sluice.abr.gcc.GccScenarios.S;

import io.sluice.abr.sim.Capacity;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long a viewer of the ten-viewer bench's ladder ({@link RungSwitchSimulationTest#SMALL_RUNGS}, 5,000-octet
 * bucket) takes to reach the top rung after its path comes back, over 40 rise times 125 ms apart (where the rise
 * falls in the probe schedule decides most of the wait), and what probing costs on constant paths. Keyframes are
 * asked for as {@code WhepSession} does ({@link RungSwitchSimulationTest.RungPlayer#keyframeRequestAfterUs} 500 ms);
 * deterministic.
 * <pre>
 * mvn -B -q -o -Pgpl -pl abr -am test-compile
 * java -cp abr/target/classes:abr/target/test-classes:core/target/classes io.sluice.abr.gcc.UpDelaySweep
 * </pre>
 * {@code -Dlow=200000} makes the low phase 200 kbit/s (the viewer on 180p: two rungs to climb); {@code -Dtrace=K}
 * prints the targets around the K-th rise; {@code -Dcaps=300000,350000,...} sets the constant paths (bit/s).
 */
final class UpDelaySweep {
    private UpDelaySweep() {
    }

    public static void main(String[] args) {
        long low = Long.getLong("low", 350_000);
        List<Double> ups = new ArrayList<>();
        double lossSum = 0;
        for (int k = 0; k < 40; k++) {
            long rise = 40 * S + k * 125_000L;
            Capacity steps = Capacity.steps(List.of(new long[] {0, 1_000_000}, new long[] {20 * S, low},
                    new long[] {rise, 1_000_000}));
            RungSwitchSimulationTest.RungPlayer p = RungSwitchSimulationTest.smallLadderOn(steps, 5_000, 500_000);
            long up = p.switches.stream().filter(sw -> sw[0] >= rise && sw[1] == 0).mapToLong(sw -> sw[0])
                    .findFirst().orElse(-1);
            ups.add(up < 0 ? Double.MAX_VALUE : (up - rise) / 1e6);
            lossSum += p.flow.lossFraction(20 * S, 40 * S);
            if (k == Integer.getInteger("trace", -1)) {
                System.out.printf("rise %.3f s, up %.3f s later:%s%n", rise / 1e6, (up - rise) / 1e6, p.log());
                for (var t : p.flow.targets()) {
                    if (t.atTimeUs() > rise - 3 * S && t.atTimeUs() < rise + 8 * S) {
                        System.out.printf("%8.3f %8d %s%n", t.atTimeUs() / 1e6, t.targetBitrateBps() / 1000, t.reason());
                    }
                }
            }
        }
        Collections.sort(ups);
        long within5 = ups.stream().filter(u -> u <= 5).count();
        System.out.printf("1 -> %.2f -> 1 Mbit/s, up after the rise: median %.2f s, p90 %.2f s, longest %.2f s, within"
                + " 5 s %d of %d; loss in the low phase %.2f %%%n", low / 1e6, ups.get(ups.size() / 2),
                ups.get(ups.size() * 9 / 10), ups.get(ups.size() - 1), within5, ups.size(), 100 * lossSum / ups.size());
        for (String c : System.getProperty("caps", "300000,350000,400000,500000").split(",")) {
            long cap = Long.parseLong(c.trim());
            RungSwitchSimulationTest.RungPlayer p = RungSwitchSimulationTest.smallLadderOn(Capacity.constant(cap), 5_000,
                    500_000);
            System.out.printf("%4d kbit/s constant, 60 s: %2d switches, %d trials (%d failed), loss %.2f %%, p95 queue %d ms%n",
                    cap / 1000, p.switches.size(), p.selector.trials(), p.selector.failedTrials(),
                    100 * p.flow.lossFraction(5 * S, 60 * S), p.flow.bottleneckDelayPercentileUs(95, 5 * S, 60 * S) / 1000);
        }
    }
}
