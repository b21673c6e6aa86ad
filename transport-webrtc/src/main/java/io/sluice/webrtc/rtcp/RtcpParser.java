package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses compound RTCP packets (RFC 3550 §6.1) into {@link RtcpPacket} values. Every length and count
 * is checked against the buffer before it is used; work is linear in the input size. Stateless and
 * thread-safe.
 */
public final class RtcpParser {
    /** Most packets accepted in one compound packet. */
    public static final int MAX_PACKETS = 64;

    private RtcpParser() {
    }

    /**
     * @param compound borrowed; its readable bytes are parsed, indices unchanged
     * @return the packets in order (unknown types as {@link UnknownRtcpPacket})
     * @throws RtcpProtocolException if anything is malformed (wrong version, length beyond the
     *                               buffer, counts that do not fit, bad padding)
     */
    public static List<RtcpPacket> parse(ByteBuf compound) {
        List<RtcpPacket> out = new ArrayList<>();
        int i = compound.readerIndex();
        int end = compound.writerIndex();
        if (end - i < 4) {
            throw new RtcpProtocolException("compound packet of " + (end - i) + " octets (expected: >= 4)");
        }
        while (i < end) {
            if (end - i < 4) {
                throw new RtcpProtocolException(end - i + " trailing octets (expected: a 4-octet header)");
            }
            if (out.size() == MAX_PACKETS) {
                throw new RtcpProtocolException("more than " + MAX_PACKETS + " packets in one compound packet");
            }
            int b0 = compound.getUnsignedByte(i);
            if (b0 >>> 6 != 2) {
                throw new RtcpProtocolException("version " + (b0 >>> 6) + " at octet " + (i - compound.readerIndex()) + " (expected: 2)");
            }
            int count = b0 & 0x1F;
            int pt = compound.getUnsignedByte(i + 1);
            int len = (compound.getUnsignedShort(i + 2) + 1) * 4;
            if (len > end - i) {
                throw new RtcpProtocolException("packet type " + pt + " length " + len + " octets, " + (end - i) + " left");
            }
            int pend = i + len;
            if ((b0 & 0x20) != 0) {
                int pad = compound.getUnsignedByte(pend - 1);
                if (pad == 0 || pad > len - 4) {
                    throw new RtcpProtocolException("padding " + pad + " in a packet of " + len + " octets");
                }
                pend -= pad;
            }
            out.add(parseOne(compound, i, pend, pt, count, len));
            i += len;
        }
        return out;
    }

    private static void need(int have, int want, String what) {
        if (have < want) {
            throw new RtcpProtocolException(what + ": " + have + " octets (expected: >= " + want + ")");
        }
    }

