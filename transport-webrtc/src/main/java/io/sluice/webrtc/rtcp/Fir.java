package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Full Intra Request (RFC 5104 §4.3.1): PSFB FMT 4, media SSRC 0, FCI entries
 * {@code SSRC (32) ‖ Seq nr. (8) ‖ reserved (24)}; the sequence number increases per new request.
 */
public record Fir(int senderSsrc, List<Entry> entries) implements RtcpPacket {
    /** FMT value. */
    public static final int FMT = 4;

    /** One request: the media sender's SSRC and the command sequence number, 0..255. */
    public record Entry(int ssrc, int sequenceNumber) {
    }

    public Fir {
        entries = List.copyOf(entries);
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, FMT, PSFB);
        out.writeInt(senderSsrc);
        out.writeInt(0);
        for (Entry e : entries) {
            out.writeInt(e.ssrc());
            out.writeByte(e.sequenceNumber());
            out.writeMedium(0);
        }
        RtcpPacket.endHeader(out, at);
    }
}
