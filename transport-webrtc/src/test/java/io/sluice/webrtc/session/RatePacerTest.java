package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.core.time.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RatePacer: leaky bucket with 5 ms bursts, queue time limit, probe clusters and padding, in simulated time")
class RatePacerTest {
    final ManualTicker t = new ManualTicker();

    /** Sends {@code n} packets of {@code size} as early as the pacer allows; returns the send times, ns. */
    long[] sendAll(RatePacer p, int n, int size, long queuedBytes) {
        long[] at = new long[n];
        for (int i = 0; i < n; i++) {
            long when = p.sendTime(t.nanoTime(), size, queuedBytes, t.nanoTime());
            if (when > t.nanoTime()) {
                t.setNanoTime(when);
            }
            assertTrue(p.sendTime(t.nanoTime(), size, queuedBytes, t.nanoTime()) <= t.nanoTime(), "due at its time");
            p.onSent(t.nanoTime(), size, PacedPacketInfo.NONE);
            at[i] = t.nanoTime();
        }
        return at;
    }

    @Test
    @DisplayName("Unconfigured it sends at once; at 1 Mbit/s, 1000-octet packets leave 8 ms apart after one 5 ms burst")
    void rateAndBurst() {
        RatePacer p = new RatePacer();
        assertEquals(t.nanoTime(), p.sendTime(t.nanoTime(), 1000));
        p.setPacerConfig(t.nanoTime(), new PacerConfig(1_000_000, 0));
        long t0 = t.nanoTime();
        long[] at = sendAll(p, 20, 1000, 1000);
        assertEquals(t0, at[0]);
        assertEquals(t0 + 3_000_000, at[1], 10_000, "the 625-octet burst allowance lets the 2nd go after 3 ms");
        for (int i = 2; i < at.length; i++) {
            assertEquals(8_000_000, at[i] - at[i - 1], 10_000, "1000 octets at 1 Mbit/s");
        }
        t.advanceMillis(1000);
        long idle = t.nanoTime();
        long[] after = sendAll(p, 3, 1000, 1000);
        assertEquals(idle, after[0]);
        assertTrue(after[1] > idle, "an idle second earns no burst beyond 5 ms");
    }

