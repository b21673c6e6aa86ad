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

    /**
     * A relayed ladder as a WHEP viewer gets it: the bottleneck bench's 854x480 2.5 Mbit/s stream (keyframes
     * {@link #RELAYED_KEYFRAME_FACTOR} × its average frame every 2 s) and three transcoded rungs under it.
     */
    static final long[] RELAYED_RUNGS = {2_500_000, 1_200_000, 600_000, 300_000};
    static final double RELAYED_KEYFRAME_FACTOR = 8.5;

    /** Sends the rung being played; switches to the selector's choice at the next keyframe. */
    static final class RungPlayer extends EncoderModel {
        final RungSelector selector;
        final Simulation sim;
        final long[] rungs;
        final int gopFrames;
        final double keyframeFactor;
        Simulation.Flow flow;
        int playing;
        long frames;
        final List<long[]> switches = new ArrayList<>(); // {timeUs, rung}
        int probes;
        final int initial;
        /** The source sends no video in [stallFromUs, stallToUs) (only 160-octet audio frames). */
        long stallFromUs = Long.MAX_VALUE;
        long stallToUs = Long.MAX_VALUE;
        /**
         * As {@code WhepSession}: a switch that waits this long for the chosen rung's keyframe asks the ladder for one
         * (a switch down at once), µs; -1 (the default): no requests, switches at the GOP's keyframes.
         */
        long keyframeRequestAfterUs = -1;
        private long pendingSinceUs = Long.MIN_VALUE;

        RungPlayer(Simulation sim, int initial) {
            this(sim, RUNGS, initial, KEYFRAME_INTERVAL_FRAMES, 0);
        }

        /**
         * @param keyframeFactor 0: {@link EncoderModel}'s frames; else a relayed rung's: keyframes this × the
         *                       rung's average frame every {@code gopFrames}, and the pacer's floor 1.5 × the rung
         *                       played, as {@code WhepSession}
         */
        RungPlayer(Simulation sim, long[] rungs, int initial, int gopFrames, double keyframeFactor) {
            super(Long.MAX_VALUE);
            this.sim = sim;
            this.rungs = rungs;
            this.gopFrames = gopFrames;
            this.keyframeFactor = keyframeFactor;
            this.selector = new RungSelector(rungs, initial, 0);
            this.playing = initial;
            this.initial = initial;
        }

        @Override
        public void onTarget(long targetBps, long nowUs) {
            super.onTarget(targetBps, nowUs);
            selector.onEstimate(nowUs, targetBps);
        }

        @Override
        public int nextFrameBytes(long targetBps, long nowUs) {
            if (nowUs >= stallFromUs && nowUs < stallToUs) {
                frames = 0; // the source resumes with a keyframe
                return 160;
            }
            boolean key = frames++ % gopFrames == 0;
            if (selector.current() != playing && keyframeRequestAfterUs >= 0) {
                if (pendingSinceUs == Long.MIN_VALUE) {
                    pendingSinceUs = nowUs;
                }
                if (!key && (selector.current() > playing || nowUs - pendingSinceUs >= keyframeRequestAfterUs)) {
                    key = true; // the ladder answers a keyframe request at its next frame
                    frames = 1;
                }
            }
            if (key && selector.current() != playing) {
                pendingSinceUs = Long.MIN_VALUE;
                playing = selector.current();
                switches.add(new long[] {nowUs, playing});
            }
            long probe = selector.poll(nowUs);
            if (probe > 0) {
                probes++;
                sim.loop().schedule(nowUs, () -> flow.requestProbe(probe));
            }
            long padding = selector.paddingBps(nowUs);
            sim.loop().schedule(nowUs, () -> flow.minPaddingRateBps(padding));
            if (keyframeFactor == 0) {
                return super.nextFrameBytes(rungs[playing], nowUs);
            }
            flow.minPacingRateBps(rungs[playing] * 3 / 2);
            double average = rungs[playing] / 8.0 / FPS;
            return (int) (average * (key ? keyframeFactor : (gopFrames - keyframeFactor) / (gopFrames - 1)));
        }

        String log() {
            StringBuilder log = new StringBuilder();
            switches.forEach(sw -> log.append(String.format(" %.2fs→%d", sw[0] / 1e6, sw[1])));
            return log + "; probes " + probes + ", trials " + selector.trials() + " (" + selector.failedTrials()
                    + " failed)";
        }

        int rungAt(long tUs) {
            int r = initial;
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

    /**
     * A WHEP viewer of a relayed ladder ({@link #RELAYED_RUNGS}, keyframes 8.5 × the average frame every 2 s, the
     * pacer never under 1.5 × the rung played) on a path with 1.4 × the top rung: the viewer stays on the top rung.
     * With GCC's default decrease (β × the acknowledged rate, which is the stream's average) each keyframe's
     * overuse cut the target under the top rung and the selector left it; {@link GccConfig#relay()}
     * keeps the cut at β × what the path delivered during the keyframe.
     */
    @Test
    void relayedTopRungStaysOnAPathWithHeadroom() {
        for (boolean floor : new boolean[] {false, true}) {
            Simulation sim = new Simulation(Capacity.constant(3_500_000), 300_000, 25_000);
            RungPlayer player = new RungPlayer(sim, RELAYED_RUNGS, 0, 60, RELAYED_KEYFRAME_FACTOR);
            player.flow = sim.addFlow(new GccNetworkController(GccConfig.DEFAULT.withRelay(floor)),
                    new TargetRateConstraints(30_000, 3_250_000, 20_000_000), player, 0);
            sim.run(40 * S);
            System.out.println("relayed on 3.5 Mbit/s, decrease floor " + floor + ":" + player.log());
            if (floor) {
                assertTrue(player.switches.isEmpty(), "stays on the 2.5 Mbit/s rung:" + player.log());
                assertTrue(sim.flowsForFigures().get(0).meanTargetBps(5 * S, 40 * S) > 2_500_000,
                        "target " + sim.flowsForFigures().get(0).meanTargetBps(5 * S, 40 * S));
            } else {
                assertTrue(!player.switches.isEmpty(), "without the floor the viewer leaves the top rung");
            }
        }
    }

    /**
     * The relayed ladder on 3.5 → 2 → 3.5 Mbit/s (steps at 20 and 40 s): down to the 1.2 Mbit/s rung at the first
     * keyframe after the drop, back on the top rung after the rise through a probe, and no rung above what the path
     * carries for long. Keyframes every 2 s (the server asks the ladder for one when a switch waits; not modelled).
     */
    @Test
    void relayedLadderFollowsCapacitySteps() {
        Capacity capacity = Capacity.steps(List.of(new long[] {0, 3_500_000}, new long[] {20 * S, 2_000_000},
                new long[] {40 * S, 3_500_000}));
        Simulation sim = new Simulation(capacity, 300_000, 25_000);
        RungPlayer player = new RungPlayer(sim, RELAYED_RUNGS, 0, 60, RELAYED_KEYFRAME_FACTOR);
        player.flow = sim.addFlow(new GccNetworkController(GccConfig.DEFAULT.withRelay(true)),
                new TargetRateConstraints(30_000, 3_250_000, 20_000_000), player, 0);
        sim.run(60 * S);
        System.out.println("relayed 3.5 -> 2 -> 3.5 Mbit/s:" + player.log());
        if (Boolean.getBoolean("sluice.sim.trace")) {
            for (var t : sim.flowsForFigures().get(0).targets()) {
                System.out.printf("%8.3f %8d %s%n", t.atTimeUs() / 1e6, t.targetBitrateBps() / 1000, t.reason());
            }
        }
        assertEquals(0, player.rungAt(19_900_000), "top rung before the drop:" + player.log());
        long down = player.switches.stream().filter(sw -> sw[0] >= 20 * S && sw[1] >= 1).mapToLong(sw -> sw[0])
                .findFirst().orElse(Long.MAX_VALUE);
        assertTrue(down - 20 * S <= 2_100_000, "down within one GOP of the drop:" + player.log());
        assertEquals(1, player.rungAt(39_900_000), "on the 1.2 Mbit/s rung, which fits 2 Mbit/s:" + player.log());
        long up = player.switches.stream().filter(sw -> sw[0] >= 40 * S && sw[1] == 0).mapToLong(sw -> sw[0])
                .findFirst().orElse(Long.MAX_VALUE);
        assertTrue(up - 40 * S <= 5 * S, "back on the top rung within 5 s of the rise:" + player.log());
        Simulation.Flow f = sim.flowsForFigures().get(0);
        System.out.printf("loss 20-40 s %.2f %%, p95 queue 25-40 s %d ms%n", 100 * f.lossFraction(20 * S, 40 * S),
                f.bottleneckDelayPercentileUs(95, 25 * S, 40 * S) / 1000);
    }

    /**
     * The relayed ladder on 8 Mbit/s whose source stalls for 5 s at 15 s (a WHIP publisher's encoder drops its
     * layer; only audio-sized frames go out): the viewer stays on the top rung. With the ALR cap at 1.2 × the
     * acknowledged rate of now, the cap took the target to ~1.2 × the audio rate once the probe hold ran out and the
     * viewer went to the lowest rung; {@link GccNetworkController#RELAY_CAP_HORIZON_US} holds the cap at the rate
     * acknowledged before the stall.
     */
    @Test
    void relayedSourceStallKeepsTheRung() {
        Simulation sim = new Simulation(Capacity.constant(8_000_000), 300_000, 25_000);
        RungPlayer player = new RungPlayer(sim, RELAYED_RUNGS, 0, 60, RELAYED_KEYFRAME_FACTOR);
        player.stallFromUs = 15 * S;
        player.stallToUs = 20 * S;
        player.flow = sim.addFlow(new GccNetworkController(GccConfig.DEFAULT.withRelay(true)),
                new TargetRateConstraints(30_000, 3_250_000, 20_000_000), player, 0);
        sim.run(30 * S);
        long minTarget = sim.flowsForFigures().get(0).targets().stream().filter(t -> t.atTimeUs() >= 10 * S)
                .mapToLong(t -> t.targetBitrateBps()).min().orElse(0);
        System.out.println("relayed, source stalls 15-20 s:" + player.log() + "; lowest target after 10 s "
                + minTarget / 1000 + " kbit/s");
        assertTrue(player.switches.isEmpty(), "stays on the top rung through the stall:" + player.log());
        assertTrue(minTarget >= RELAYED_RUNGS[0], "target after 10 s never under the top rung: " + minTarget);
    }

    /** The ten-viewer bench's ladder: 360p, 240p, 180p. */
    static final long[] SMALL_RUNGS = {552_960, 245_376, 150_000};

    /** Switches of a relayed small ladder on a constant tbf-like link (5,000-octet bucket), 60 s. */
    static RungPlayer smallLadderOn(long capacityBps, long burstBytes) {
        RungPlayer player = smallLadderOn(Capacity.constant(capacityBps), burstBytes);
        if (Long.getLong("sluice.sim.traceCap", -1L) == capacityBps && burstBytes == Long.getLong("sluice.sim.traceBurst", 5_000L)) {
            for (var t : player.flow.targets()) {
                if (t.atTimeUs() < 20 * S) {
                    System.out.printf("%8.3f %8d %s%n", t.atTimeUs() / 1e6, t.targetBitrateBps() / 1000, t.reason());
                }
            }
        }
        return player;
    }

    /** The same ladder on any capacity behind a tbf-like bucket of {@code burstBytes}, 60 s. */
    static RungPlayer smallLadderOn(Capacity capacity, long burstBytes) {
        return smallLadderOn(capacity, burstBytes, -1);
    }

    /** As {@link #smallLadderOn(Capacity, long)}, with the player's {@link RungPlayer#keyframeRequestAfterUs}. */
    static RungPlayer smallLadderOn(Capacity capacity, long burstBytes, long keyframeRequestAfterUs) {
        Simulation sim = new Simulation(capacity, 300_000, 25_000);
        sim.bottleneck().burst(burstBytes);
        RungPlayer player = new RungPlayer(sim, SMALL_RUNGS, 0, 60, 6);
        player.keyframeRequestAfterUs = keyframeRequestAfterUs;
        player.flow = sim.addFlow(new GccNetworkController(GccConfig.DEFAULT.withRelay(true)),
                new TargetRateConstraints(100_000, 720_000, 50_000_000), player, 0);
        sim.run(60 * S);
        return player;
    }

    /**
     * Rung switches of the ten-viewer bench's ladder on constant links with and without a 5,000-octet token bucket
     * (the bench's tbf {@code burst}); {@code -Dsluice.sim.traceCap=<bit/s>} prints that link's targets:
     * <pre>
     * mvn -B -q -o -Pgpl -pl abr -am test-compile
     * java -cp abr/target/classes:abr/target/test-classes:core/target/classes io.sluice.abr.gcc.RungSwitchSimulationTest
     * </pre>
     * Reproduced the bench's flapping at 300-500 kbit/s (session 13: 17-22 switches a minute with the bucket, 1-5
     * without): a probe cluster smaller than the bucket crosses it at its own rate, so a periodic probe at 2 × a
     * 400 kbit/s estimate measures ~800 kbit/s, the selector went up to 360p (553 kbit/s), the queue overflowed, loss
     * and delay cut the target under 240p, and the viewer landed two rungs down. A per-rung hold after up-switches that
     * did not last halved the switches but also held back up-switches after real capacity drops (both step tests
     * failed); not kept. The selector's padding trial ({@link RungSelector#paddingBps}) ends it: 3-5/1/1 switches at
     * 300/400/500 kbit/s with the bucket. Without the bucket 800 kbit/s flapped too (14-20 switches) until the relay
     * floor measured delivery over 100 ms windows instead of 200 ms ({@code ReceiveRate#RECENT_WINDOW_US}): 0.
     */
    public static void main(String[] args) {
        for (long burst : new long[] {0, 5_000}) {
            Capacity steps = Capacity.steps(List.of(new long[] {0, 1_000_000}, new long[] {20 * S, 350_000},
                    new long[] {40 * S, 1_000_000}));
            RungPlayer p = smallLadderOn(steps, burst);
            long up = p.switches.stream().filter(sw -> sw[0] >= 40 * S && sw[1] == 0).mapToLong(sw -> sw[0])
                    .findFirst().orElse(-1);
            Simulation.Flow f = p.flow;
            System.out.printf("1 -> 0.35 -> 1 Mbit/s burst %5d: up %.1f s after the rise, loss 20-40 s %.2f %%,"
                    + " %d switches, %d probes, rungs:%s%n", burst, up < 0 ? -1 : (up - 40 * S) / 1e6,
                    100 * f.lossFraction(20 * S, 40 * S), p.switches.size(), p.probes, p.log());
        }
        for (long cap : new long[] {300_000, 400_000, 500_000, 650_000, 800_000, 1_000_000, 3_000_000}) {
            for (long burst : new long[] {0, 5_000}) {
                RungPlayer p = smallLadderOn(cap, burst);
                System.out.printf("%4d kbit/s burst %5d: %2d switches, %d probes, loss %.2f %%, rungs:%s%n", cap / 1000,
                        burst, p.switches.size(), p.probes, 100 * p.flow.lossFraction(5 * S, 60 * S), p.log());
            }
        }
    }
}
