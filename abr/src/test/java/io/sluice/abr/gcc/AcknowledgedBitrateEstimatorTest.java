package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcknowledgedBitrateEstimatorTest {
    static List<PacketResult> constantRate(long fromUs, long toUs, long bps, int size, long[] seq) {
        List<PacketResult> out = new ArrayList<>();
        long interval = size * 8_000_000L / bps;
        for (long t = fromUs; t < toUs; t += interval) {
            out.add(new PacketResult(new SentPacket(t, seq[0]++, size, PacedPacketInfo.NONE, false, 0), t + 40_000));
        }
        return out;
    }

    @Test
    void convergesToTheReceiveRateAndFollowsAChange() {
        AcknowledgedBitrateEstimator e = new AcknowledgedBitrateEstimator();
        long[] seq = {0};
        assertEquals(-1, e.bitrateBps());
        e.incomingPacketFeedback(constantRate(0, 3_000_000, 1_000_000, 1000, seq), false);
        assertEquals(1_000_000, e.bitrateBps(), 30_000);
        e.incomingPacketFeedback(constantRate(3_000_000, 8_000_000, 500_000, 1000, seq), false);
        assertEquals(500_000, e.bitrateBps(), 30_000);
    }
}
