package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiveRateTest {
    /** 1000-byte packets arriving every {@code gapUs} from {@code fromUs}, {@code n} of them. */
    private static List<PacketResult> arrivals(long fromUs, long gapUs, int n) {
        List<PacketResult> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = fromUs + i * gapUs;
            l.add(new PacketResult(new SentPacket(t - 50_000, i, 1000, PacedPacketInfo.NONE, false, 0), t));
        }
        return l;
    }

    @Test
    void unknownUntil200msOfArrivalsThenTheRateOverTheLast500ms() {
        ReceiveRate r = new ReceiveRate();
        r.onReceived(arrivals(0, 10_000, 10)); // 90 ms span
        assertEquals(-1, r.rateBps());
        r.onReceived(arrivals(100_000, 10_000, 100)); // 800 kbit/s to 1.09 s
        assertEquals(800_000, r.rateBps(), 20_000);
    }

    @Test
    void aCapacityDropShowsOnceTheWindowHasPassedIt() {
        ReceiveRate r = new ReceiveRate();
        r.onReceived(arrivals(0, 4_000, 250)); // 2 Mbit/s for 1 s
        assertEquals(2_000_000, r.rateBps(), 40_000);
        r.onReceived(arrivals(1_000_000, 13_333, 38)); // 600 kbit/s for 0.5 s
        assertEquals(600_000, r.rateBps(), 30_000); // one 2 Mbit/s packet still in the window
    }
}
