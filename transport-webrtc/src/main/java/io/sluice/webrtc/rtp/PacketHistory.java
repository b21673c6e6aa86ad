package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Keeps copies of recently sent RTP packets of one SSRC, by sequence number, for retransmission on
 * NACK (RFC 4585 §6.2.1). Entries older than {@code maxAgeUs} (default 1 s) are evicted when new
 * packets are added; the ring holds at most {@code capacity} packets (a power of two). Stores the
 * plain RTP packet (before SRTP). Not thread-safe.
 *
 * <p>Cost: {@link #put} is O(1) amortized. The sequence number of the oldest packet held is kept, so
 * eviction starts there and stops at the first packet young enough; it never walks the empty part of
 * the ring (which, at 2048 slots and a few hundred packets a second, used to be ~1.5k slots per packet).
 */
public final class PacketHistory implements AutoCloseable {
    private final ByteBuf[] packets;
    private final int[] seqs;
    private final long[] sentUs;
    /** When each held packet was last retransmitted, µs; {@link Long#MIN_VALUE} if never. */
    private final long[] resentUs;
    private final int mask;
    private final long maxAgeUs;
    private final ByteBufAllocator alloc;
    /** Sequence number of the oldest packet held (meaningful while {@code size > 0}). */
    private int oldest;
    private int size;

    /**
     * @param capacity power of two in 16..32768 (at 2.5 Mbit/s and 1200-octet packets 1 s is ~260 packets)
     * @param maxAgeUs how long a packet stays retransmittable, µs, &gt; 0
     * @param alloc    allocator for the stored copies
     */
    public PacketHistory(int capacity, long maxAgeUs, ByteBufAllocator alloc) {
        if (capacity < 16 || capacity > 32768 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: power of two in 16..32768)");
        }
        if (maxAgeUs <= 0) {
            throw new IllegalArgumentException("maxAgeUs: " + maxAgeUs + " (expected: > 0)");
        }
        this.packets = new ByteBuf[capacity];
        this.seqs = new int[capacity];
        this.sentUs = new long[capacity];
        this.resentUs = new long[capacity];
        this.mask = capacity - 1;
        this.maxAgeUs = maxAgeUs;
        this.alloc = Objects.requireNonNull(alloc, "alloc");
    }

    /** 1024 packets, 1 s, default allocator. */
    public PacketHistory() {
        this(1024, 1_000_000, ByteBufAllocator.DEFAULT);
    }

    /**
     * Stores a copy of an RTP packet just sent.
     *
     * @param packet borrowed (its readable bytes are copied; pass it before SRTP protects it in place)
     * @param nowUs  send time, µs
     */
    public void put(ByteBuf packet, long nowUs) {
        int seq = packet.getUnsignedShort(packet.readerIndex() + 2);
        if (size == 0) {
            oldest = seq;
        } else {
            int ahead = (seq - oldest) & 0xFFFF;
            if (ahead >= 0x8000) {
                oldest = seq; // behind the oldest (a sequence restart): evict walks forward from here
            } else if (ahead > mask) {
                // Whatever is more than one ring behind this packet cannot stay: drop it on the way.
                for (int i = 0, steps = Math.min(ahead - mask, mask + 1); i < steps; i++) {
                    drop((oldest + i) & 0xFFFF);
                }
                oldest = (seq - mask) & 0xFFFF;
            }
        }
        int slot = seq & mask;
        if (packets[slot] != null) {
            packets[slot].release();
            packets[slot] = null;
            size--;
        }
        ByteBuf copy = alloc.buffer(packet.readableBytes() + 16);
        copy.writeBytes(packet, packet.readerIndex(), packet.readableBytes());
        packets[slot] = copy;
        seqs[slot] = seq;
        sentUs[slot] = nowUs;
        resentUs[slot] = Long.MIN_VALUE;
        size++;
        evict(nowUs);
    }

    private void drop(int seq) {
        int slot = seq & mask;
        if (packets[slot] != null && seqs[slot] == seq) {
            packets[slot].release();
            packets[slot] = null;
            size--;
        }
    }

    private void evict(long nowUs) {
        // From the oldest held packet forward, while entries are missing or too old.
        while (size > 0) {
            int slot = oldest & mask;
            ByteBuf p = packets[slot];
            if (p != null && seqs[slot] == oldest) {
                if (nowUs - sentUs[slot] <= maxAgeUs) {
                    return;
                }
                p.release();
                packets[slot] = null;
                size--;
            }
            oldest = (oldest + 1) & 0xFFFF;
        }
    }

    /**
     * A packet for retransmission.
     *
     * @param seq   sequence number asked for (NACK)
     * @param nowUs current time, µs
     * @return a retained duplicate the caller owns (release it), or {@code null} if unknown or too old
     */
    public ByteBuf get(int seq, long nowUs) {
        int slot = heldSlot(seq);
        if (slot < 0 || nowUs - sentUs[slot] > maxAgeUs) {
            return null;
        }
        return packets[slot].retainedDuplicate();
    }

    /** The slot holding the packet for {@code seq}, or -1 if none is held. */
    private int heldSlot(int seq) {
        int slot = seq & 0xFFFF & mask;
        return packets[slot] != null && seqs[slot] == (seq & 0xFFFF) ? slot : -1;
    }

    /**
     * @param seq sequence number, 0..65535
     * @return when the packet held for {@code seq} was first sent, µs; {@link Long#MIN_VALUE} if none is held
     */
    public long sentTimeUs(int seq) {
        int slot = heldSlot(seq);
        return slot < 0 ? Long.MIN_VALUE : sentUs[slot];
    }

    /**
     * @param seq sequence number, 0..65535
     * @return when the packet held for {@code seq} was last retransmitted ({@link #markRetransmitted}), µs;
     *         {@link Long#MIN_VALUE} if never, or if none is held
     */
    public long retransmittedTimeUs(int seq) {
        int slot = heldSlot(seq);
        return slot < 0 ? Long.MIN_VALUE : resentUs[slot];
    }

    /**
     * Notes that the packet held for {@code seq} was retransmitted now (nothing if none is held).
     *
     * @param seq   sequence number, 0..65535
     * @param nowUs current time, µs
     */
    public void markRetransmitted(int seq, long nowUs) {
        int slot = heldSlot(seq);
        if (slot >= 0) {
            resentUs[slot] = nowUs;
        }
    }

    /** Packets held. */
    public int size() {
        return size;
    }

    /** Releases every stored packet. */
    @Override
    public void close() {
        for (int i = 0; i < packets.length; i++) {
            if (packets[i] != null) {
                packets[i].release();
                packets[i] = null;
            }
        }
        size = 0;
    }
}
