package io.sluice.webrtc.mux;

import io.netty.buffer.ByteBuf;

/**
 * Classifies a datagram by its first byte, as RFC 7983 §7 prescribes, and tells RTCP from RTP by
 * the second byte as RFC 5761 §4 does. Stateless and thread-safe.
 *
 * <pre>
 *                  +----------------+
 *                  |        [0..3] -+--&gt; STUN
 *                  |                |
 *                  |      [16..19] -+--&gt; ZRTP
 *                  |                |
 *  datagram  ---&gt;  |      [20..63] -+--&gt; DTLS
 *  (first byte)    |                |
 *                  |      [64..79] -+--&gt; TURN ChannelData
 *                  |                |
 *                  |    [128..191] -+--&gt; RTP/RTCP --+-- second byte in [192..223] --&gt; RTCP
 *                  |                |               +-- otherwise ------------------&gt; RTP
 *                  +----------------+
 *                   anything else   ---&gt; UNKNOWN (drop)
 * </pre>
 *
 * <p>The RTCP test works because RTCP packet types SR 200, RR 201, SDES 202, BYE 203, APP 204,
 * RTPFB 205, PSFB 206 (and up to 223 reserved) occupy the whole second byte, which in RTP is the
 * marker bit plus the payload type; RFC 5761 §4 asks that RTP payload types 64..95 (with the
 * marker bit: 192..223) not be used when muxing.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7983#section-7">RFC 7983 §7</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5761#section-4">RFC 5761 §4</a>
 */
public final class PacketDemux {
    private PacketDemux() {
    }

    /**
     * @param datagram borrowed; read at its reader index without moving it
     * @return the packet kind; {@link PacketKind#UNKNOWN} for an empty buffer or an unassigned range
     */
    public static PacketKind classify(ByteBuf datagram) {
        if (!datagram.isReadable()) {
            return PacketKind.UNKNOWN;
        }
        int b = datagram.getUnsignedByte(datagram.readerIndex());
        if (b <= 3) {
            return PacketKind.STUN;
        }
        if (b >= 16 && b <= 19) {
            return PacketKind.ZRTP;
        }
        if (b >= 20 && b <= 63) {
            return PacketKind.DTLS;
        }
        if (b >= 64 && b <= 79) {
            return PacketKind.TURN_CHANNEL;
        }
        if (b >= 128 && b <= 191) {
            if (datagram.readableBytes() < 2) {
                return PacketKind.UNKNOWN;
            }
            int pt = datagram.getUnsignedByte(datagram.readerIndex() + 1);
            return pt >= 192 && pt <= 223 ? PacketKind.RTCP : PacketKind.RTP;
        }
        return PacketKind.UNKNOWN;
    }
}
