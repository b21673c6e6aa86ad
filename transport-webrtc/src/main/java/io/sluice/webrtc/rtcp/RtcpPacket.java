package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;

/**
 * One RTCP packet of a compound packet (RFC 3550 §6.1). Every packet starts with the common header:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P| RC/FMT  |      PT       |             length            |
 * </pre>
 *
 * where length is the packet size in 32-bit words minus one. Implementations are immutable values.
 */
public sealed interface RtcpPacket permits SenderReport, ReceiverReport, Sdes, Bye, GenericNack, Pli, Fir, Remb,
        TransportWideCc, UnknownRtcpPacket {
    /** PT 200, RFC 3550 §6.4.1. */
    int SR = 200;
    /** PT 201, RFC 3550 §6.4.2. */
    int RR = 201;
    /** PT 202, RFC 3550 §6.5. */
    int SDES = 202;
    /** PT 203, RFC 3550 §6.6. */
    int BYE = 203;
    /** PT 205, transport-layer feedback, RFC 4585 §6.2. */
    int RTPFB = 205;
    /** PT 206, payload-specific feedback, RFC 4585 §6.3. */
    int PSFB = 206;

    /**
     * Appends this packet (header included, 32-bit aligned) to {@code out}.
     *
     * @param out borrowed; grows as needed
     */
    void writeTo(ByteBuf out);

    /** Writes the common header with a length computed from the bytes written after it; returns its index. */
    static int beginHeader(ByteBuf out, int countOrFmt, int packetType) {
        int at = out.writerIndex();
        out.writeByte(0x80 | countOrFmt);
        out.writeByte(packetType);
        out.writeShort(0);
        return at;
    }

    /** Pads to 32 bits with zeros and fills in the length field of the header at {@code at}. */
    static void endHeader(ByteBuf out, int at) {
        while ((out.writerIndex() - at) % 4 != 0) {
            out.writeByte(0);
        }
        out.setShort(at + 2, (out.writerIndex() - at) / 4 - 1);
    }
}
