package io.sluice.webrtc.whip.client;

import static io.sluice.webrtc.whip.client.PacerBacklogFrameDropper.Decision.DROP;
import static io.sluice.webrtc.whip.client.PacerBacklogFrameDropper.Decision.DROP_AND_REQUEST_KEYFRAME;
import static io.sluice.webrtc.whip.client.PacerBacklogFrameDropper.Decision.SEND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PacerBacklogFrameDropper: video dropped up to a keyframe while the pacer holds over 1 s at its rate")
class PacerBacklogFrameDropperTest {
    static final long RATE = 300_000; // 1 s = 37,500 octets

    @Test
    @DisplayName("under 1 s of backlog every frame goes; at 1 s a delta frame is dropped and one keyframe asked for")
    void dropsFromTheLimitUntilAKeyframeThatFits() {
        PacerBacklogFrameDropper d = new PacerBacklogFrameDropper();
        assertEquals(SEND, d.onVideoFrame(false, 37_499, RATE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(false, 37_500, RATE));
        assertTrue(d.dropping());
        assertEquals(DROP, d.onVideoFrame(false, 0, RATE), "a delta frame after a drop has a missing reference");
        assertEquals(DROP, d.onVideoFrame(false, 40_000, RATE));
        assertEquals(SEND, d.onVideoFrame(true, 10_000, RATE), "the keyframe fits: video resumes");
        assertFalse(d.dropping());
        assertEquals(SEND, d.onVideoFrame(false, 12_000, RATE));
        assertEquals(3, d.dropped());
    }

    @Test
    @DisplayName("a keyframe that comes while the pacer is still over the limit is dropped and asked for again")
    void keyframeOverTheLimitIsAskedForAgain() {
        PacerBacklogFrameDropper d = new PacerBacklogFrameDropper();
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(false, 50_000, RATE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(true, 45_000, RATE));
        assertEquals(DROP, d.onVideoFrame(false, 30_000, RATE));
        assertEquals(SEND, d.onVideoFrame(true, 30_000, RATE));
    }

    @Test
    @DisplayName("a keyframe over the limit while not dropping is dropped too (the next frames would miss it)")
    void keyframeOverTheLimit() {
        PacerBacklogFrameDropper d = new PacerBacklogFrameDropper();
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(true, 40_000, RATE));
        assertEquals(DROP, d.onVideoFrame(false, 1_000, RATE));
    }

    @Test
    @DisplayName("without a pacing rate nothing is dropped; the limit is configurable within 100 ms..10 s")
    void noTargetAndBounds() {
        PacerBacklogFrameDropper d = new PacerBacklogFrameDropper(Duration.ofMillis(200));
        assertEquals(SEND, d.onVideoFrame(false, 10_000_000, 0));
        assertEquals(SEND, d.onVideoFrame(false, 7_499, RATE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(false, 7_500, RATE));
        assertEquals(Duration.ofMillis(200), d.maxBacklog());
        assertThrows(IllegalArgumentException.class, () -> new PacerBacklogFrameDropper(Duration.ofMillis(99)));
        assertThrows(IllegalArgumentException.class, () -> new PacerBacklogFrameDropper(Duration.ofSeconds(11)));
    }
}