    @Test
    @DisplayName("Hold-back: with packets waiting the wake-up is at least 5 ms away at 4 Mbit/s, 3 packets' time at "
            + "50 Mbit/s, not held back while a probe cluster is pending or when the packet may leave now")
    void wakeTimeHoldsBack() {
        RatePacer p = new RatePacer();
        p.setPacerConfig(t.nanoTime(), new PacerConfig(4_000_000, 0));
        long now = t.nanoTime();
        assertEquals(now, p.wakeTime(now, now, 1200), "due now: no hold-back");
        sendAll(p, 3, 1200, 1200); // the burst allowance (2,500 octets) is spent
        now = t.nanoTime();
        long send = p.sendTime(now, 1200, 1200, now);
        assertTrue(send > now && send - now < 5_000_000, "the next packet is due in " + (send - now) + " ns");
        assertEquals(now + 5_000_000, p.wakeTime(now, send, 1200), "held back to 5 ms");
        assertEquals(now + 9_000_000, p.wakeTime(now, now + 9_000_000, 1200), "a later send time is kept");
        p.setPacerConfig(now, new PacerConfig(50_000_000, 0));
        assertEquals(now + 576_000, p.wakeTime(now, now + 1, 1200), 1, "3 × 1200 octets at 50 Mbit/s");
        p.setPacerConfig(now, new PacerConfig(4_000_000, 0));
        p.addProbeCluster(now, new ProbeClusterConfig(now / 1000, 1, 8_000_000, 15_000, 5));
        assertEquals(now + 1, p.wakeTime(now, now + 1, 1200), "a probe cluster keeps its own schedule");
        RatePacer off = new RatePacer(RatePacer.DEFAULT_BURST_INTERVAL, RatePacer.DEFAULT_MAX_QUEUE_TIME, Duration.ZERO);
        off.setPacerConfig(now, new PacerConfig(4_000_000, 0));
        assertEquals(now + 1, off.wakeTime(now, now + 1, 1200), "hold-back 0: off");
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(Duration.ofMillis(2), Duration.ofSeconds(2),
                Duration.ofMillis(3)), "longer than the burst");
    }

    @Test
    @DisplayName("Queue time limit: 1 MB queued at 1 Mbit/s, the oldest waiting 1 s: drains at 8 Mbit/s to finish in the 1 s left")
    void queueTimeLimit() {
        RatePacer p = new RatePacer();
        p.setPacerConfig(t.nanoTime(), new PacerConfig(1_000_000, 0));
        long oldest = t.nanoTime();
        t.advanceMillis(1000);
        p.onSent(t.nanoTime(), 10_000);
        assertEquals(t.nanoTime() + 75_000_000, p.sendTime(t.nanoTime(), 1000, 1000, t.nanoTime()), 10_000,
                "a short queue: (10000 − 625) octets at 1 Mbit/s");
        long when = p.sendTime(t.nanoTime(), 1000, 1_000_000, oldest);
        assertEquals(t.nanoTime() + 5_000_000, when, 10_000, "(10000 − 5000) octets at 8 Mbit/s");
    }

    @Test
    @DisplayName("A probe cluster sends at its own rate, marks its packets, ends after its bytes and probes, and leaves "
            + "no media debt behind; padding fills it when nothing is queued")
    void probeCluster() {
        RatePacer p = new RatePacer();
        p.setPacerConfig(t.nanoTime(), new PacerConfig(500_000, 0));
        p.addProbeCluster(t.nanoTime(), new ProbeClusterConfig(0, 3, 4_000_000, 15_000, 5));
        PacedPacketInfo info = p.pacedPacketInfo(t.nanoTime());
        assertEquals(new PacedPacketInfo(3, 5, 7_500), info);
        assertEquals(1200, p.paddingBytes(t.nanoTime()), "padding asked for, at most 1200 octets a packet");
        long start = t.nanoTime();
        int sent = 0;
        int packets = 0;
        while (p.pendingProbeClusters() > 0) {
            long when = p.sendTime(t.nanoTime(), 1200);
            assertEquals(start + sent * 8_000_000_000L / 4_000_000, when, 1, "the cluster's 4 Mbit/s schedule");
            t.setNanoTime(Math.max(when, t.nanoTime()));
            p.onSent(t.nanoTime(), 1200, p.pacedPacketInfo(t.nanoTime()));
            sent += 1200;
            packets++;
        }
        assertEquals(7, packets, "7 × 1200 ≥ 7500 octets and ≥ 5 probes");
        assertEquals(PacedPacketInfo.NONE, p.pacedPacketInfo(t.nanoTime()));
        assertEquals(t.nanoTime(), p.sendTime(t.nanoTime(), 1200), "probe bytes add no media debt");
        assertEquals(0, p.paddingBytes(t.nanoTime()), "no padding rate: no padding after the probe");
        assertEquals(Long.MAX_VALUE, p.paddingTime(t.nanoTime()));
    }

    @Test
    @DisplayName("A driver waking 50 ms late with packets queued catches up (50 ms of the rate at once); an idle "
            + "pacer earns nothing")
    void catchUpAfterLateWakeUp() {
        for (boolean backlog : new boolean[] {true, false}) {
            RatePacer p = new RatePacer();
            p.setPacerConfig(t.nanoTime(), new PacerConfig(1_000_000, 0));
            long queuedSince = t.nanoTime();
            p.onSent(t.nanoTime(), 1000);
            t.advanceMillis(50);
            int atOnce = 0;
            while (p.sendTime(t.nanoTime(), 1000, 100_000, backlog ? queuedSince : t.nanoTime()) <= t.nanoTime()) {
                p.onSent(t.nanoTime(), 1000);
                atOnce++;
            }
            assertEquals(backlog ? 6 : 1, atOnce, "backlog " + backlog);
        }
    }

    @Test
    @DisplayName("A probe cluster that never starts is dropped after 5 s")
    void probeTimeout() {
        RatePacer p = new RatePacer();
        p.addProbeCluster(t.nanoTime(), new ProbeClusterConfig(0, 1, 1_000_000, 15_000, 5));
        t.advanceMillis(5001);
        assertEquals(PacedPacketInfo.NONE, p.pacedPacketInfo(t.nanoTime()));
        assertEquals(0, p.pendingProbeClusters());
    }

    @Test
    @DisplayName("Padding rate: 200 kbit/s of padding (125-octet packets, 5 ms of it) when no media is sent")
    void paddingRate() {
        RatePacer p = new RatePacer();
        p.setPacerConfig(t.nanoTime(), new PacerConfig(1_000_000, 200_000));
        long t0 = t.nanoTime();
        long bytes = 0;
        while (t.nanoTime() - t0 < 1_000_000_000L) {
            int pad = p.paddingBytes(t.nanoTime());
            if (pad > 0) {
                assertEquals(125, pad);
                p.onSent(t.nanoTime(), pad);
                bytes += pad;
            } else {
                long next = p.paddingTime(t.nanoTime());
                assertTrue(next > t.nanoTime(), "no padding now means a later time");
                t.setNanoTime(next);
            }
        }
        assertEquals(25_000, bytes, 500, "200 kbit/s over 1 s");
    }

    @Test
    void rejectsOutOfRangeSettings() {
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(Duration.ofMillis(-1), Duration.ofSeconds(2)));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer(Duration.ofMillis(5), Duration.ofMillis(10)));
        assertThrows(IllegalArgumentException.class, () -> new RatePacer().setTargetBitrate(-1));
    }
}
