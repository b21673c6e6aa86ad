package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reorders the RTP packets of one SSRC and reassembles frames (access units) for a
 * {@link RtpDepacketizer}. Sans-IO: the caller passes the time in µs.
 *
 * <p>Packets are held in a ring indexed by the unwrapped sequence number ({@link Builder#capacity},
 * default 1024). A frame is complete when its packets are contiguous from a frame start (the packet
 * after a frame end) to a frame end (marker bit, or the next packet has another timestamp). A gap
 * is declared lost when the first packet after it has waited {@link Builder#maxDelayMicros} (default
 * 200 ms) or the ring overflows (a frame whose packets stop before its end is given up
 * {@code maxDelayMicros} after its newest packet: a paced sender may take longer than that for one frame); the partial frames around it are dropped and, when
 * {@link Builder#waitForKeyframeAfterLoss} is on (default), every following frame is dropped until a
 * keyframe, with one keyframe request per loss episode ({@link #pollKeyframeRequest()}). Padding-only
 * packets (RFC 3550 §5.1, a pacer's probes and padding) fill their sequence numbers and end a frame.
 *
 * <p>Output frames ({@link #poll(long)}) are {@link EncodedFrame}s of the configured track: the
 * codec's payload (AVCC for H.264), the keyframe flag, and PTS in µs relative to the first
 * timestamp seen ({@code (unwrappedTs - firstTs) · 10^6 / clockRate}).
 *
 * <p>Ownership: {@link #insert} takes ownership of the packet; {@link #poll} returns a frame the
 * caller owns; {@link #close()} releases what is still buffered. Not thread-safe.
 */
public final class JitterBuffer implements AutoCloseable {
    private final RtpDepacketizer depacketizer;
    private final TrackInfo track;
    private final ByteBufAllocator alloc;
    private final int capacity;
    private final int mask;
    private final long maxDelayUs;
    private final boolean waitForKeyframe;

    private final ByteBuf[] packets;
    private final long[] seqs;
    private final long[] arrival;
    private final long[] timestamps;
    private final int[] payloadOffsets;
    private final int[] payloadLengths;
    private final boolean[] ends;
    private final boolean[] independent;
    private final int frameMarkingId;
    private final RtpPacket view = new RtpPacket();
    private final SequenceUnwrapper seqUnwrapper = new SequenceUnwrapper();
    private final List<ByteBuf> scratch = new ArrayList<>();
    private long tsLast = -1;
    private long tsFirst;
    private boolean started;
    private long head;
    private long startHead = -1;
    private boolean headIsFrameStart;
    private boolean waitingForKeyframe;
    private boolean keyframeRequest;
    private boolean startRequested;
    private int buffered;

    private long packetsReceived;
    private long packetsLate;
    private long packetsDuplicate;
    private long packetsInvalid;
    private long packetsLost;
    private long framesOut;
    private long framesDropped;

    private JitterBuffer(Builder b) {
        this.depacketizer = b.depacketizer;
        this.track = b.track;
        this.alloc = b.alloc;
        this.capacity = b.capacity;
        this.mask = b.capacity - 1;
        this.maxDelayUs = b.maxDelayUs;
        this.waitForKeyframe = b.waitForKeyframe;
        this.waitingForKeyframe = b.waitForKeyframe;
        packets = new ByteBuf[capacity];
        seqs = new long[capacity];
        arrival = new long[capacity];
        timestamps = new long[capacity];
        payloadOffsets = new int[capacity];
        payloadLengths = new int[capacity];
        ends = new boolean[capacity];
        independent = new boolean[capacity];
        this.frameMarkingId = b.frameMarkingId;
    }

    /** A builder for frames of {@code track}, reassembled by {@code depacketizer}. */
    public static Builder builder(TrackInfo track, RtpDepacketizer depacketizer) {
        return new Builder(track, depacketizer);
    }

    /**
     * Adds one RTP packet (already unprotected) of this stream.
     *
     * @param packet takes ownership (released now if invalid, late or duplicate, else when its frame is out)
     * @param nowUs  arrival time, µs, any monotonic origin
     */
    public void insert(ByteBuf packet, long nowUs) {
        if (!view.wrap(packet) || (view.payloadLength() <= 0 && !view.hasPadding())) {
            packetsInvalid++;
            packet.release();
            return;
        }
        // A padding-only packet (RFC 3550 §5.1: P set, no payload), sent by a pacer to probe or fill its padding
        // rate, takes a sequence number between two frames: it fills its slot so no loss is declared there.
        boolean padding = view.payloadLength() <= 0;
        packetsReceived++;
        long seq = seqUnwrapper.unwrap(view.sequenceNumber());
        if (!started) {
            started = true;
            head = seq;
            startHead = seq;
            headIsFrameStart = padding || depacketizer.startsFrame(view.payload());
        }
        if (seq < head && startHead == head && head - seq < capacity / 2) {
            // Reordered before the first packet and nothing consumed yet: start earlier.
            head = seq;
            startHead = seq;
            headIsFrameStart = padding || depacketizer.startsFrame(view.payload());
        }
        if (seq < head) {
            packetsLate++;
            packet.release();
            return;
        }
        if (seq >= head + capacity) {
            long newHead = seq - capacity + 1;
            while (head < newHead) {
                dropSlot(head);
                head++;
            }
            headIsFrameStart = false;
            loss();
        }
        int slot = (int) (seq & mask);
        if (packets[slot] != null) {
            packetsDuplicate++;
            packet.release();
            return;
        }
        packets[slot] = packet;
        seqs[slot] = seq;
        arrival[slot] = nowUs;
        timestamps[slot] = view.timestamp();
        payloadOffsets[slot] = view.payloadOffset();
        payloadLengths[slot] = Math.max(0, view.payloadLength());
        ends[slot] = padding || depacketizer.endsFrame(view.payload(), view.marker());
        independent[slot] = frameMarkingId > 0 && FrameMarking.isIndependent(Math.max(0, FrameMarking.read(view, frameMarkingId)));
        buffered++;
    }

    private boolean present(long seq) {
        ByteBuf p = packets[(int) (seq & mask)];
        return p != null && seqs[(int) (seq & mask)] == seq;
    }

    private void dropSlot(long seq) {
        int slot = (int) (seq & mask);
        if (packets[slot] != null && seqs[slot] == seq) {
            packets[slot].release();
            packets[slot] = null;
            buffered--;
        } else {
            packetsLost++;
        }
    }

    private void loss() {
        if (waitForKeyframe && !waitingForKeyframe) {
            keyframeRequest = true;
        }
        if (waitForKeyframe) {
            waitingForKeyframe = true;
        }
    }

    /**
     * The next complete frame, or {@code null} if none is ready at {@code nowUs}.
     *
     * @param nowUs current time, µs, same origin as {@link #insert}
     * @return a frame the caller owns, or {@code null}
     */
    public EncodedFrame poll(long nowUs) {
        while (buffered > 0) {
            if (!present(head)) {
                long first = head;
                while (!present(first)) {
                    first++;
                }
                if (nowUs - arrival[(int) (first & mask)] < maxDelayUs) {
                    return null;
                }
                while (head < first) {
                    dropSlot(head++);
                }
                headIsFrameStart = false;
                loss();
                continue;
            }
            int hs = (int) (head & mask);
            if (payloadLengths[hs] == 0) { // padding between two frames: the next packet starts one
                dropSlot(head++);
                headIsFrameStart = true;
                continue;
            }
            if (!headIsFrameStart) {
                boolean end = ends[hs];
                long ts = timestamps[hs];
                dropSlot(head++);
                if (end || (present(head) && timestamps[(int) (head & mask)] != ts)) {
                    headIsFrameStart = true;
                }
                continue;
            }
            long ts0 = timestamps[hs];
            long k = head;
            long last = -1;
            while (true) {
                if (!present(k)) {
                    break;
                }
                int ks = (int) (k & mask);
                if (timestamps[ks] != ts0 || payloadLengths[ks] == 0) {
                    last = k - 1;
                    break;
                }
                if (ends[ks]) {
                    last = k;
                    break;
                }
                k++;
            }
            if (last < 0) {
                // Packets head..k-1 are here and k is not (yet): a paced sender spreads a large frame over more
                // than maxDelay, so the frame is given up only when none of its packets arrived for maxDelay.
                long newest = arrival[hs];
                for (long q = head + 1; q < k; q++) {
                    newest = Math.max(newest, arrival[(int) (q & mask)]);
                }
                if (nowUs - newest < maxDelayUs && buffered < capacity) {
                    return null;
                }
                // The frame cannot complete in time: drop what we have of it.
                while (head < k) {
                    dropSlot(head++);
                }
                headIsFrameStart = false;
                loss();
                continue;
            }
            EncodedFrame f = assemble(head, last);
            head = last + 1;
            headIsFrameStart = true;
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    private EncodedFrame assemble(long from, long to) {
        scratch.clear();
        int size = 0;
        for (long s = from; s <= to; s++) {
            int slot = (int) (s & mask);
            scratch.add(packets[slot].slice(payloadOffsets[slot], payloadLengths[slot]));
            size += payloadLengths[slot];
        }
        long ts = timestamps[(int) (from & mask)];
        boolean marked = frameMarkingId > 0 && independent[(int) (from & mask)];
        ByteBuf out = alloc.buffer(size + 4 * scratch.size() + 64);
        int flags;
        try {
            flags = depacketizer.depacketize(scratch, out);
        } finally {
            scratch.clear();
            for (long s = from; s <= to; s++) {
                dropSlot(s);
            }
        }
        boolean key = flags >= 0 && ((flags & RtpDepacketizer.KEYFRAME) != 0 || marked);
        if (flags < 0 || out.readableBytes() == 0 || (waitingForKeyframe && !key)) {
            out.release();
            framesDropped++;
            if (framesOut == 0 && !startRequested) {
                startRequested = true;
                keyframeRequest = true;
            }
            if (flags < 0) {
                loss();
            }
            return null;
        }
        waitingForKeyframe = false;
        framesOut++;
        return new EncodedFrame(track, out, ptsUs(ts), key);
    }

    /**
     * The RTP timestamp (32 bits) that output PTS are counted from: PTS 0 is this timestamp, and a frame's
     * timestamp is {@code first + pts · clockRate / 10^6} (mod 2^32, to within one tick).
     *
     * @return the first output frame's RTP timestamp, or -1 before a frame was output
     */
    public long firstRtpTimestamp() {
        return tsLast < 0 ? -1 : tsFirst & 0xFFFFFFFFL;
    }

    private long ptsUs(long ts) {
        long ext;
        if (tsLast < 0) {
            tsFirst = ts;
            ext = ts;
        } else {
            int delta = (int) (ts - (tsLast & 0xFFFFFFFFL));
            ext = tsLast + delta;
        }
        tsLast = ext;
        return Math.floorDiv((ext - tsFirst) * 1_000_000L, depacketizer.clockRate());
    }

    /**
     * When {@link #poll} can next give out or drop something without a new packet: the arrival of the
     * first held packet plus the maximum delay. Callers wake at this time instead of polling on a fixed tick.
     *
     * @return µs on the {@link #insert} clock, or {@link Long#MAX_VALUE} if nothing is held
     */
    public long pollTimeoutUs() {
        if (buffered == 0) {
            return Long.MAX_VALUE;
        }
        long first = head;
        for (int i = 0; i < capacity && !present(first); i++) {
            first++;
        }
        return present(first) ? arrival[(int) (first & mask)] + maxDelayUs : Long.MAX_VALUE;
    }

    /** {@code true} once after each loss that left the decoder without a reference: ask the sender for a keyframe (PLI/FIR). */
    public boolean pollKeyframeRequest() {
        boolean r = keyframeRequest;
        keyframeRequest = false;
        return r;
    }

    /** Whether frames are being dropped until the next keyframe. */
    public boolean isWaitingForKeyframe() {
        return waitingForKeyframe;
    }

    /** Valid packets inserted. */
    public long packetsReceived() {
        return packetsReceived;
    }

    /** Packets that arrived after their place was given up. */
    public long packetsLate() {
        return packetsLate;
    }

    /** Packets inserted twice. */
    public long packetsDuplicate() {
        return packetsDuplicate;
    }

    /** Packets that were not RTP or had no payload. */
    public long packetsInvalid() {
        return packetsInvalid;
    }

    /** Sequence numbers declared lost. */
    public long packetsLost() {
        return packetsLost;
    }

    /** Frames returned by {@link #poll}. */
    public long framesOut() {
        return framesOut;
    }

    /** Complete frames dropped (malformed, or not a keyframe while waiting for one). */
    public long framesDropped() {
        return framesDropped;
    }

    /** Packets currently held. */
    public int bufferedPackets() {
        return buffered;
    }

    /** Releases every buffered packet. */
    @Override
    public void close() {
        for (int i = 0; i < capacity; i++) {
            if (packets[i] != null) {
                packets[i].release();
                packets[i] = null;
            }
        }
        buffered = 0;
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final TrackInfo track;
        private final RtpDepacketizer depacketizer;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private int capacity = 1024;
        private long maxDelayUs = 200_000;
        private boolean waitForKeyframe = true;
        private int frameMarkingId = -1;

        private Builder(TrackInfo track, RtpDepacketizer depacketizer) {
            this.track = Objects.requireNonNull(track, "track");
            this.depacketizer = Objects.requireNonNull(depacketizer, "depacketizer");
        }

        /** Ring size in packets, a power of two in 16..32768. Default 1024. */
        public Builder capacity(int packets) {
            if (packets < 16 || packets > 32768 || Integer.bitCount(packets) != 1) {
                throw new IllegalArgumentException("capacity: " + packets + " (expected: power of two in 16..32768)");
            }
            this.capacity = packets;
            return this;
        }

        /** How long a gap may stay open before it is declared lost, µs, 0..10 s. Default 200 ms. */
        public Builder maxDelayMicros(long us) {
            if (us < 0 || us > 10_000_000) {
                throw new IllegalArgumentException("maxDelayMicros: " + us + " (expected: 0..10000000)");
            }
            this.maxDelayUs = us;
            return this;
        }

        /**
         * Drop frames after a loss (and at the start) until a keyframe. Default {@code true} (video);
         * turn off for audio or to inspect every complete frame.
         */
        public Builder waitForKeyframeAfterLoss(boolean wait) {
            this.waitForKeyframe = wait;
            return this;
        }

        /**
         * Also takes keyframe-ness from the Video Frame Marking header extension (RFC 9626 §3.1) in element
         * {@code id} (1..255): a frame whose first packet has the I (independent) bit is a keyframe, whatever
         * the depacketizer says. For payloads the depacketizer cannot read (SFrame whole-frame ciphertext).
         * Default off.
         */
        public Builder frameMarkingExtension(int id) {
            if (id < 1 || id > 255) {
                throw new IllegalArgumentException("frameMarkingExtension: " + id + " (expected: 1..255)");
            }
            this.frameMarkingId = id;
            return this;
        }

        /** Allocator for frame payloads. Default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        public JitterBuffer build() {
            return new JitterBuffer(this);
        }
    }
}
