package io.sluice.webrtc.rtcp;

import io.netty.buffer.ByteBuf;

/**
 * A reception report block (RFC 3550 §6.4.1), 24 octets.
 *
 * @param ssrc                 SSRC of the source reported on
 * @param fractionLost         fraction lost since the last report, 0..255 (fixed point /256)
 * @param cumulativeLost       cumulative packets lost, signed 24 bits
 * @param extendedHighestSeq   extended highest sequence number received (cycles·2^16 + seq), 32 bits
 * @param jitter               interarrival jitter, RTP timestamp units, 32 bits unsigned
 * @param lastSr               LSR: middle 32 bits of the NTP timestamp of the last SR, 0 if none
 * @param delaySinceLastSr     DLSR: delay since that SR, units of 1/65536 s
 */
public record ReportBlock(int ssrc, int fractionLost, int cumulativeLost, long extendedHighestSeq, long jitter,
        long lastSr, long delaySinceLastSr) {
    /** Octets of one block. */
    public static final int LENGTH = 24;

    /** Fraction lost as a value in [0, 1). */
    public double fractionLostRatio() {
        return fractionLost / 256.0;
    }

    /**
     * Round-trip time (RFC 3550 §6.4.1: A − LSR − DLSR) in µs, or -1 if no SR was reported on or
     * the result is negative (clock skew).
     *
     * @param arrivalNtpMiddle32 arrival time of this report, middle 32 bits of NTP (see {@link NtpTime#middle32})
     */
    public long rttMicros(long arrivalNtpMiddle32) {
        if (lastSr == 0) {
            return -1;
        }
        long rtt = (arrivalNtpMiddle32 - lastSr - delaySinceLastSr) & 0xFFFFFFFFL;
        if (rtt > 0x7FFFFFFFL) {
            return -1;
        }
        return rtt * 1_000_000L >>> 16;
    }

    /** Jitter in µs for a clock rate in Hz. */
    public long jitterMicros(int clockRate) {
        return jitter * 1_000_000L / clockRate;
    }

    static ReportBlock read(ByteBuf b, int at) {
        int lost = b.getMedium(at + 5);
        return new ReportBlock(b.getInt(at), b.getUnsignedByte(at + 4), lost, b.getUnsignedInt(at + 8),
                b.getUnsignedInt(at + 12), b.getUnsignedInt(at + 16), b.getUnsignedInt(at + 20));
    }

    void writeTo(ByteBuf out) {
        out.writeInt(ssrc);
        out.writeByte(fractionLost);
        out.writeMedium(cumulativeLost);
        out.writeInt((int) extendedHighestSeq);
        out.writeInt((int) jitter);
        out.writeInt((int) lastSr);
        out.writeInt((int) delaySinceLastSr);
    }
}
