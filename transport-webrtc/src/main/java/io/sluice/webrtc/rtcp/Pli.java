package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;

/** Picture Loss Indication (RFC 4585 §6.3.1): PSFB FMT 1, no FCI. Asks the sender of {@code mediaSsrc} for a keyframe. */
public record Pli(int senderSsrc, int mediaSsrc) implements RtcpPacket {
    /** FMT value. */
    public static final int FMT = 1;

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, FMT, PSFB);
        out.writeInt(senderSsrc);
        out.writeInt(mediaSsrc);
        RtcpPacket.endHeader(out, at);
    }
}
