package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtcp.TransportWideCc;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TwccSendRegister and DeliveryRateEstimator: transport-wide sequence numbers and feedback "
        + "(draft-holmer-rmcat-transport-wide-cc-extensions-01 §3), in simulated time")
class TwccSendRegisterTest {

    @Test
    void sequenceNumbersWrapAndFeedbackMatchesSizes() {
        ManualTicker t = new ManualTicker();
        TwccSendRegister r = new TwccSendRegister();
        for (int i = 0; i < 65_530; i++) {
            r.register(100, t.nanoTime());
        }
        long sent0 = t.advanceMillis(1);
        int base = r.register(1000, sent0);
        assertEquals(65_530, base);
        for (int i = 1; i < 10; i++) {
            assertEquals((65_530 + i) & 0xFFFF, r.register(1000 + i, t.advanceMillis(1)), "one counter, wraps at 2^16");
        }
        // 10 packets, the 3rd lost, arrivals 2 ms apart from 100 ms.
        long[] arrival = new long[10];
        for (int i = 0; i < 10; i++) {
            arrival[i] = i == 2 ? -1 : 100_000 + 2_000L * i;
        }
        TwccSendRegister.Feedback f = r.onFeedback(TransportWideCc.of(1, 2, base, 0, arrival));
        assertEquals(9, f.packetsAcked());
        assertEquals(1, f.packetsLost());
        assertEquals(0.1, f.lossFraction(), 1e-9);
        long expectedBytes = 0;
        for (int i = 0; i < 9; i++) { // received ones except the last (its bytes arrive after the span)
            expectedBytes += i == 2 ? 0 : 1000 + i;
        }
        assertEquals(expectedBytes, f.deliveredBytes());
        assertEquals(18_000, f.arrivalSpanUs());
        assertEquals(t.nanoTime(), f.lastSentNanos(), "send time of the newest packet covered");
        assertEquals(1, r.feedbacks());
        assertEquals(9, r.packetsAcked());
        assertEquals(1, r.packetsLost());
    }

    @Test
    void deliveryRateIsThrottledAndLabelledHonestly() {
        ManualTicker t = new ManualTicker();
        DeliveryRateEstimator e = new DeliveryRateEstimator(Duration.ofMillis(200));
        assertEquals(BandwidthEstimate.Kind.DELIVERY_RATE, e.kind());
        TwccSendRegister.Feedback oneMbit = new TwccSendRegister.Feedback(10, 0, 12_500, 100_000, 0);
        assertEquals(1_000_000, e.onTransportFeedback(t.nanoTime(), oneMbit), "12.5 kB in 100 ms");
        assertEquals(BandwidthEstimator.NO_ESTIMATE, e.onTransportFeedback(t.advanceMillis(100), oneMbit), "inside 200 ms");
        assertEquals(1_000_000, e.onTransportFeedback(t.advanceMillis(100), oneMbit));
        assertEquals(BandwidthEstimator.NO_ESTIMATE,
                e.onTransportFeedback(t.advanceMillis(500), new TwccSendRegister.Feedback(2, 0, 1200, 5_000, 0)),
                "a span under 10 ms is no rate");
    }
}
