package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

class RtpPacketAllocatorTest {
    private static ByteBuf unwrap(ByteBuf b) {
        return b.unwrap() != null ? b.unwrap() : b;
    }

    @Test
    void releasedPacketIsHandedOutAgainClean() {
        RtpPacketAllocator alloc = new RtpPacketAllocator(1300, 4);
        ByteBuf a = alloc.heapBuffer(1250);
        ByteBuf inner = unwrap(a);
        a.writeBytes(new byte[100]).readByte();
        assertTrue(a.release());
        assertEquals(1, alloc.pooled());
        ByteBuf b = alloc.heapBuffer(40);
        assertSame(inner, unwrap(b));
        assertEquals(1, b.refCnt());
        assertEquals(0, b.readerIndex());
        assertEquals(0, b.writerIndex());
        assertEquals(1300, b.capacity());
        b.release();
    }

    @Test
    void retainedPacketIsNotReusedUntilTheLastRelease() {
        RtpPacketAllocator alloc = new RtpPacketAllocator(1300, 4);
        ByteBuf a = alloc.buffer(1000).retain();
        a.release();
        assertEquals(0, alloc.pooled());
        assertNotSame(unwrap(a), unwrap(alloc.buffer(1000)));
        a.release();
        assertEquals(1, alloc.pooled());
    }

    @Test
    void oversizedOrGrownBuffersAreNotPooled() {
        RtpPacketAllocator alloc = new RtpPacketAllocator(1300, 4);
        ByteBuf big = alloc.heapBuffer(2000);
        assertEquals(2000, big.capacity());
        big.release();
        ByteBuf grown = alloc.heapBuffer(100);
        grown.writeBytes(new byte[1500]);
        grown.release();
        assertEquals(0, alloc.pooled());
    }

    @Test
    void boundedFreeList() {
        RtpPacketAllocator alloc = new RtpPacketAllocator(1300, 2);
        ByteBuf[] bs = {alloc.buffer(10), alloc.buffer(10), alloc.buffer(10)};
        for (ByteBuf b : bs) {
            ReferenceCountUtil.release(b);
        }
        assertEquals(2, alloc.pooled());
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new RtpPacketAllocator(11, 4));
        assertThrows(IllegalArgumentException.class, () -> new RtpPacketAllocator(1300, 0));
    }
}
