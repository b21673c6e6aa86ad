package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Generic NACK (RFC 4585 §6.2.1): RTPFB FMT 1; FCI entries {@code PID (16) ‖ BLP (16)}, where bit i
 * of BLP marks PID+i+1 lost.
 *
 * @param lostSequenceNumbers the sequence numbers asked for, 0..65535, in order (the writer packs them)
 */
public record GenericNack(int senderSsrc, int mediaSsrc, List<Integer> lostSequenceNumbers) implements RtcpPacket {
    /** FMT value. */
    public static final int FMT = 1;

    public GenericNack {
        lostSequenceNumbers = List.copyOf(lostSequenceNumbers);
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, FMT, RTPFB);
        out.writeInt(senderSsrc);
        out.writeInt(mediaSsrc);
        List<Integer> s = lostSequenceNumbers;
        int i = 0;
        while (i < s.size()) {
            int pid = s.get(i) & 0xFFFF;
            int blp = 0;
            int j = i + 1;
            while (j < s.size()) {
                int d = (s.get(j) - pid) & 0xFFFF;
                if (d < 1 || d > 16) {
                    break;
                }
                blp |= 1 << (d - 1);
                j++;
            }
            out.writeShort(pid);
            out.writeShort(blp);
            i = j;
        }
        RtcpPacket.endHeader(out, at);
    }

    static List<Integer> readFci(ByteBuf b, int at, int end) {
        List<Integer> seqs = new ArrayList<>();
        for (int i = at; i + 4 <= end; i += 4) {
            int pid = b.getUnsignedShort(i);
            int blp = b.getUnsignedShort(i + 2);
            seqs.add(pid);
            for (int k = 0; k < 16; k++) {
                if ((blp & (1 << k)) != 0) {
                    seqs.add((pid + k + 1) & 0xFFFF);
                }
            }
        }
        return seqs;
    }
}
