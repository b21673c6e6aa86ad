package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PeakRateMeterTest {
    private static final long S = 1_000_000_000L;

    /** 1,000 octets every 10 ms is 800 kbit/s; the partial first interval does not count. */
    @Test
    void aSteadyFlowReadsItsRateOnceAWholeIntervalHasPassed() {
        PeakRateMeter m = new PeakRateMeter();
        long t = 500_000_000L; // half-way into interval 0
        for (; t < 2 * S; t += 10_000_000L) {
            m.add(t, 1_000);
            if (t < S) {
                assertEquals(0, m.peakBps(t), "no whole interval yet at " + t);
            }
        }
        assertEquals(800_000, m.peakBps(t));
    }

    /** A ramp is followed within an interval, and the peak is forgotten five whole intervals later. */
    @Test
    void followsARampAndForgetsAnOldPeak() {
        PeakRateMeter m = new PeakRateMeter();
        m.reset(0);
        send(m, 0, 1, 10_000);       // 80 kbit/s in interval 0 (partial by reset: not counted)
        send(m, 1, 2, 100_000);      // 800 kbit/s
        send(m, 2, 3, 200_000);      // 1.6 Mbit/s
        assertEquals(1_600_000, m.peakBps(3 * S));
        send(m, 3, 7, 50_000);       // 400 kbit/s from then on
        assertEquals(1_600_000, m.peakBps(7 * S)); // interval 2 still among the last five
        send(m, 7, 9, 50_000);
        assertEquals(400_000, m.peakBps(8 * S));
        assertEquals(400_000, m.peakBps(9 * S));
    }

    /** Nothing sent for longer than the memory: no rate, then the next whole interval's. */
    @Test
    void aLongSilenceLeavesNoRate() {
        PeakRateMeter m = new PeakRateMeter();
        m.reset(0);
        send(m, 1, 3, 100_000);
        assertEquals(800_000, m.peakBps(3 * S));
        assertEquals(0, m.peakBps(20 * S));
        send(m, 20, 22, 25_000);
        assertEquals(200_000, m.peakBps(22 * S));
    }

    /** After a reset (a viewer back on the rung) only intervals after it count. */
    @Test
    void resetStartsOver() {
        PeakRateMeter m = new PeakRateMeter();
        m.reset(0);
        send(m, 1, 3, 300_000);
        m.reset(3 * S + 400_000_000L);
        send(m, 3, 5, 20_000);
        assertEquals(160_000, m.peakBps(5 * S));
    }

    /** Sends {@code octetsPerSecond} as 100 equal parts per second over seconds [from, to). */
    private static void send(PeakRateMeter m, int from, int to, long octetsPerSecond) {
        for (long t = from * S; t < to * S; t += S / 100) {
            m.add(t, octetsPerSecond / 100);
        }
    }
}
