package io.sluice.http.cmaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The shared boundary decisions of the segmenters of a ladder's renditions, in plain calls (µs decode times). */
class SegmentAlignmentTest {
    private static final long TARGET = 2_000_000;

    @Test
    void theFirstToReachAnIdrDecidesAndTheOthersFollow() {
        SegmentAlignment a = new SegmentAlignment(1);
        assertEquals(new SegmentAlignment.Start(1, 0), a.start(0, TARGET));          // rendition A starts at 0 s
        assertEquals(-1, a.keyframe(1_000_000, false));                             // A: 1 s, too short
        assertEquals(2, a.keyframe(2_000_000, true));                               // A: 2 s starts segment 2
        // rendition B starts late, at an IDR of its own at 1.5 s (inside segment 1): it counts from 0 s
        assertEquals(new SegmentAlignment.Start(1, 0), a.start(1_500_000, TARGET));
        // B at 2 s would not cut by its own rule (it started at 1.5 s) but follows A
        assertEquals(2, a.keyframe(2_000_000, false));
        // B is ahead at 3 s and 4 s: it decides; A follows B, whatever its own rule says
        assertEquals(-1, a.keyframe(3_000_000, false));
        assertEquals(3, a.keyframe(4_000_000, true));
        assertEquals(-1, a.keyframe(3_000_000, true));
        assertEquals(3, a.keyframe(4_000_000, false));
    }

    @Test
    void aRenditionAheadOfEveryOtherDecidesItsFirstIdr() {
        SegmentAlignment a = new SegmentAlignment(5);
        assertEquals(new SegmentAlignment.Start(5, 0), a.start(0, TARGET));
        // C starts at 2.5 s, before anyone decided there: 2.5 s since the segment's start is a boundary
        assertEquals(new SegmentAlignment.Start(6, 2_500_000), a.start(2_500_000, TARGET));
        assertEquals(6, a.keyframe(2_500_000, false)); // the others cut there too
    }

    @Test
    void aRenditionBeforeEveryNumberedSegmentWaitsForOne() {
        SegmentAlignment a = new SegmentAlignment(1);
        assertEquals(new SegmentAlignment.Start(1, 4_000_000), a.start(4_000_000, TARGET));
        assertNull(a.start(2_000_000, TARGET)); // its GOP cache reaches back before segment 1: wait
        assertEquals(new SegmentAlignment.Start(1, 4_000_000), a.start(4_000_000, TARGET));
    }

    @Test
    void aClockThatStartsAgainKeepsNumbersIncreasing() {
        SegmentAlignment a = new SegmentAlignment(1);
        a.start(100_000_000, TARGET);
        assertEquals(2, a.keyframe(102_000_000, true));
        // the publisher came back with its clock at 0: a new timeline, numbered on
        assertEquals(new SegmentAlignment.Start(3, 0), a.start(0, TARGET));
        assertEquals(4, a.keyframe(2_000_000, true));
    }

    @Test
    void aSegmentHasOneProgramDateTimeOnEveryRendition() {
        SegmentAlignment a = new SegmentAlignment(1);
        a.start(0, TARGET);
        assertEquals(2, a.keyframe(2_000_000, true));
        assertEquals(10_000, a.programDateTimeMs(0, 10_000));      // the first to close segment 1 states it
        assertEquals(10_000, a.programDateTimeMs(0, 9_100));       // another rendition gets the same
        assertEquals(12_050, a.programDateTimeMs(2_000_000, 12_050));
        assertEquals(12_050, a.programDateTimeMs(2_000_000, 12_000));
        // a rung that joined at 2.5 s, inside segment 2: segment 2's time plus 0.5 s
        assertEquals(12_550, a.programDateTimeMs(2_500_000, 12_400));
    }

    @Test
    void programDateTimeOffsetIsTheSmallestOfAll() {
        SegmentAlignment a = new SegmentAlignment(1);
        assertEquals(1_000, a.wallOffsetMs(1_000));
        assertEquals(990, a.wallOffsetMs(990));
        assertEquals(990, a.wallOffsetMs(1_040)); // a transcoded rung's frames come later
    }
}
