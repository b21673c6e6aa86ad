package io.sluice.webrtc.rtp;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledUnsafeHeapByteBuf;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * An allocator of heap buffers for RTP packets that recycles the buffers themselves, not only their
 * memory: a released packet goes back to a bounded free list and the next request gets it again, so
 * a packetizer allocates nothing per packet once the list has filled.
 *
 * <p>Why: Netty's {@code PooledByteBufAllocator} pools the memory but makes a new {@code ByteBuf}
 * object (about 100 octets with its reference count) for most allocations, because its
 * {@code Recycler} keeps only one object in eight by default ({@code io.netty.recycler.ratio}).
 *
 * <p>Every pooled buffer has the same capacity, {@code packetCapacity} octets: size it for the
 * largest packet (RTP header with extensions + maximum payload + SRTP tail room). Requests for more,
 * or with a smaller maximum capacity, get an ordinary unpooled heap buffer. A pooled buffer that
 * grew (for example by {@code ensureWritable}) is not pooled again. Direct buffers are not pooled.
 * Buffers go through the usual leak detection ({@code toLeakAwareBuffer}), which allocates a tracker
 * for the sampled ones only.
 *
 * <p>Thread-safe: packets may be released on any thread.
 */
public final class RtpPacketAllocator extends AbstractByteBufAllocator {
    private final int packetCapacity;
    private final ArrayBlockingQueue<Packet> free;

    /**
     * @param packetCapacity capacity of every pooled buffer, octets, 12..65535
     * @param maxPooled      bound on released buffers kept for reuse, 1..1048576 (per sender, about
     *                       the packets alive at once: the retransmission history plus the ones in flight)
     * @throws IllegalArgumentException if a value is out of range
     */
    public RtpPacketAllocator(int packetCapacity, int maxPooled) {
        super(false);
        if (packetCapacity < 12 || packetCapacity > 65535) {
            throw new IllegalArgumentException("packetCapacity: " + packetCapacity + " (expected: 12..65535)");
        }
        if (maxPooled < 1 || maxPooled > 1 << 20) {
            throw new IllegalArgumentException("maxPooled: " + maxPooled + " (expected: 1..1048576)");
        }
        this.packetCapacity = packetCapacity;
        this.free = new ArrayBlockingQueue<>(maxPooled);
    }

    /** Capacity of the pooled buffers, octets. */
    public int packetCapacity() {
        return packetCapacity;
    }

    /** Released buffers waiting for reuse. */
    public int pooled() {
        return free.size();
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity > packetCapacity || maxCapacity < packetCapacity) {
            return new UnpooledUnsafeHeapByteBuf(this, initialCapacity, maxCapacity);
        }
        Packet p = free.poll();
        if (p == null) {
            return new Packet(this, maxCapacity);
        }
        p.reuse(maxCapacity);
        return p;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return Unpooled.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** A heap buffer that returns to its allocator's free list when its reference count reaches 0. */
    private static final class Packet extends UnpooledUnsafeHeapByteBuf {
        private final RtpPacketAllocator owner;

        Packet(RtpPacketAllocator owner, int maxCapacity) {
            super(owner, owner.packetCapacity, maxCapacity);
            this.owner = owner;
        }

        void reuse(int maxCapacity) {
            resetRefCnt();
            maxCapacity(maxCapacity);
            setIndex(0, 0);
            markReaderIndex();
            markWriterIndex();
        }

        @Override
        protected void deallocate() {
            if (capacity() != owner.packetCapacity || !owner.free.offer(this)) {
                super.deallocate();
            }
        }
    }
}
