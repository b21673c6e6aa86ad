package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1): RTPFB FMT 15.
 *
 * <pre>
 * |V=2|P|  FMT=15 |    PT=205     |           length              |
 * |                     SSRC of packet sender                     |
 * |                      SSRC of media source                     |
 * |      base sequence number     |      packet status count      |
 * |                 reference time                | fb pkt. count |
 * |          packet chunk         |         packet chunk          |
 * |         recv delta            |  recv delta   | zero padding  |
 * </pre>
 *
 * Packet chunks are run-length ({@code 0 ‖ symbol(2) ‖ run(13)}) or status vectors ({@code 1 ‖ 0 ‖
 * 14×1-bit} or {@code 1 ‖ 1 ‖ 7×2-bit}); symbols: 0 not received, 1 small delta (1 octet, unsigned),
 * 2 large or negative delta (2 octets, signed); deltas count 250 µs; reference time is a signed
 * 24-bit count of 64 ms.
 *
 * @param baseSequenceNumber  transport-wide sequence number of the first packet, 0..65535
 * @param referenceTime       signed 24-bit, units of 64 ms
 * @param feedbackPacketCount 0..255, increments per feedback packet
 * @param symbols             one status symbol (0, 1, 2) per packet from the base
 * @param deltas              receive delta per packet in 250 µs ticks (0 where not received)
 */
