package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * SR (RFC 3550 §6.4.1): sender info and up to 31 report blocks.
 *
 * <pre>
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |
 * |             NTP timestamp, least significant word             |
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * |                 report blocks (24 octets each)                |
 * </pre>
 *
 * @param ntpTimestamp 64-bit NTP wall-clock time (see {@link NtpTime})
 * @param rtpTimestamp the same instant in the stream's RTP clock, 32 bits
 * @param packetCount  RTP packets sent, 32 bits
 * @param octetCount   RTP payload octets sent, 32 bits
 */
public record SenderReport(int ssrc, long ntpTimestamp, long rtpTimestamp, long packetCount, long octetCount,
        List<ReportBlock> reports) implements RtcpPacket {
    public SenderReport {
        reports = List.copyOf(reports);
        if (reports.size() > 31) {
            throw new IllegalArgumentException("reports: " + reports.size() + " (expected: 0..31)");
        }
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, reports.size(), SR);
        out.writeInt(ssrc);
        out.writeLong(ntpTimestamp);
        out.writeInt((int) rtpTimestamp);
        out.writeInt((int) packetCount);
        out.writeInt((int) octetCount);
        reports.forEach(r -> r.writeTo(out));
        RtcpPacket.endHeader(out, at);
    }
}
