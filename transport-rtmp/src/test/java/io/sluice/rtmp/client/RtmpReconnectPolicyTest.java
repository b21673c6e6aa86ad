package io.sluice.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RtmpReconnectPolicyTest {
    @Test
    void exponentialWithEqualJitterCappedAtMax() {
        ReconnectPolicy p = ReconnectPolicy.defaults();
        assertEquals(Duration.ofMillis(250), p.delay(1, 0));
        assertTrue(p.delay(1, 0.9999).toMillis() == 499);
        assertEquals(Duration.ofMillis(1000), p.delay(3, 0));
        assertEquals(Duration.ofSeconds(5), p.delay(10, 0));
        assertEquals(9999, p.delay(1000, 0.9999).toMillis());
        assertTrue(p.delay(Integer.MAX_VALUE, 0.5).compareTo(Duration.ofSeconds(10)) <= 0);
    }

    @Test
    void attempts() {
        assertTrue(ReconnectPolicy.defaults().allows(1_000_000));
        assertFalse(ReconnectPolicy.never().allows(1));
        ReconnectPolicy three = ReconnectPolicy.defaults().withMaxAttempts(3);
        assertTrue(three.allows(3));
        assertFalse(three.allows(4));
        assertThrows(IllegalArgumentException.class, () -> ReconnectPolicy.defaults().withMaxAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> ReconnectPolicy.exponentialBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }
}
