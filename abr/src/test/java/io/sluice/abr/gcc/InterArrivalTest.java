package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class InterArrivalTest {
    @Test
    void packetsWithin5msOfSendTimeFormOneGroupAndDeltasComeWhenTheThirdGroupStarts() {
        InterArrival ia = new InterArrival();
        // group 1: sent 0, 2, 4 ms; group 2: sent 10, 12 ms; group 3 starts at 20 ms
        assertNull(ia.computeDeltas(0, 50_000, 0, 100));
        assertNull(ia.computeDeltas(2_000, 52_000, 0, 100));
        assertNull(ia.computeDeltas(4_000, 54_000, 0, 100));
        assertNull(ia.computeDeltas(10_000, 61_000, 0, 200)); // starts group 2: only one complete group yet
        assertNull(ia.computeDeltas(12_000, 63_000, 0, 200));
        InterArrival.Deltas d = ia.computeDeltas(20_000, 70_000, 0, 50);
        assertNotNull(d);
        assertEquals(12_000 - 4_000, d.sendDeltaUs());
        assertEquals(63_000 - 54_000, d.arrivalDeltaUs());
        assertEquals(400 - 300, d.sizeDeltaBytes());
    }

    @Test
    void aBurstArrivingTogetherJoinsTheGroupEvenWhenSentLater() {
        InterArrival ia = new InterArrival();
        ia.computeDeltas(0, 100_000, 0, 100);
        // sent 8 ms later but arrived 1 ms later (negative propagation delta, within 5 ms): same group
        assertNull(ia.computeDeltas(8_000, 101_000, 0, 100));
        ia.computeDeltas(30_000, 130_000, 0, 100); // group 2
        InterArrival.Deltas d = ia.computeDeltas(60_000, 160_000, 0, 100);
        assertNotNull(d);
        assertEquals(30_000 - 8_000, d.sendDeltaUs(), "group 1 ends with the burst packet");
        assertEquals(130_000 - 101_000, d.arrivalDeltaUs());
    }

    @Test
    void reorderedPacketOfAnOlderGroupIsIgnored() {
        InterArrival ia = new InterArrival();
        ia.computeDeltas(10_000, 60_000, 0, 100);
        assertNull(ia.computeDeltas(0, 61_000, 0, 100));
        ia.computeDeltas(20_000, 70_000, 0, 100);
        InterArrival.Deltas d = ia.computeDeltas(30_000, 80_000, 0, 100);
        assertEquals(10_000, d.sendDeltaUs());
        assertEquals(10_000, d.arrivalDeltaUs());
        assertEquals(0, d.sizeDeltaBytes(), "the reordered packet did not count");
    }
}
