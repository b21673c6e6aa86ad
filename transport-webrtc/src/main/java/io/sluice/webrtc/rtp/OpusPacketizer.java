package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Packetizes Opus (RFC 7587): one Opus packet per RTP packet, marker bit clear, RTP timestamp in a
 * 48 kHz clock whatever the actual sampling rate ({@code initialTimestamp + ptsUs · 48000 / 10^6}).
 * Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7587#section-4.2">RFC 7587 §4.2</a>
 */
public final class OpusPacketizer {
    /** RTP clock rate for Opus, Hz (RFC 7587 §4.1). */
    public static final int CLOCK_RATE = 48_000;

    private final RtpHeaderWriter header;
    private final ByteBufAllocator alloc;
    private final int tailRoom;
    private final long initialTimestamp;
    private int sequenceNumber;

    /**
     * @param header                SSRC, payload type and extensions
     * @param alloc                 allocator for packets
     * @param tailRoom              spare octets after each packet for SRTP, 0..64
     * @param initialTimestamp      RTP timestamp of PTS 0, or -1 for random
     * @param initialSequenceNumber 0..65535, or -1 for random
     */
    public OpusPacketizer(RtpHeaderWriter header, ByteBufAllocator alloc, int tailRoom, long initialTimestamp,
            int initialSequenceNumber) {
        this.header = Objects.requireNonNull(header, "header");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        if (tailRoom < 0 || tailRoom > 64) {
            throw new IllegalArgumentException("tailRoom: " + tailRoom + " (expected: 0..64)");
        }
        this.tailRoom = tailRoom;
        this.initialTimestamp = initialTimestamp >= 0 ? initialTimestamp & 0xFFFFFFFFL : ThreadLocalRandom.current().nextLong(1L << 32);
        this.sequenceNumber = initialSequenceNumber >= 0 ? initialSequenceNumber & 0xFFFF : ThreadLocalRandom.current().nextInt(1 << 16);
    }

    /** The RTP timestamp (48 kHz, 32 bits) for a presentation time in µs. */
    public long rtpTimestamp(long ptsUs) {
        return (initialTimestamp + Math.floorDiv(ptsUs * 6, 125)) & 0xFFFFFFFFL;
    }

    /** The sequence number the next packet will carry. */
    public int nextSequenceNumber() {
        return sequenceNumber;
    }

    /**
     * @param frame borrowed; its payload is one Opus packet
     * @return the RTP packet, owned by the caller
     * @throws IllegalArgumentException if the frame is not Opus
     */
    public ByteBuf packetize(EncodedFrame frame) {
        if (frame.codec() != Codec.OPUS) {
            throw new IllegalArgumentException("codec: " + frame.codec() + " (expected: OPUS)");
        }
        ByteBuf p = frame.content();
        ByteBuf pk = alloc.buffer(header.headerLength() + p.readableBytes() + tailRoom);
        header.write(pk, sequenceNumber, rtpTimestamp(frame.ptsUs()), false);
        sequenceNumber = (sequenceNumber + 1) & 0xFFFF;
        pk.writeBytes(p, p.readerIndex(), p.readableBytes());
        return pk;
    }
}
