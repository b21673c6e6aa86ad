package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtcp.NtpTime;
import io.sluice.webrtc.rtcp.ReportBlock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ReceiveStatistics: report blocks per RFC 3550 §6.4.1, A.3 (loss) and A.8 (jitter), in simulated time")
class ReceiveStatisticsTest {

    @Test
    void lossPerIntervalAndCumulative() {
        ManualTicker t = new ManualTicker();
        ReceiveStatistics s = new ReceiveStatistics(0x1234, 90_000);
        assertThrows(IllegalStateException.class, () -> s.reportBlock(t.nanoTime()));
        // 100 packets expected (seq 65_500 .. 65_599, across the 16-bit wrap), 10 missing.
        for (int i = 0; i < 100; i++) {
            if (i % 10 != 3) {
                s.onPacket((65_500 + i) & 0xFFFF, 3000L * i, t.advanceMillis(33));
            }
        }
        ReportBlock b = s.reportBlock(t.nanoTime());
        assertEquals(0x1234, b.ssrc());
        assertEquals(10, b.cumulativeLost());
        assertEquals(10 * 256 / 100, b.fractionLost(), "fraction lost, 8-bit fixed point");
        assertEquals(65_536 + 99 - 36, b.extendedHighestSeq(), "cycles << 16 | highest (A.1)");
        // Next interval: 50 expected, all received.
        for (int i = 100; i < 150; i++) {
            s.onPacket((65_500 + i) & 0xFFFF, 3000L * i, t.advanceMillis(33));
        }
        b = s.reportBlock(t.nanoTime());
        assertEquals(0, b.fractionLost(), "the interval lost nothing");
        assertEquals(10, b.cumulativeLost(), "cumulative stays");
    }

    @Test
    void jitterFollowsArrivalVariation() {
        ManualTicker t = new ManualTicker();
        ReceiveStatistics s = new ReceiveStatistics(1, 90_000);
        for (int i = 0; i < 200; i++) {
            // 30 fps, arrivals alternately 5 ms early and late: |D| = 10 ms = 900 ticks each time.
            long arrival = t.nanoTime() + i * 33_333_333L + (i % 2 == 0 ? 5_000_000 : -5_000_000);
            s.onPacket(i, 3000L * i, arrival);
        }
        ReportBlock b = s.reportBlock(t.nanoTime() + 200 * 33_333_333L);
        assertEquals(900, b.jitter(), 15, "J converges to |D| (A.8), 90 kHz ticks");
        assertEquals(10_000, s.jitterUs(), 200);
    }

    @Test
    void delaySinceLastSenderReport() {
        ManualTicker t = new ManualTicker();
        ReceiveStatistics s = new ReceiveStatistics(7, 48_000);
        s.onPacket(1, 0, t.nanoTime());
        assertEquals(0, s.reportBlock(t.nanoTime()).lastSr(), "no SR yet: LSR = DLSR = 0");
        long ntp = NtpTime.fromUnixMicros(t.wallClockMicros());
        s.onSenderReport(ntp, t.nanoTime());
        t.advanceMillis(500);
        ReportBlock b = s.reportBlock(t.nanoTime());
        assertEquals(NtpTime.middle32(ntp), b.lastSr());
        assertEquals(32_768, b.delaySinceLastSr(), "0.5 s in 1/65536 s");
    }
}
