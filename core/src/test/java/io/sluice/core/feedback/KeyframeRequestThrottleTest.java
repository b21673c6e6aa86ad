package io.sluice.core.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeyframeRequestThrottleTest {
    private static final long MS = 1_000_000L;

    @Test
    void firstRequestFiresAtOnceThenBurstCoalescesIntoOne() {
        KeyframeRequestThrottle t = new KeyframeRequestThrottle(Duration.ofMillis(250));
        long now = 5_000 * MS;
        assertTrue(t.request(now));
        assertEquals(Long.MAX_VALUE, t.pollTimeout());
        assertFalse(t.request(now + 10 * MS));
        assertFalse(t.request(now + 100 * MS));
        assertEquals(now + 250 * MS, t.pollTimeout());
        assertFalse(t.handleTimeout(now + 249 * MS));
        assertTrue(t.handleTimeout(now + 250 * MS));
        assertFalse(t.handleTimeout(now + 600 * MS), "fires once for the whole burst");
        assertEquals(Long.MAX_VALUE, t.pollTimeout());
        assertTrue(t.request(now + 600 * MS), "a request after the interval goes through");
    }

    @Test
    void cancelledPendingRequestDoesNotFire() {
        KeyframeRequestThrottle t = KeyframeRequestThrottle.withDefaultInterval();
        assertTrue(t.request(0));
        assertFalse(t.request(MS));
        t.cancelPending();
        assertFalse(t.handleTimeout(Duration.ofSeconds(1).toNanos()));
    }

    @Test
    void zeroIntervalForwardsEverything() {
        KeyframeRequestThrottle t = new KeyframeRequestThrottle(Duration.ZERO);
        assertTrue(t.request(1));
        assertTrue(t.request(1));
    }
}
