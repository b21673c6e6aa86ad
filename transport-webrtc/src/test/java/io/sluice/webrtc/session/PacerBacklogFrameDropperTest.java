package io.sluice.webrtc.session;

import static io.sluice.webrtc.session.PacerBacklogFrameDropper.Decision.DROP;
import static io.sluice.webrtc.session.PacerBacklogFrameDropper.Decision.DROP_AND_REQUEST_KEYFRAME;
import static io.sluice.webrtc.session.PacerBacklogFrameDropper.Decision.SEND;
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
    /** No large cut so far. */
    private static final long NONE = Long.MIN_VALUE;
    /** After the start grace. */
    static final long T = PacerBacklogFrameDropper.START_GRACE_US;

    /** A dropper whose first video frame (which starts the grace) came at 0. */
    static PacerBacklogFrameDropper started(PacerBacklogFrameDropper d) {
        assertEquals(SEND, d.onVideoFrame(0, false, 0, RATE, NONE));
        return d;
    }

    @Test
    @DisplayName("under 1 s of backlog every frame goes; at 1 s a delta frame is dropped and one keyframe asked for")
    void dropsFromTheLimitUntilAKeyframeThatFits() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper());
        assertEquals(SEND, d.onVideoFrame(T, false, 37_499, RATE, NONE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T, false, 37_500, RATE, NONE));
        assertTrue(d.dropping());
        assertEquals(DROP, d.onVideoFrame(T, false, 0, RATE, NONE), "a delta frame after a drop has a missing reference");
        assertEquals(DROP, d.onVideoFrame(T, false, 40_000, RATE, NONE));
        assertEquals(SEND, d.onVideoFrame(T, true, 10_000, RATE, NONE), "the keyframe fits: video resumes");
        assertFalse(d.dropping());
        assertEquals(SEND, d.onVideoFrame(T, false, 12_000, RATE, NONE));
        assertEquals(3, d.dropped());
    }

    @Test
    @DisplayName("a keyframe that comes while the pacer is still over the limit is dropped and asked for again")
    void keyframeOverTheLimitIsAskedForAgain() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper());
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T, false, 50_000, RATE, NONE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T, true, 45_000, RATE, NONE));
        assertEquals(DROP, d.onVideoFrame(T, false, 30_000, RATE, NONE));
        assertEquals(SEND, d.onVideoFrame(T, true, 30_000, RATE, NONE));
    }

    @Test
    @DisplayName("a keyframe over the limit while not dropping is dropped too (the next frames would miss it)")
    void keyframeOverTheLimit() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper());
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T, true, 40_000, RATE, NONE));
        assertEquals(DROP, d.onVideoFrame(T, false, 1_000, RATE, NONE));
    }

    @Test
    @DisplayName("without a pacing rate nothing is dropped; the limit is configurable within 100 ms..10 s")
    void noTargetAndBounds() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper(Duration.ofMillis(200)));
        assertEquals(SEND, d.onVideoFrame(T, false, 10_000_000, 0, NONE));
        assertEquals(SEND, d.onVideoFrame(T, false, 7_499, RATE, NONE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T, false, 7_500, RATE, NONE));
        assertEquals(Duration.ofMillis(200), d.maxBacklog());
        assertThrows(IllegalArgumentException.class, () -> new PacerBacklogFrameDropper(Duration.ofMillis(99)));
        assertThrows(IllegalArgumentException.class, () -> new PacerBacklogFrameDropper(Duration.ofSeconds(11)));
    }

    @Test
    @DisplayName("for 3 s after the controller said its cut was a large one, the limit is 250 ms")
    void lowerLimitAfterALargeCut() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper());
        assertEquals(SEND, d.onVideoFrame(T, false, 0, 3 * RATE, NONE));
        assertEquals(SEND, d.onVideoFrame(T + 100_000, false, 9_375, RATE, NONE),
                "a lower pacing rate the controller did not call a large cut: the 1 s limit");
        long cut = T + 150_000;
        // 0.3 Mbit/s: 250 ms is 9,375 octets
        assertEquals(SEND, d.onVideoFrame(T + 200_000, false, 9_374, RATE, cut));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T + 233_000, false, 9_375, RATE, cut));
        assertTrue(d.droppingForCut(), "under the normal limit: the encoder's overshoot of the cut");
        assertEquals(SEND, d.onVideoFrame(T + 266_000, true, 5_000, RATE, cut), "a keyframe that fits");
        assertFalse(d.droppingForCut());
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(T + 300_000, false, 37_500, RATE, cut));
        assertFalse(d.droppingForCut(), "over the normal limit too");
        assertEquals(SEND, d.onVideoFrame(T + 333_000, true, 5_000, RATE, cut));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(cut + 2_999_000, false, 10_000, RATE, cut), "within 3 s");
        assertEquals(SEND, d.onVideoFrame(cut + 3_000_000, true, 10_000, RATE, cut), "3 s after the cut: 1 s again");
        assertEquals(SEND, d.onVideoFrame(cut + 3_033_000, false, 37_499, RATE, cut));
    }

    @Test
    @DisplayName("nothing is dropped in the first second after the first video frame (the start rate is a guess)")
    void startGrace() {
        PacerBacklogFrameDropper d = new PacerBacklogFrameDropper();
        assertEquals(SEND, d.onVideoFrame(5_000_000, true, 0, RATE, NONE));
        assertEquals(SEND, d.onVideoFrame(5_033_000, false, 43_000, RATE, NONE), "a 43 kB keyframe is 1.15 s at 300 kbit/s");
        assertEquals(SEND, d.onVideoFrame(5_999_999, false, 60_000, RATE, NONE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(6_000_000, false, 60_000, RATE, NONE));
        assertEquals(1, d.dropped());
    }

    @Test
    @DisplayName("a grace the caller sets (a WHEP viewer's join draining) keeps frames going until it ends")
    void graceUntil() {
        PacerBacklogFrameDropper d = started(new PacerBacklogFrameDropper());
        d.graceUntil(3 * T);
        assertEquals(SEND, d.onVideoFrame(2 * T, false, 100_000, RATE, NONE), "2.7 s of backlog, inside the grace");
        assertEquals(SEND, d.onVideoFrame(3 * T - 1, false, 100_000, RATE, NONE));
        assertEquals(DROP_AND_REQUEST_KEYFRAME, d.onVideoFrame(3 * T, false, 100_000, RATE, NONE));
    }
}
