package io.sluice.abr.gcc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AlrDetectorTest {
    private static long send(AlrDetector d, long fromUs, long toUs, long bps) {
        long t = fromUs;
        for (; t < toUs; t += 10_000) {
            d.onBytesSent((int) (bps / 8 / 100), t);
        }
        return t;
    }

    @Test
    void sendingWellBelowTheTargetIsAlrAndSendingAtItEndsAlr() {
        AlrDetector d = new AlrDetector();
        d.setEstimatedBitrate(1_000_000);
        long t = send(d, 0, 2_000_000, 1_000_000);
        assertFalse(d.inAlr());
        t = send(d, t, t + 2_000_000, 300_000);
        assertTrue(d.inAlr(), "30 % of the target");
        send(d, t, t + 2_000_000, 1_000_000);
        assertFalse(d.inAlr());
    }

    @Test
    void theUsageRatioIsConfigurable() {
        AlrDetector strict = new AlrDetector(0.75);
        AlrDetector libwebrtc = new AlrDetector();
        strict.setEstimatedBitrate(1_000_000);
        libwebrtc.setEstimatedBitrate(1_000_000);
        send(strict, 0, 10_000_000, 700_000);
        send(libwebrtc, 0, 10_000_000, 700_000);
        assertTrue(strict.inAlr(), "70 % < 75 %");
        assertFalse(libwebrtc.inAlr(), "70 % > 65 %");
    }
}
