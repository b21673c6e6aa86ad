package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Packetizes H.264 access units into RTP packets, RFC 6184 packetization-mode 1 (non-interleaved).
 *
 * <p><b>Input:</b> an {@link EncodedFrame} whose payload is AVCC (4-octet big-endian NAL unit
 * lengths). <b>Output:</b> RTP packets, each a new buffer from the allocator with
 * {@link Builder#tailRoom(int)} octets of spare capacity for the SRTP tag. The packetizer itself
 * allocates nothing per access unit beyond those buffers; with an {@link RtpPacketAllocator} of
 * {@link #maxPacketLength()} octets they are recycled as well, so nothing is allocated at all.
 *
 * <p>{@link Mode#NAL_AWARE} (default): before an access unit holding an IDR slice (type 5), a
 * STAP-A (§5.7.1) with the SPS and PPS from the track's {@code AVCDecoderConfigurationRecord}
 * (if it has one; in-band parameter sets are sent as they come); NAL units up to the maximum payload
 * as single NAL unit packets (§5.6); larger ones as FU-A fragments (§5.8) of near-equal size.
 *
 * <p>{@link Mode#OPAQUE}: the NAL unit contents are not interpreted (for example when SFrame has
 * encrypted them): only the AVCC lengths are used. No STAP-A is added; a unit whose first octet
 * would read as a single NAL unit packet (type 1..23) and that fits goes alone, every other unit
 * goes as FU-A (its first octet is split into the FU indicator's F/NRI and the FU header's type and
 * rebuilt exactly on the receiving side). The receiver gets the same AVCC units back.
 *
 * <p>The marker bit is set on the last packet of the access unit (§5.1); the RTP timestamp is
 * {@code initialTimestamp + ptsUs · 90000 / 10^6} (90 kHz, truncated); sequence numbers count up
 * from {@link Builder#initialSequenceNumber(int)}. Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6184">RFC 6184</a>
 */
public final class H264Packetizer {
    /** RTP clock rate for video, Hz. */
    public static final int CLOCK_RATE = 90_000;
    /** Default maximum RTP payload size, octets. */
    public static final int DEFAULT_MAX_PAYLOAD = 1200;

    /** How NAL unit contents are treated. */
    public enum Mode {
        /** Reads NAL unit types: STAP-A with SPS/PPS before IDR access units. */
        NAL_AWARE,
        /** Uses only the AVCC lengths; contents may be encrypted. */
        OPAQUE
    }

    private final RtpHeaderWriter header;
    private final int maxPayload;
    private final Mode mode;
    private final ByteBufAllocator alloc;
    private final int tailRoom;
    private final long initialTimestamp;
    private int sequenceNumber;
    private TrackInfo lastTrack;
    private byte[] stapA;
    private int[] nalOffsets = new int[64];
    private int[] nalLengths = new int[64];

    private H264Packetizer(Builder b) {
        this.header = b.header;
        this.maxPayload = b.maxPayload;
        this.mode = b.mode;
        this.alloc = b.alloc;
        this.tailRoom = b.tailRoom;
        this.initialTimestamp = b.initialTimestamp >= 0 ? b.initialTimestamp : ThreadLocalRandom.current().nextLong(1L << 32);
        this.sequenceNumber = b.initialSequenceNumber >= 0 ? b.initialSequenceNumber : ThreadLocalRandom.current().nextInt(1 << 16);
    }

    /** A builder writing headers with {@code header} (SSRC, payload type, extensions). */
    public static Builder builder(RtpHeaderWriter header) {
        return new Builder(header);
    }

    /** The sequence number the next packet will carry, 0..65535. */
    public int nextSequenceNumber() {
        return sequenceNumber;
    }

    /**
     * The longest packet this packetizer makes plus its tail room, octets: RTP header (with the
     * writer's extensions) + maximum payload + tail room. The capacity to give an
     * {@link RtpPacketAllocator}.
     */
    public int maxPacketLength() {
        return header.headerLength() + maxPayload + tailRoom;
    }

    /** The RTP timestamp (90 kHz, 32 bits) for a presentation time in µs. */
    public long rtpTimestamp(long ptsUs) {
        return (initialTimestamp + Math.floorDiv(ptsUs * 9, 100)) & 0xFFFFFFFFL;
    }

    /**
     * Packetizes one access unit.
     *
     * @param frame borrowed (not released); payload AVCC
     * @param out   receives the packets in sending order; the caller owns them
     * @return the number of packets added (0 for an empty payload)
     * @throws RtpProtocolException     if the payload is not well-formed AVCC
     * @throws IllegalArgumentException if the frame is not H.264
     */
    public int packetize(EncodedFrame frame, List<ByteBuf> out) {
        if (frame.codec() != Codec.H264) {
            throw new IllegalArgumentException("codec: " + frame.codec() + " (expected: H264)");
        }
        ByteBuf p = frame.content();
        int n = scan(p);
        if (n == 0) {
            return 0;
        }
        long ts = rtpTimestamp(frame.ptsUs());
        int before = out.size();
        if (mode == Mode.NAL_AWARE) {
            boolean idr = false;
            for (int i = 0; i < n; i++) {
                if ((p.getByte(nalOffsets[i]) & 0x1F) == H264.NAL_IDR_SLICE) {
                    idr = true;
                    break;
                }
            }
            if (idr) {
                sendParameterSets(frame.track(), ts, out);
            }
        }
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            int off = nalOffsets[i];
            int len = nalLengths[i];
            int type = p.getByte(off) & 0x1F;
            boolean single = len <= maxPayload && (mode == Mode.NAL_AWARE || (type >= 1 && type <= 23));
            if (single) {
                ByteBuf pk = newPacket(len);
                header.write(pk, nextSeq(), ts, last);
                pk.writeBytes(p, off, len);
                out.add(pk);
            } else {
                fragment(p, off, len, ts, last, out);
            }
        }
        return out.size() - before;
    }

    private int scan(ByteBuf p) {
        int i = p.readerIndex();
        int end = p.writerIndex();
        int n = 0;
        while (i < end) {
            if (end - i < 4) {
                throw new RtpProtocolException("AVCC: " + (end - i) + " trailing octets at " + i + " (expected: 4-octet length)");
            }
            long len = p.getUnsignedInt(i);
            if (len == 0 || len > end - i - 4) {
                throw new RtpProtocolException("AVCC: NAL unit length " + len + " at " + i + " (expected: 1.." + (end - i - 4) + ")");
            }
            if (n == nalOffsets.length) {
                nalOffsets = java.util.Arrays.copyOf(nalOffsets, n * 2);
                nalLengths = java.util.Arrays.copyOf(nalLengths, n * 2);
            }
            nalOffsets[n] = i + 4;
            nalLengths[n] = (int) len;
            n++;
            i += 4 + (int) len;
        }
        return n;
    }

    private void sendParameterSets(TrackInfo track, long ts, List<ByteBuf> out) {
        if (track != lastTrack) {
            lastTrack = track;
            stapA = null;
            List<byte[]> ps = H264.parameterSets(track.codecConfig());
            if (!ps.isEmpty()) {
                int size = 1;
                int nri = 0;
                for (byte[] u : ps) {
                    size += 2 + u.length;
                    nri = Math.max(nri, u[0] & 0x60);
                }
                byte[] s = new byte[size];
                s[0] = (byte) (nri | H264.STAP_A);
                int i = 1;
                for (byte[] u : ps) {
                    s[i++] = (byte) (u.length >>> 8);
                    s[i++] = (byte) u.length;
                    System.arraycopy(u, 0, s, i, u.length);
                    i += u.length;
                }
                stapA = s;
            }
        }
        if (stapA == null) {
            return;
        }
        if (stapA.length <= maxPayload) {
            ByteBuf pk = newPacket(stapA.length);
            header.write(pk, nextSeq(), ts, false);
            pk.writeBytes(stapA);
            out.add(pk);
            return;
        }
        // Too large to aggregate: each parameter set alone (they are never larger than a packet in practice).
        int i = 1;
        while (i < stapA.length) {
            int len = ((stapA[i] & 0xFF) << 8) | (stapA[i + 1] & 0xFF);
            ByteBuf pk = newPacket(len);
            header.write(pk, nextSeq(), ts, false);
            pk.writeBytes(stapA, i + 2, len);
            out.add(pk);
            i += 2 + len;
        }
    }

    private void fragment(ByteBuf p, int off, int len, long ts, boolean lastNal, List<ByteBuf> out) {
        int nalHeader = p.getUnsignedByte(off);
        int indicator = (nalHeader & 0xE0) | H264.FU_A;
        int data = len - 1;
        int per = maxPayload - 2;
        int count = Math.max(1, (data + per - 1) / per);
        int pos = off + 1;
        int remaining = data;
        for (int k = 0; k < count; k++) {
            int size = remaining / (count - k) + (remaining % (count - k) != 0 ? 1 : 0);
            boolean end = k == count - 1;
            ByteBuf pk = newPacket(2 + size);
            header.write(pk, nextSeq(), ts, end && lastNal);
            pk.writeByte(indicator);
            pk.writeByte((k == 0 ? 0x80 : 0) | (end ? 0x40 : 0) | (nalHeader & 0x1F));
            pk.writeBytes(p, pos, size);
            out.add(pk);
            pos += size;
            remaining -= size;
        }
    }

    private ByteBuf newPacket(int payloadLength) {
        return alloc.buffer(header.headerLength() + payloadLength + tailRoom);
    }

    private int nextSeq() {
        int s = sequenceNumber;
        sequenceNumber = (s + 1) & 0xFFFF;
        return s;
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final RtpHeaderWriter header;
        private int maxPayload = DEFAULT_MAX_PAYLOAD;
        private Mode mode = Mode.NAL_AWARE;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private int tailRoom = 16;
        private long initialTimestamp = -1;
        private int initialSequenceNumber = -1;

        private Builder(RtpHeaderWriter header) {
            this.header = Objects.requireNonNull(header, "header");
        }

        /** Maximum RTP payload per packet, octets, 64..65000. Default {@value H264Packetizer#DEFAULT_MAX_PAYLOAD}. */
        public Builder maxPayloadSize(int octets) {
            if (octets < 64 || octets > 65000) {
                throw new IllegalArgumentException("maxPayloadSize: " + octets + " (expected: 64..65000)");
            }
            this.maxPayload = octets;
            return this;
        }

        /** Default {@link Mode#NAL_AWARE}. */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Allocator for packets. Default {@link ByteBufAllocator#DEFAULT} (pooled memory, but a new
         * buffer object for most packets); an {@link RtpPacketAllocator} recycles the buffers too.
         */
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

        public H264Packetizer build() {
            return new H264Packetizer(this);
        }
    }
}
