package io.sluice.abr.gcc;

import static io.sluice.abr.gcc.GccScenarios.S;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.rate.RungSelector;
import io.sluice.abr.sim.Capacity;
import io.sluice.abr.sim.EncoderModel;
import io.sluice.abr.sim.Simulation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A viewer that plays a rendition ladder through GCC and a {@link RungSelector}, on the simulated link: the
 * selector follows the controller's target down at once and climbs back up through the probes it asks for
 * ({@link GccNetworkController#onProbeRequest}), switching only at keyframes (every 3 s, as the source's GOP).
 * Deterministic.
 */
class RungSwitchSimulationTest {
    /** 720p, 480p, 360p, 240p of a 1280x720 ladder at 0.1 bit per pixel and frame. */
    static final long[] RUNGS = {2_764_800, 1_228_800, 691_200, 307_200};

    /** Sends the rung being played; switches to the selector's choice at the next keyframe. */
    static final class RungPlayer extends EncoderModel {
        final RungSelector selector;
        final Simulation sim;
        Simulation.Flow flow;
        int playing;
        long frames;
        final List<long[]> switches = new ArrayList<>(); // {timeUs, rung}
        int probes;

        RungPlayer(Simulation sim, int initial) {
            super(Long.MAX_VALUE);
            this.sim = sim;
            this.selector = new RungSelector(RUNGS, initial, 0);
            this.playing = initial;
        }

        @Override
        public void onTarget(long targetBps, long nowUs) {
            super.onTarget(targetBps, nowUs);
            selector.onEstimate(nowUs, targetBps);
        }

        @Override
        public int nextFrameBytes(long targetBps, long nowUs) {
            if (frames++ % KEYFRAME_INTERVAL_FRAMES == 0 && selector.current() != playing) {
                playing = selector.current();
                switches.add(new long[] {nowUs, playing});
            }
            long probe = selector.poll(nowUs);
            if (probe > 0) {
                probes++;
                sim.loop().schedule(nowUs, () -> flow.requestProbe(probe));
            }
            return super.nextFrameBytes(RUNGS[playing], nowUs);
        }

        int rungAt(long tUs) {
            int r = switches.isEmpty() ? playing : -1;
            for (long[] sw : switches) {
                if (sw[0] <= tUs) {
                    r = (int) sw[1];
                }
            }
            return r;
        }
    }

    @Test
    void followsCapacityDownAndProbesBackUp() {
        // 4 Mbit/s (the top rung fits with headroom), 1 Mbit/s from 20 s (360p fits), 4 Mbit/s again from 40 s
        Capacity capacity = Capacity.steps(List.of(new long[] {0, 4_000_000}, new long[] {20 * S, 1_000_000},
                new long[] {40 * S, 4_000_000}));
        Simulation sim = new Simulation(capacity, 300_000, 25_000);
        RungPlayer player = new RungPlayer(sim, 1);
        player.flow = sim.addFlow(new GccNetworkController(), new TargetRateConstraints(100_000, 1_500_000, 20_000_000),
                player, 0);
        sim.run(70 * S);
        StringBuilder log = new StringBuilder();
        player.switches.forEach(sw -> log.append(String.format(" %.2fs→%d", sw[0] / 1e6, sw[1])));
        System.out.println("rung switches:" + log + "; probes " + player.probes);
        assertEquals(0, player.rungAt(19 * S), "top rung on the 4 Mbit/s path by 19 s:" + log);
        long down = player.switches.stream().filter(sw -> sw[0] >= 20 * S && sw[1] >= 2).mapToLong(sw -> sw[0])
                .findFirst().orElse(Long.MAX_VALUE);
        // the selector follows within one controller update; the switch waits for the next keyframe (3 s GOP)
        assertTrue(down - 20 * S <= 3_500_000, "down to a rung under 1 Mbit/s within 3.5 s of the drop:" + log);
        assertTrue(player.rungAt(39 * S) >= 2, "stays on a rung that fits 1 Mbit/s:" + log);
        long up = player.switches.stream().filter(sw -> sw[0] >= 40 * S && sw[1] == 0).mapToLong(sw -> sw[0])
                .findFirst().orElse(Long.MAX_VALUE);
        assertTrue(up - 40 * S <= 15 * S, "back on the top rung within 15 s of the rise:" + log);
        Simulation.Flow f = sim.flowsForFigures().get(0);
        assertTrue(f.bottleneckDelayPercentileUs(95, 45 * S, 70 * S) < 200_000,
                "p95 bottleneck delay after the climb: " + f.bottleneckDelayPercentileUs(95, 45 * S, 70 * S));
    }
}