public record TransportWideCc(int senderSsrc, int mediaSsrc, int baseSequenceNumber, int referenceTime,
        int feedbackPacketCount, int[] symbols, int[] deltas) implements RtcpPacket {
    /** FMT value. */
    public static final int FMT = 15;
    /** Symbol: packet not received. */
    public static final int NOT_RECEIVED = 0;
    /** Symbol: received, delta 0..255 ticks. */
    public static final int SMALL_DELTA = 1;
    /** Symbol: received, delta -32768..32767 ticks. */
    public static final int LARGE_DELTA = 2;

    public TransportWideCc {
        symbols = symbols.clone();
        deltas = deltas.clone();
        if (symbols.length != deltas.length || symbols.length > 65535) {
            throw new IllegalArgumentException("symbols/deltas: " + symbols.length + "/" + deltas.length
                    + " (expected: equal, <= 65535)");
        }
    }

    @Override
    public int[] symbols() {
        return symbols.clone();
    }

    @Override
    public int[] deltas() {
        return deltas.clone();
    }

    /** Packets described (packet status count). */
    public int packetStatusCount() {
        return symbols.length;
    }

    /**
     * Feedback for packets {@code baseSequenceNumber + i} that arrived at {@code arrivalUs[i]} (µs on
     * the receiver's clock, or -1 if not received). The first received packet sets the reference time.
     *
     * @throws IllegalArgumentException if no packet was received or a delta does not fit 16 bits (split the feedback)
     */
    public static TransportWideCc of(int senderSsrc, int mediaSsrc, int baseSequenceNumber, int feedbackPacketCount,
            long[] arrivalUs) {
        long first = Arrays.stream(arrivalUs).filter(t -> t >= 0).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("arrivalUs: no received packet"));
        int reference = (int) Math.floorDiv(first, 64_000L);
        long lastTicks = reference * 256L; // 64 ms = 256 ticks of 250 µs
        int[] symbols = new int[arrivalUs.length];
        int[] deltas = new int[arrivalUs.length];
        for (int i = 0; i < arrivalUs.length; i++) {
            if (arrivalUs[i] < 0) {
                continue;
            }
            long ticks = Math.floorDiv(arrivalUs[i], 250L);
            long d = ticks - lastTicks;
            if (d < Short.MIN_VALUE || d > Short.MAX_VALUE) {
                throw new IllegalArgumentException("receive delta " + d + " ticks at index " + i + " (expected: -32768..32767)");
            }
            symbols[i] = d >= 0 && d <= 255 ? SMALL_DELTA : LARGE_DELTA;
            deltas[i] = (int) d;
            lastTicks = ticks;
        }
        return new TransportWideCc(senderSsrc, mediaSsrc, baseSequenceNumber & 0xFFFF, reference & 0xFFFFFF,
                feedbackPacketCount & 0xFF, symbols, deltas);
    }

    /** Arrival times in µs (reference time plus accumulated deltas), -1 for packets not received. */
    public long[] arrivalTimesUs() {
        long[] out = new long[symbols.length];
        long ref = (referenceTime << 8) >> 8; // sign-extend 24 bits
        long ticks = ref * 256L;
        for (int i = 0; i < symbols.length; i++) {
            if (symbols[i] == NOT_RECEIVED) {
                out[i] = -1;
            } else {
                ticks += deltas[i];
                out[i] = ticks * 250L;
            }
        }
        return out;
    }

    @Override
    public void writeTo(ByteBuf out) {
        int at = RtcpPacket.beginHeader(out, FMT, RTPFB);
        out.writeInt(senderSsrc);
        out.writeInt(mediaSsrc);
        out.writeShort(baseSequenceNumber);
        out.writeShort(symbols.length);
        out.writeMedium(referenceTime);
        out.writeByte(feedbackPacketCount);
        int n = symbols.length;
        int i = 0;
        while (i < n) {
            int run = 1;
            while (i + run < n && symbols[i + run] == symbols[i] && run < 8191) {
                run++;
            }
            if (run >= 14 || i + run == n && run >= 7) {
                out.writeShort((symbols[i] << 13) | run);
                i += run;
                continue;
            }
            boolean oneBit = true;
            for (int k = i; k < Math.min(n, i + 14); k++) {
                if (symbols[k] == LARGE_DELTA) {
                    oneBit = false;
                    break;
                }
            }
            int chunk;
            if (oneBit) {
                chunk = 0x8000;
                for (int k = 0; k < 14; k++) {
                    int s = i + k < n ? symbols[i + k] : 0;
                    chunk |= s << (13 - k);
                }
                i += 14;
            } else {
                chunk = 0xC000;
                for (int k = 0; k < 7; k++) {
                    int s = i + k < n ? symbols[i + k] : 0;
                    chunk |= s << (12 - 2 * k);
                }
                i += 7;
            }
            out.writeShort(chunk);
        }
        for (int k = 0; k < n; k++) {
            if (symbols[k] == SMALL_DELTA) {
                out.writeByte(deltas[k]);
            } else if (symbols[k] == LARGE_DELTA) {
                out.writeShort(deltas[k]);
            }
        }
        RtcpPacket.endHeader(out, at);
    }

    /** Parses the FCI at {@code [at, end)} (after the 12-octet header and SSRCs). */
    static TransportWideCc read(int sender, int media, ByteBuf b, int at, int end) {
        if (end - at < 8) {
            throw new RtcpProtocolException("transport-cc: FCI of " + (end - at) + " octets (expected: >= 8)");
        }
        int base = b.getUnsignedShort(at);
        int count = b.getUnsignedShort(at + 2);
        int reference = b.getUnsignedMedium(at + 4);
        int fbCount = b.getUnsignedByte(at + 7);
        int i = at + 8;
        int[] symbols = new int[count];
        int filled = 0;
        while (filled < count) {
            if (i + 2 > end) {
                throw new RtcpProtocolException("transport-cc: packet chunks end after " + filled + " of " + count + " statuses");
            }
            int chunk = b.getUnsignedShort(i);
            i += 2;
            if ((chunk & 0x8000) == 0) {
                int s = (chunk >>> 13) & 3;
                int run = chunk & 0x1FFF;
                if (s == 3) {
                    throw new RtcpProtocolException("transport-cc: reserved status symbol 3");
                }
                for (int k = 0; k < run && filled < count; k++) {
                    symbols[filled++] = s;
                }
            } else if ((chunk & 0x4000) == 0) {
                for (int k = 0; k < 14 && filled < count; k++) {
                    symbols[filled++] = (chunk >>> (13 - k)) & 1;
                }
            } else {
                for (int k = 0; k < 7 && filled < count; k++) {
                    int s = (chunk >>> (12 - 2 * k)) & 3;
                    if (s == 3) {
                        throw new RtcpProtocolException("transport-cc: reserved status symbol 3");
                    }
                    symbols[filled++] = s;
                }
            }
        }
        int[] deltas = new int[count];
        for (int k = 0; k < count; k++) {
            if (symbols[k] == SMALL_DELTA) {
                if (i + 1 > end) {
                    throw new RtcpProtocolException("transport-cc: receive deltas truncated at packet " + k);
                }
                deltas[k] = b.getUnsignedByte(i++);
            } else if (symbols[k] == LARGE_DELTA) {
                if (i + 2 > end) {
                    throw new RtcpProtocolException("transport-cc: receive deltas truncated at packet " + k);
                }
                deltas[k] = b.getShort(i);
                i += 2;
            }
        }
        return new TransportWideCc(sender, media, base, reference, fbCount, symbols, deltas);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TransportWideCc t && t.senderSsrc == senderSsrc && t.mediaSsrc == mediaSsrc
                && t.baseSequenceNumber == baseSequenceNumber && t.referenceTime == referenceTime
                && t.feedbackPacketCount == feedbackPacketCount && Arrays.equals(t.symbols, symbols)
                && Arrays.equals(t.deltas, deltas);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(symbols) * 31 + baseSequenceNumber;
    }

    @Override
    public String toString() {
        return "TransportWideCc{base=" + baseSequenceNumber + " count=" + symbols.length + " ref=" + referenceTime
                + " fb=" + feedbackPacketCount + '}';
    }
}
