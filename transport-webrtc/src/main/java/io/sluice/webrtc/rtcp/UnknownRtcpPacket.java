package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;

/** An RTCP packet Sluice does not interpret (APP, XR, other feedback types), kept as raw octets (header included). */
public record UnknownRtcpPacket(int packetType, int countOrFmt, byte[] bytes) implements RtcpPacket {
    public UnknownRtcpPacket {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public void writeTo(ByteBuf out) {
        out.writeBytes(bytes);
    }
}
