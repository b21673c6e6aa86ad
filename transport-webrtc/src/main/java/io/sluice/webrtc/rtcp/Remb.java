package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03 §2.2): PSFB FMT 15, media SSRC 0,
 * FCI {@code 'R' 'E' 'M' 'B' ‖ Num SSRC (8) ‖ BR Exp (6) ‖ BR Mantissa (18) ‖ SSRC feedback…}; the
 * bitrate is mantissa·2^exp bits per second.
 *
 * @param bitrateBps estimated total bitrate, bits per second (written rounded down to 18 significant bits)
 */
public record Remb(int senderSsrc, long bitrateBps, List<Integer> ssrcs) implements RtcpPacket {
    /** FMT value. */
    public static final int FMT = 15;
    /** The FCI's unique identifier, ASCII "REMB". */
    public static final int IDENTIFIER = 0x52454D42;

    public Remb {
        ssrcs = List.copyOf(ssrcs);
        if (bitrateBps < 0 || ssrcs.size() > 255) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + ", ssrcs: " + ssrcs.size()
                    + " (expected: >= 0, 0..255)");
        }
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, FMT, PSFB);
        out.writeInt(senderSsrc);
        out.writeInt(0);
        out.writeInt(IDENTIFIER);
        int exp = 0;
        long mantissa = bitrateBps;
        while (mantissa >= (1 << 18)) {
            mantissa >>>= 1;
            exp++;
        }
        out.writeByte(ssrcs.size());
        out.writeMedium((exp << 18) | (int) mantissa);
        ssrcs.forEach(out::writeInt);
        RtcpPacket.endHeader(out, at);
    }
}
