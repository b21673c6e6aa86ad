package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * RR (RFC 3550 §6.4.2): the reporter's SSRC and up to 31 report blocks.
 *
 * <pre>
 * |V=2|P|    RC   |   PT=RR=201   |             length            |
 * |                     SSRC of packet sender                     |
 * |                 report blocks (24 octets each)                |
 * </pre>
 */
public record ReceiverReport(int ssrc, List<ReportBlock> reports) implements RtcpPacket {
    public ReceiverReport {
        reports = List.copyOf(reports);
        if (reports.size() > 31) {
            throw new IllegalArgumentException("reports: " + reports.size() + " (expected: 0..31)");
        }
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, reports.size(), RR);
        out.writeInt(ssrc);
        reports.forEach(r -> r.writeTo(out));
        RtcpPacket.endHeader(out, at);
    }
}
