package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * BYE (RFC 3550 §6.6): up to 31 SSRCs leaving, optional reason (UTF-8, at most 255 octets; empty for none).
 */
public record Bye(List<Integer> ssrcs, String reason) implements RtcpPacket {
    public Bye {
        ssrcs = List.copyOf(ssrcs);
        reason = reason == null ? "" : reason;
        if (ssrcs.size() > 31) {
            throw new IllegalArgumentException("ssrcs: " + ssrcs.size() + " (expected: 0..31)");
        }
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, ssrcs.size(), BYE);
        ssrcs.forEach(out::writeInt);
        if (!reason.isEmpty()) {
            byte[] text = reason.getBytes(StandardCharsets.UTF_8);
            if (text.length > 255) {
                throw new IllegalArgumentException("reason: " + text.length + " octets (expected: 0..255)");
            }
            out.writeByte(text.length);
            out.writeBytes(text);
        }
        RtcpPacket.endHeader(out, at);
    }
}
