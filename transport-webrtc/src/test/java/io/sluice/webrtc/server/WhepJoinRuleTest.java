package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When a WHEP join waits for a live keyframe instead of sending the GOP cache
 * ({@link WhepSession#joinWaitsForLiveKeyframe}). What the wait does in Chromium is {@code WhepViewerCiTest}'s and
 * {@code SimulcastViewersCiTest}'s to show; this pins the rule's edges.
 */
class WhepJoinRuleTest {
    @Test
    void aFreshCacheIsSent() {
        assertFalse(WhepSession.joinWaitsForLiveKeyframe(WhepSession.MAX_JOIN_CATCH_UP_US, 2_000_000));
        assertFalse(WhepSession.joinWaitsForLiveKeyframe(100_000, 2_000_000));
    }

    @Test
    void anOldCacheWaitsWhenTheNextKeyframeIsDueSoon() {
        assertTrue(WhepSession.joinWaitsForLiveKeyframe(1_200_000, 2_000_000), "0.8 s to go in a 2 s GOP");
        assertTrue(WhepSession.joinWaitsForLiveKeyframe(3_500_000, 5_000_000), "1.5 s to go in a 5 s GOP");
        assertFalse(WhepSession.joinWaitsForLiveKeyframe(3_400_000, 5_000_000), "1.6 s to go: the cache is sent");
        assertFalse(WhepSession.joinWaitsForLiveKeyframe(1_000_000, 10_000_000), "an OBS-like 10 s GOP");
    }

    @Test
    void anUnknownIntervalSendsTheCacheAndAnIrregularOneWaits() {
        assertFalse(WhepSession.joinWaitsForLiveKeyframe(1_500_000, 0), "the publication's first GOP");
        // Chromium's simulcast layer: two keyframes 51 ms apart at its start, then none unless asked
        assertTrue(WhepSession.joinWaitsForLiveKeyframe(6_408_000, 51_000));
    }
}
