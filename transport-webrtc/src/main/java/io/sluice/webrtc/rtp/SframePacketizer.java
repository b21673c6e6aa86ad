package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.EncodedFrame;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Per-frame SFrame packetization (draft-ietf-avtcore-rtp-sframe-02 §5.1 and §5.1.1, T = 0): the frame
 * payload, one whole SFrame ciphertext ({@code SFrame header ‖ encrypted frame ‖ tag}, RFC 9605 §4.2), is
 * cut into fragments of at most {@code maxPayloadSize − 1} octets, each sent as one RTP packet whose
 * payload is {@code descriptor (1 octet) ‖ fragment}:
 *
 * <pre>
 * RTP header (with extensions) ‖ S E T=0 00000 ‖ ciphertext[k·n, (k+1)·n)
 * </pre>
 * S on the first fragment only, E on the last only (one fragment: both). The payload is never parsed, so
 * any codec's frame can be carried; the payload type stays the one of the media format inside (§4).
 *
 * <p>Marker bit: when {@link Builder#marker(boolean)} is on (video: the H.264 packetizer would mark the
 * last packet of an access unit, RFC 6184 §5.1) it equals E (§5.1 step 4.8); off (Opus, RFC 7587 §4.1)
 * it is never set. RTP timestamp: {@code initialTimestamp + ptsUs · clockRate / 10^6} (truncated, low 32
 * bits; 90 kHz for video, 48 kHz for Opus). Sequence numbers count up from
 * {@link Builder#initialSequenceNumber}.
 *
 * <p>Video Frame Marking (RFC 9626 §3.1): when {@link Builder#frameMarking(int)} names an extension element
 * that the header writer reserves (one octet), every packet gets {@code S E I D} for the frame, I set for
 * keyframes, so the receiver learns which frames are independent without reading the ciphertext.
 *
 * <p>Not thread-safe.
 */
public final class SframePacketizer {
    /** Default maximum RTP payload (descriptor included), octets. */
    public static final int DEFAULT_MAX_PAYLOAD = 1200;

    private final RtpHeaderWriter header;
    private final int clockRate;
    private final int maxPayload;
    private final boolean marker;
    private final int frameMarkingId;
    private final ByteBufAllocator alloc;
    private final int tailRoom;
    private final long initialTimestamp;
    private final RtpPacket view = new RtpPacket();
    private int sequenceNumber;

    private SframePacketizer(Builder b) {
        this.header = b.header;
        this.clockRate = b.clockRate;
        this.maxPayload = b.maxPayload;
        this.marker = b.marker;
        this.frameMarkingId = b.frameMarkingId;
        this.alloc = b.alloc;
        this.tailRoom = b.tailRoom;
        this.initialTimestamp = b.initialTimestamp >= 0 ? b.initialTimestamp : ThreadLocalRandom.current().nextLong(1L << 32);
        this.sequenceNumber = b.initialSequenceNumber >= 0 ? b.initialSequenceNumber : ThreadLocalRandom.current().nextInt(1 << 16);
        if (frameMarkingId > 0) {
            header.extension(frameMarkingId, new byte[FrameMarking.LENGTH]);
        }
    }

    /**
     * A builder writing headers with {@code header} (SSRC, payload type, extensions).
     *
     * @param clockRate RTP clock rate, Hz: 90000 for video, 48000 for Opus
     */
    public static Builder builder(RtpHeaderWriter header, int clockRate) {
        return new Builder(header, clockRate);
    }

    /** The sequence number the next packet will carry, 0..65535. */
    public int nextSequenceNumber() {
        return sequenceNumber;
    }

    /** The RTP timestamp (clock rate units, 32 bits) for a presentation time in µs. */
    public long rtpTimestamp(long ptsUs) {
        return (initialTimestamp + Math.floorDiv(ptsUs * clockRate, 1_000_000L)) & 0xFFFFFFFFL;
    }

    /**
     * Packetizes one frame whose payload is an SFrame ciphertext.
     *
     * @param frame borrowed (not released); its payload is not interpreted
     * @param out   receives the packets in sending order; the caller owns (and releases) them
     * @return the number of packets added (0 for an empty payload)
     */
    public int packetize(EncodedFrame frame, List<ByteBuf> out) {
        ByteBuf p = frame.content();
        int data = p.readableBytes();
        if (data == 0) {
            return 0;
        }
        long ts = rtpTimestamp(frame.ptsUs());
        int perPacket = maxPayload - SframePayloadDescriptor.LENGTH;
        int count = (data + perPacket - 1) / perPacket;
        int pos = p.readerIndex();
        int remaining = data;
        for (int k = 0; k < count; k++) {
            // Equal sizes (the first ones one octet longer) rather than full packets and a short tail.
            int size = remaining / (count - k) + (remaining % (count - k) != 0 ? 1 : 0);
            boolean start = k == 0;
            boolean end = k == count - 1;
            ByteBuf pk = alloc.buffer(header.headerLength() + SframePayloadDescriptor.LENGTH + size + tailRoom);
            try {
                int at = pk.writerIndex();
                header.write(pk, nextSeq(), ts, marker && end);
                if (frameMarkingId > 0) {
                    markFrame(pk, at, start, end, frame.isKeyframe());
                }
                pk.writeByte(SframePayloadDescriptor.perFrame(start, end));
                pk.writeBytes(p, pos, size);
            } catch (RuntimeException e) {
                pk.release();
                throw e;
            }
            out.add(pk);
            pos += size;
            remaining -= size;
        }
        return count;
    }

    private void markFrame(ByteBuf pk, int at, boolean start, boolean end, boolean keyframe) {
        ByteBuf header = pk.slice(at, pk.writerIndex() - at);
        if (view.wrap(header)) {
            int i = view.findExtension(frameMarkingId);
            if (i >= 0) {
                header.setByte(i, FrameMarking.nonScalable(start, end, keyframe, false));
            }
        }
    }

    private int nextSeq() {
        int s = sequenceNumber;
        sequenceNumber = (s + 1) & 0xFFFF;
        return s;
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final RtpHeaderWriter header;
        private final int clockRate;
        private int maxPayload = DEFAULT_MAX_PAYLOAD;
        private boolean marker = true;
        private int frameMarkingId = -1;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private int tailRoom = 16;
        private long initialTimestamp = -1;
        private int initialSequenceNumber = -1;

        private Builder(RtpHeaderWriter header, int clockRate) {
            this.header = Objects.requireNonNull(header, "header");
            if (clockRate < 1000 || clockRate > 192_000) {
                throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: 1000..192000 Hz)");
            }
            this.clockRate = clockRate;
        }

        /** Maximum RTP payload per packet including the descriptor, octets, 64..65000. Default {@value SframePacketizer#DEFAULT_MAX_PAYLOAD}. */
        public Builder maxPayloadSize(int octets) {
            if (octets < 64 || octets > 65000) {
                throw new IllegalArgumentException("maxPayloadSize: " + octets + " (expected: 64..65000)");
            }
            this.maxPayload = octets;
            return this;
        }

        /** Whether the last packet of a frame has the marker bit (video: yes; Opus: no). Default {@code true}. */
        public Builder marker(boolean marker) {
            this.marker = marker;
            return this;
        }

        /**
         * Writes the Video Frame Marking element (RFC 9626 §3.1) with id {@code id} (1..14, the negotiated
         * extmap id) on every packet; this reserves the element in the header writer. Default off.
         */
        public Builder frameMarking(int id) {
            if (id < 1 || id > 14) {
                throw new IllegalArgumentException("frameMarking: " + id + " (expected: 1..14)");
            }
            this.frameMarkingId = id;
            return this;
        }

        /** Allocator for packets. Default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /** Spare capacity after each packet, octets, 0..64 (SRTP tag). Default 16. */
        public Builder tailRoom(int octets) {
            if (octets < 0 || octets > 64) {
                throw new IllegalArgumentException("tailRoom: " + octets + " (expected: 0..64)");
            }
            this.tailRoom = octets;
            return this;
        }

        /** RTP timestamp for PTS 0, 0..2^32-1. Default random (RFC 3550 §5.1). */
        public Builder initialTimestamp(long rtpTimestamp) {
            if (rtpTimestamp < 0 || rtpTimestamp > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("initialTimestamp: " + rtpTimestamp + " (expected: 0..4294967295)");
            }
            this.initialTimestamp = rtpTimestamp;
            return this;
        }

        /** First sequence number, 0..65535. Default random (RFC 3550 §5.1). */
        public Builder initialSequenceNumber(int seq) {
            if (seq < 0 || seq > 65535) {
                throw new IllegalArgumentException("initialSequenceNumber: " + seq + " (expected: 0..65535)");
            }
            this.initialSequenceNumber = seq;
            return this;
        }

        public SframePacketizer build() {
            return new SframePacketizer(this);
        }
    }
}
