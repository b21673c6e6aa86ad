package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DelayBasedBweTest {
    /**
     * Feeds 50 ms feedbacks of packets sent every 10 ms whose queueing delay grows by 2 ms each, until the detector
     * says OVERUSING, with no acknowledged rate and the given receive rate. @return the estimate after that feedback
     */
    private static long estimateAfterFirstOveruse(long receiveRateBps) {
        DelayBasedBwe bwe = new DelayBasedBwe(30_000, 300_000, 20_000_000);
        long seq = 0;
        for (int fb = 0; fb < 100; fb++) {
            List<PacketResult> results = new ArrayList<>();
            for (int i = 0; i < 5; i++, seq++) {
                long sent = seq * 10_000;
                results.add(new PacketResult(new SentPacket(sent, seq, 1000, PacedPacketInfo.NONE, false, 0),
                        sent + 50_000 + seq * 2_000));
            }
            long now = seq * 10_000 + 60_000 + seq * 2_000;
            DelayBasedBwe.Result r = bwe.incomingPacketFeedback(now, results, -1, -1, receiveRateBps);
            if (r.usage() == BandwidthUsage.OVERUSING && r.updated()) {
                return r.targetBps();
            }
        }
        throw new AssertionError("no overuse");
    }

    @Test
    void overuseBeforeAnyAcknowledgedRateNeverCutsBelowHalf() {
        // no receive rate yet: libwebrtc's halving (of 300 kbit/s plus what NORMAL added before the overuse)
        long halved = estimateAfterFirstOveruse(-1);
        assertTrue(halved >= 150_000 && halved <= 160_000, "halved to " + halved);
        // an application-limited start: 66 kbit/s arrived; β × 66 = 56 kbit/s would be a fifth of the estimate
        assertEquals(halved, estimateAfterFirstOveruse(66_000));
    }

    @Test
    void overuseBeforeAnyAcknowledgedRateKeepsBetaTimesAHigherReceiveRate() {
        // a flow joining a busy bottleneck keeps what its probes got through: β × 250 kbit/s, less 5 kbit/s
        long cut = estimateAfterFirstOveruse(250_000);
        assertTrue(cut > 150_000 && cut <= 0.85 * 250_000, "cut to " + cut);
    }
}
