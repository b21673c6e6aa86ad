package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import org.junit.jupiter.api.Test;

class ProbeBitrateEstimatorTest {
    private static long cluster(ProbeBitrateEstimator e, int id, long sendGapUs, long receiveGapUs) {
        long r = -1;
        for (int i = 0; i < 6; i++) {
            SentPacket p = new SentPacket(i * sendGapUs, i, 1000, new PacedPacketInfo(id, 5, 5000), false, 0);
            r = e.handleProbeAndEstimateBitrate(new PacketResult(p, 50_000 + i * receiveGapUs));
        }
        return r;
    }

    @Test
    void unsaturatedClusterMeasuresItsSendRate() {
        // 1000 B every 4 ms = 2 Mbit/s sent and received
        assertEquals(2_000_000, cluster(new ProbeBitrateEstimator(), 1, 4_000, 4_000));
    }

    @Test
    void saturatedClusterMeasures95PercentOfTheReceiveRate() {
        // sent at 2 Mbit/s, received at 1 Mbit/s (8 ms apart)
        ProbeBitrateEstimator e = new ProbeBitrateEstimator();
        assertEquals("", e.lastEstimateDetail());
        assertEquals(950_000, cluster(e, 2, 4_000, 8_000));
        assertEquals("cluster 2: 6 packets, 6000 octets, sent at 2000000 bit/s over 20 ms, received at 1000000 bit/s"
                + " over 40 ms", e.lastEstimateDetail());
    }

    @Test
    void tooFewPacketsOrImplausibleRatioGiveNothing() {
        ProbeBitrateEstimator e = new ProbeBitrateEstimator();
        SentPacket p = new SentPacket(0, 0, 1000, new PacedPacketInfo(3, 5, 5000), false, 0);
        assertEquals(-1, e.handleProbeAndEstimateBitrate(new PacketResult(p, 1000)));
        assertEquals(-1, cluster(new ProbeBitrateEstimator(), 4, 10_000, 1_000), "received 10 × faster than sent");
        assertEquals(-1, e.fetchAndResetLastEstimatedBitrate());
    }
}
