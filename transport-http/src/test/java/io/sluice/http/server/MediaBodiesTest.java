package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafSegment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link MediaBodies}: each part's own buffer held, segments as their parts, released as the window moves. */
class MediaBodiesTest {
    private static final CmafHeader HEADER = new CmafHeader(0, List.of(), new byte[] {9, 9, 9});

    /** A part with one reference to a direct buffer holding {@code bytes}, as the segmenter hands it out. */
    private static CmafPart part(long msn, int index, byte... bytes) {
        return new CmafPart(HEADER, msn, index, 0, 1, index == 0, 0, Unpooled.directBuffer(bytes.length).writeBytes(bytes), Map.of());
    }

    @Test
    void aSegmentIsItsPartsAndServedBuffersOutliveTheWindow() {
        MediaBodies bodies = new MediaBodies();
        CmafPart p0 = part(1, 0, (byte) 1, (byte) 2);
        CmafPart p1 = part(1, 1, (byte) 3);
        bodies.onPart(p0);
        assertNull(bodies.segment(1), "not complete yet");
        bodies.onPart(p1);
        bodies.onSegment(new CmafSegment(HEADER, 1, 0, 2, false, 0, List.of(p0, p1)));
        ByteBuf whole = bodies.segment(1);
        ByteBuf again = bodies.segment(1);
        ByteBuf second = bodies.part(1, 1);
        assertTrue(whole.isDirect() && second.isDirect(), "off-heap: the transport writes them without a copy");
        assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(whole));
        whole.skipBytes(2); // what a write does to the buffer it was given
        assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(again), "each answer has its own indexes");
        assertNull(bodies.part(1, 2));

        bodies.retainFrom(2, 0, id -> false); // segment 1 leaves the window
        assertNull(bodies.segment(1));
        assertEquals(0, bodies.heldSequences());
        assertArrayEquals(new byte[] {3}, ByteBufUtil.getBytes(second), "an answer in flight keeps its bytes");
        assertFalse(whole.release(), "the other answer still holds the segment");
        assertTrue(again.release(), "the last answer frees the segment");
        assertTrue(second.release(), "the last reference frees the part");
        bodies.close();
    }

    @Test
    void initSegmentsAreHeldWhileUsedAndEverythingIsReleasedOnClose() {
        MediaBodies bodies = new MediaBodies();
        ByteBuf init = bodies.init(HEADER);
        assertArrayEquals(new byte[] {9, 9, 9}, ByteBufUtil.getBytes(init));
        init.release();
        bodies.onPart(part(5, 0, (byte) 7));
        bodies.retainFrom(5, 0, id -> false);
        ByteBuf open = bodies.part(5, 0);
        assertArrayEquals(new byte[] {7}, ByteBufUtil.getBytes(open), "the open segment's parts stay");
        bodies.close();
        assertEquals(1, open.refCnt(), "close released the holder's reference, not the answer's");
        assertTrue(open.release());
        assertNull(bodies.segment(5));
        CmafPart late = part(6, 0, (byte) 8);
        bodies.onPart(late);
        assertEquals(0, late.bytes().refCnt(), "a part given after close is released at once");
        assertNull(bodies.part(6, 0));
    }

    @Test
    void byteRangesFollowRfc9110() {
        assertArrayEquals(new long[] {0, 9}, ByteRanges.single("bytes=0-9", 100));
        assertArrayEquals(new long[] {90, 99}, ByteRanges.single("bytes=90-", 100));
        assertArrayEquals(new long[] {80, 99}, ByteRanges.single("bytes=-20", 100));
        assertArrayEquals(new long[] {0, 99}, ByteRanges.single("bytes=-200", 100));
        assertArrayEquals(new long[] {95, 99}, ByteRanges.single("bytes=95-1000", 100));
        assertEquals(0, ByteRanges.single("bytes=100-", 100).length, "past the end: 416");
        assertEquals(0, ByteRanges.single("bytes=-0", 100).length);
        assertNull(ByteRanges.single("bytes=0-1,4-5", 100), "several ranges: the whole body");
        assertNull(ByteRanges.single("bytes=9-2", 100), "invalid: ignored");
        assertNull(ByteRanges.single("items=0-1", 100));
        assertNull(ByteRanges.single("bytes=a-b", 100));
        assertNull(ByteRanges.single("bytes=-", 100));
    }
}