    private static RtcpPacket parseOne(ByteBuf b, int at, int end, int pt, int count, int len) {
        int body = end - at;
        switch (pt) {
            case RtcpPacket.SR: {
                need(body, 28 + count * ReportBlock.LENGTH, "SR with " + count + " report blocks");
                List<ReportBlock> rb = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    rb.add(ReportBlock.read(b, at + 28 + k * ReportBlock.LENGTH));
                }
                return new SenderReport(b.getInt(at + 4), b.getLong(at + 8), b.getUnsignedInt(at + 16),
                        b.getUnsignedInt(at + 20), b.getUnsignedInt(at + 24), rb);
            }
            case RtcpPacket.RR: {
                need(body, 8 + count * ReportBlock.LENGTH, "RR with " + count + " report blocks");
                List<ReportBlock> rb = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    rb.add(ReportBlock.read(b, at + 8 + k * ReportBlock.LENGTH));
                }
                return new ReceiverReport(b.getInt(at + 4), rb);
            }
            case RtcpPacket.SDES:
                return parseSdes(b, at, end, count);
            case RtcpPacket.BYE: {
                need(body, 4 + 4 * count, "BYE with " + count + " SSRCs");
                List<Integer> ssrcs = new ArrayList<>(count);
                for (int k = 0; k < count; k++) {
                    ssrcs.add(b.getInt(at + 4 + 4 * k));
                }
                int r = at + 4 + 4 * count;
                String reason = "";
                if (r < end) {
                    int n = b.getUnsignedByte(r);
                    need(end - r - 1, n, "BYE reason");
                    reason = b.toString(r + 1, n, StandardCharsets.UTF_8);
                }
                return new Bye(ssrcs, reason);
            }
            case RtcpPacket.RTPFB:
            case RtcpPacket.PSFB: {
                need(body, 12, "feedback packet");
                int sender = b.getInt(at + 4);
                int media = b.getInt(at + 8);
                int fci = at + 12;
                if (pt == RtcpPacket.RTPFB && count == GenericNack.FMT) {
                    return new GenericNack(sender, media, GenericNack.readFci(b, fci, end));
                }
                if (pt == RtcpPacket.RTPFB && count == TransportWideCc.FMT) {
                    return TransportWideCc.read(sender, media, b, fci, end);
                }
                if (pt == RtcpPacket.PSFB && count == Pli.FMT) {
                    return new Pli(sender, media);
                }
                if (pt == RtcpPacket.PSFB && count == Fir.FMT) {
                    List<Fir.Entry> entries = new ArrayList<>();
                    for (int k = fci; k + 8 <= end; k += 8) {
                        entries.add(new Fir.Entry(b.getInt(k), b.getUnsignedByte(k + 4)));
                    }
                    return new Fir(sender, entries);
                }
                if (pt == RtcpPacket.PSFB && count == Remb.FMT && end - fci >= 8 && b.getInt(fci) == Remb.IDENTIFIER) {
                    int n = b.getUnsignedByte(fci + 4);
                    need(end - fci - 8, 4 * n, "REMB with " + n + " SSRCs");
                    int v = b.getUnsignedMedium(fci + 5);
                    long mantissa = v & 0x3FFFF;
                    int exp = v >>> 18;
                    long bitrate = mantissa == 0 ? 0
                            : 64 - Long.numberOfLeadingZeros(mantissa) + exp > 63 ? Long.MAX_VALUE : mantissa << exp;
                    List<Integer> ssrcs = new ArrayList<>(n);
                    for (int k = 0; k < n; k++) {
                        ssrcs.add(b.getInt(fci + 8 + 4 * k));
                    }
                    return new Remb(sender, bitrate, ssrcs);
                }
                return new UnknownRtcpPacket(pt, count, ByteBufUtil.getBytes(b, at, len));
            }
            default:
                return new UnknownRtcpPacket(pt, count, ByteBufUtil.getBytes(b, at, len));
        }
    }

    private static Sdes parseSdes(ByteBuf b, int at, int end, int count) {
        List<Sdes.Chunk> chunks = new ArrayList<>(count);
        int i = at + 4;
        for (int c = 0; c < count; c++) {
            need(end - i, 4, "SDES chunk " + c);
            int ssrc = b.getInt(i);
            int start = i;
            i += 4;
            String cname = null;
            while (true) {
                need(end - i, 1, "SDES items");
                int type = b.getUnsignedByte(i);
                if (type == 0) {
                    i++;
                    break;
                }
                need(end - i, 2, "SDES item");
                int n = b.getUnsignedByte(i + 1);
                need(end - i - 2, n, "SDES item text");
                if (type == 1 && cname == null) {
                    cname = b.toString(i + 2, n, StandardCharsets.UTF_8);
                }
                i += 2 + n;
            }
            i = start + ((i - start + 3) & ~3);
            if (i > end) {
                throw new RtcpProtocolException("SDES chunk " + c + " padding runs past the packet");
            }
            chunks.add(new Sdes.Chunk(ssrc, cname == null ? "" : cname));
        }
        return new Sdes(chunks);
    }
}
