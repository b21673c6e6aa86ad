package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SDES (RFC 3550 §6.5) reduced to CNAME items: one chunk per SSRC, each {@code SSRC, CNAME=1,
 * length, text, END=0} padded to 32 bits. Other items are skipped when parsing.
 */
public record Sdes(List<Chunk> chunks) implements RtcpPacket {
    /** One SSRC and its CNAME (UTF-8, at most 255 octets). */
    public record Chunk(int ssrc, String cname) {
    }

    public Sdes {
        chunks = List.copyOf(chunks);
        if (chunks.size() > 31) {
            throw new IllegalArgumentException("chunks: " + chunks.size() + " (expected: 0..31)");
        }
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, chunks.size(), SDES);
        for (Chunk c : chunks) {
            int start = out.writerIndex();
            out.writeInt(c.ssrc());
            byte[] text = c.cname().getBytes(StandardCharsets.UTF_8);
            if (text.length > 255) {
                throw new IllegalArgumentException("cname: " + text.length + " octets (expected: 0..255)");
            }
            out.writeByte(1);
            out.writeByte(text.length);
            out.writeBytes(text);
            out.writeByte(0);
            while ((out.writerIndex() - start) % 4 != 0) {
                out.writeByte(0);
            }
        }
        RtcpPacket.endHeader(out, at);
    }
}
