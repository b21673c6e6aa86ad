package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Objects;

/**
 * Builds RTX retransmission packets (RFC 4588 §4): the original header with the RTX SSRC, RTX payload
 * type and the RTX stream's own sequence number, then the original sequence number (OSN, 2 octets),
 * then the original payload. Timestamp, marker, CSRCs and header extension are kept. Padding of the
 * original is dropped. Not thread-safe.
 *
 * <pre>
 * | RTP header (SSRC=rtx SSRC, PT=rtx PT, seq=rtx seq) | OSN (16) | original RTP payload |
 * </pre>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc4588#section-4">RFC 4588 §4</a>
 */
public final class RtxPacketizer {
    private final int rtxSsrc;
    private final int rtxPayloadType;
    private final ByteBufAllocator alloc;
    private final int tailRoom;
    private final RtpPacket view = new RtpPacket();
    private int sequenceNumber;

    /**
     * @param rtxSsrc               SSRC of the RTX stream (a=ssrc-group:FID)
     * @param rtxPayloadType        0..127, the rtx payload type whose apt is the original's
     * @param initialSequenceNumber 0..65535
     * @param alloc                 allocator for RTX packets
     * @param tailRoom              spare octets for SRTP, 0..64
     */
    public RtxPacketizer(int rtxSsrc, int rtxPayloadType, int initialSequenceNumber, ByteBufAllocator alloc, int tailRoom) {
        if (rtxPayloadType < 0 || rtxPayloadType > 127) {
            throw new IllegalArgumentException("rtxPayloadType: " + rtxPayloadType + " (expected: 0..127)");
        }
        this.rtxSsrc = rtxSsrc;
        this.rtxPayloadType = rtxPayloadType;
        this.sequenceNumber = initialSequenceNumber & 0xFFFF;
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.tailRoom = tailRoom;
    }

    /**
     * @param original borrowed plain RTP packet (for example from {@link PacketHistory#get})
     * @return the RTX packet, owned by the caller, or {@code null} if {@code original} is not RTP
     */
    public ByteBuf wrap(ByteBuf original) {
        if (!view.wrap(original)) {
            return null;
        }
        int r = original.readerIndex();
        int hl = view.headerLength();
        int pl = view.payloadLength();
        ByteBuf out = alloc.buffer(hl + 2 + pl + tailRoom);
        out.writeBytes(original, r, hl);
        out.setByte(0, out.getByte(0) & ~0x20);
        out.setByte(1, (out.getByte(1) & 0x80) | rtxPayloadType);
        out.setShort(2, sequenceNumber);
        out.setInt(8, rtxSsrc);
        sequenceNumber = (sequenceNumber + 1) & 0xFFFF;
        out.writeShort(view.sequenceNumber());
        out.writeBytes(original, view.payloadOffset(), pl);
        return out;
    }

    /**
     * Restores the original packet from an RTX packet (receiver side, RFC 4588 §4).
     *
     * @param rtx                 borrowed RTX packet
     * @param originalSsrc        SSRC of the media stream
     * @param originalPayloadType the apt payload type
     * @param alloc               allocator for the result
     * @return the original RTP packet, owned by the caller, or {@code null} if malformed (no OSN)
     */
    public static ByteBuf unwrap(ByteBuf rtx, int originalSsrc, int originalPayloadType, ByteBufAllocator alloc) {
        RtpPacket v = new RtpPacket();
        if (!v.wrap(rtx) || v.payloadLength() < 2) {
            return null;
        }
        int r = rtx.readerIndex();
        int hl = v.headerLength();
        ByteBuf out = alloc.buffer(hl + v.payloadLength() - 2);
        out.writeBytes(rtx, r, hl);
        out.setByte(0, out.getByte(0) & ~0x20);
        out.setByte(1, (out.getByte(1) & 0x80) | originalPayloadType);
        out.setShort(2, rtx.getUnsignedShort(v.payloadOffset()));
        out.setInt(8, originalSsrc);
        out.writeBytes(rtx, v.payloadOffset() + 2, v.payloadLength() - 2);
        return out;
    }
}
