package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.core.spi.RateChangeReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GccNetworkControllerTest {
    private static final TargetRateConstraints C = new TargetRateConstraints(50_000, 500_000, 5_000_000);

    @Test
    void startEmitsTheStartTargetPacingAndInitialProbes() {
        GccNetworkController gcc = new GccNetworkController();
        assertSame(NetworkControlUpdate.NONE, gcc.onProcessInterval(0), "nothing before constraints");
        NetworkControlUpdate u = gcc.onTargetRateConstraints(0, C);
        assertEquals(500_000, u.targetRate().targetBitrateBps());
        assertEquals(RateChangeReason.INITIAL, u.targetRate().reason());
        assertEquals((long) (GccConfig.DEFAULT_PACING_FACTOR * 500_000), u.pacerConfig().pacingRateBps());
        assertEquals(0, u.pacerConfig().paddingRateBps());
        assertEquals(List.of(1_500_000L, 3_000_000L),
                u.probeClusters().stream().map(ProbeClusterConfig::targetBitrateBps).toList());
    }

    @Test
    void rembCapsTheTargetWithReasonRemb() {
        GccNetworkController gcc = new GccNetworkController(GccConfig.DEFAULT.withPaddingRateBps(100_000));
        gcc.onTargetRateConstraints(0, C);
        NetworkControlUpdate u = gcc.onRemoteBitrateReport(10_000, 200_000);
        assertEquals(200_000, u.targetRate().targetBitrateBps());
        assertEquals(RateChangeReason.REMB, u.targetRate().reason());
        assertEquals(100_000, u.pacerConfig().paddingRateBps());
    }

    @Test
    void newMaximumBelowTheTargetIsAConstraintsChange() {
        GccNetworkController gcc = new GccNetworkController();
        gcc.onTargetRateConstraints(0, C);
        NetworkControlUpdate u = gcc.onTargetRateConstraints(10_000, new TargetRateConstraints(50_000, 300_000, 300_000));
        assertEquals(300_000, u.targetRate().targetBitrateBps());
        assertEquals(RateChangeReason.CONSTRAINTS, u.targetRate().reason());
    }

    @Test
    void heavyLossInFeedbackCutsWithReasonLoss() {
        GccNetworkController gcc = new GccNetworkController(GccConfig.DEFAULT.withStableProbeIntervalUs(0));
        gcc.onTargetRateConstraints(0, C);
        long seq = 0;
        long t = 0;
        NetworkControlUpdate cut = null;
        // 3 s past the start phase: 20 packets per 50 ms feedback, every other one lost; queue delay constant
        for (int fb = 0; fb < 100 && cut == null; fb++) {
            List<PacketResult> results = new ArrayList<>();
            for (int i = 0; i < 20; i++, seq++) {
                t += 2_500;
                SentPacket p = new SentPacket(t, seq, 300, PacedPacketInfo.NONE, false, 0);
                gcc.onSentPacket(p);
                results.add(new PacketResult(p, i % 2 == 0 ? t + 30_000 : PacketResult.NOT_RECEIVED));
            }
            NetworkControlUpdate u = gcc.onTransportPacketsFeedback(new TransportPacketsFeedback(t + 40_000, 0, results));
            if (t > 2_500_000 && u.targetRate() != null && u.targetRate().reason() == RateChangeReason.LOSS) {
                cut = u;
            }
        }
        assertNotNull(cut, "a LOSS cut");
        assertEquals(0.5, cut.targetRate().lossFraction(), 0.01);
    }

    /**
     * An unchanged target is announced again every second: an application that raises its encoder at most once a
     * second, and only when told, then still applies a probe's result that came within a second of its last raise.
     */
    @Test
    void unchangedTargetIsAnnouncedAgainEverySecond() {
        GccNetworkController gcc = new GccNetworkController();
        NetworkControlUpdate start = gcc.onTargetRateConstraints(0, C);
        List<long[]> announced = new ArrayList<>(); // {time, target}
        announced.add(new long[] {0, start.targetRate().targetBitrateBps()});
        for (long t = 25_000; t <= 3_500_000; t += 25_000) {
            NetworkControlUpdate u = gcc.onProcessInterval(t);
            if (u.targetRate() != null) {
                assertEquals(t, u.targetRate().atTimeUs());
                announced.add(new long[] {t, u.targetRate().targetBitrateBps()});
                if (u.targetRate().targetBitrateBps() == 500_000) {
                    assertEquals(RateChangeReason.INITIAL, u.targetRate().reason(), "the last reason, repeated");
                }
            }
        }
        assertEquals(List.of(0L, 1_000_000L, 2_000_000L, 3_000_000L), announced.stream().map(a -> a[0]).toList());
        assertTrue(announced.stream().allMatch(a -> a[1] == 500_000), "no feedback: the start target throughout");
    }

    /**
     * A sender that drops its video in front of the pacer sends only its audio: that is not application-limited, and
     * the ALR cap must not take the estimate to 1.2 × the audio rate (the loop found in
     * {@code WhipToWhepChromiumTest}: the lower the estimate, the more video dropped).
     */
    @Test
    void noAlrCapWhileTheSenderDropsMedia() {
        long[] withoutDrops = audioOnlyFor5s(false);
        long[] withDrops = audioOnlyFor5s(true);
        assertTrue(withoutDrops[0] < 150_000 && withoutDrops[1] == 1,
                "application-limited: capped near the 50 kbit/s sent, min " + withoutDrops[0]);
        assertTrue(withDrops[0] >= 500_000 && withDrops[1] == 0, "dropping media: no cap, min " + withDrops[0]);
        assertEquals(0, withoutDrops[2], "no drop probe without drops");
        // the initial probes' result is awaited for 1 s; then a probe at 2 x the estimate (at most every 3 s, and not
        // within 3 s of the periodic ALR probes, which this sender also gets)
        assertTrue(withDrops[2] >= 1, "probes for the dropped media: " + withDrops[2]);
    }

    /**
     * 5 s of 50 kbit/s (125 octets per 20 ms), feedback every 100 ms with a constant 20 ms delay.
     *
     * @return {lowest target after the start, 1 if a target had reason APPLICATION_LIMITED else 0, probe clusters
     *         asked for by {@code onMediaDropped}}
     */
    private static long[] audioOnlyFor5s(boolean dropping) {
        GccNetworkController gcc = new GccNetworkController(GccConfig.DEFAULT.withStableProbeIntervalUs(0));
        gcc.onTargetRateConstraints(0, C);
        long min = Long.MAX_VALUE;
        long capped = 0;
        long dropProbes = 0;
        List<PacketResult> results = new ArrayList<>();
        long seq = 0;
        for (long t = 20_000; t <= 5_000_000; t += 20_000) {
            SentPacket p = new SentPacket(t, seq++, 125, PacedPacketInfo.NONE, false, 0);
            gcc.onSentPacket(p);
            results.add(new PacketResult(p, t + 20_000));
            List<NetworkControlUpdate> updates = new ArrayList<>();
            if (dropping && t % 40_000 == 0) {
                NetworkControlUpdate u = gcc.onMediaDropped(t);
                dropProbes += u.probeClusters().stream().filter(c -> c.targetBitrateBps() >= 1_000_000).count();
                updates.add(u);
            }
            if (t % 100_000 == 0) {
                updates.add(gcc.onTransportPacketsFeedback(new TransportPacketsFeedback(t + 20_000, 0, results)));
                results = new ArrayList<>();
            }
            if (t % 25_000 == 0) {
                updates.add(gcc.onProcessInterval(t));
            }
            for (NetworkControlUpdate u : updates) {
                if (u.targetRate() != null) {
                    min = Math.min(min, u.targetRate().targetBitrateBps());
                    capped |= u.targetRate().reason() == RateChangeReason.APPLICATION_LIMITED ? 1 : 0;
                }
            }
        }
        return new long[] {min, capped, dropProbes};
    }

    @Test
    void roundTripTimeIsReportedInTheTarget() {
        GccNetworkController gcc = new GccNetworkController();
        gcc.onTargetRateConstraints(0, C);
        gcc.onRoundTripTime(10_000, 123_000);
        NetworkControlUpdate u = gcc.onRemoteBitrateReport(20_000, 400_000);
        assertEquals(123_000, u.targetRate().rttUs());
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> GccConfig.DEFAULT.withPacingFactor(0.5));
        assertThrows(IllegalArgumentException.class, () -> GccConfig.DEFAULT.withAlrEstimateCapFactor(1));
        assertThrows(IllegalArgumentException.class, () -> GccConfig.DEFAULT.withAlrBandwidthUsageRatio(1));
        assertTrue(GccConfig.DEFAULT.periodicAlrProbing());
    }
}
