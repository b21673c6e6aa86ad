package io.sluice.webrtc.session;

import io.sluice.webrtc.rtcp.NtpTime;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtp.SequenceUnwrapper;

/**
 * Receive statistics of one incoming SSRC and the report block that carries them (RFC 3550 §6.4.1):
 * extended highest sequence number (A.1), cumulative and interval loss (A.3), interarrival jitter
 * (A.8) and LSR/DLSR from the sender's last SR. Sans-IO: arrival times are arguments, ns on the
 * session's monotonic clock. Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3550#appendix-A.3">RFC 3550 A.3</a>
 */
public final class ReceiveStatistics {
    private final int ssrc;
    private final int clockRate;
    private final SequenceUnwrapper unwrapper = new SequenceUnwrapper();
    private long base = -1;
    private long max;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private long lastSr;
    private long lastSrNanos;
    private long transit = Long.MIN_VALUE;
    private double jitter;
    private int lastFraction;

    /**
     * @param ssrc      the sender's SSRC
     * @param clockRate its RTP clock, Hz (90000 video, 48000 Opus)
     * @throws IllegalArgumentException if {@code clockRate} is not positive
     */
    public ReceiveStatistics(int ssrc, int clockRate) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: > 0)");
        }
        this.ssrc = ssrc;
        this.clockRate = clockRate;
    }

    /** The SSRC these statistics are about. */
    public int ssrc() {
        return ssrc;
    }

    /**
     * One RTP packet arrived.
     *
     * @param sequenceNumber its 16-bit sequence number
     * @param rtpTimestamp   its RTP timestamp (32 bits, {@code clockRate})
     * @param arrivalNanos   arrival time, ns (monotonic)
     * @return its extended sequence number (RFC 3550 A.1)
     */
    public long onPacket(int sequenceNumber, long rtpTimestamp, long arrivalNanos) {
        long seq = unwrapper.unwrap(sequenceNumber);
        received++;
        long arrival = arrivalNanos / 1000 * clockRate / 1_000_000L;
        long t = arrival - rtpTimestamp;
        if (transit != Long.MIN_VALUE) {
            long d = Math.abs(t - transit);
            if (d < clockRate) { // a jump of a second or more is a timestamp reset, not jitter
                jitter += (d - jitter) / 16.0;
            }
        }
        transit = t;
        if (base < 0) {
            base = seq;
            max = seq;
        } else if (seq > max) {
            max = seq;
        }
        return seq;
    }

    /**
     * The sender's SR arrived (for LSR/DLSR, RFC 3550 §6.4.1).
     *
     * @param ntpTimestamp its 64-bit NTP timestamp
     * @param arrivalNanos arrival time, ns (monotonic)
     */
    public void onSenderReport(long ntpTimestamp, long arrivalNanos) {
        lastSr = NtpTime.middle32(ntpTimestamp);
        lastSrNanos = arrivalNanos;
    }

    /** Whether a packet arrived yet (a report block makes sense only then). */
    public boolean hasReceived() {
        return base >= 0;
    }

    /**
     * The report block for now; starts a new interval for the fraction lost.
     *
     * @param nowNanos current time, ns (monotonic), for DLSR
     * @return the block
     * @throws IllegalStateException if no packet arrived yet
     */
    public ReportBlock reportBlock(long nowNanos) {
        if (!hasReceived()) {
            throw new IllegalStateException("no RTP packet received yet on SSRC " + Integer.toUnsignedString(ssrc));
        }
        long expected = max - base + 1;
        long lost = Math.max(0, expected - received);
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : (int) ((lostInterval << 8) / expectedInterval);
        lastFraction = Math.min(255, fraction);
        long dlsr = lastSr == 0 ? 0 : (nowNanos - lastSrNanos) * 65536L / 1_000_000_000L;
        return new ReportBlock(ssrc, lastFraction, (int) Math.min(lost, 0x7FFFFF), max & 0xFFFFFFFFL,
                (long) jitter & 0xFFFFFFFFL, lastSr, dlsr & 0xFFFFFFFFL);
    }

    /** Fraction lost in the last reported interval, 0..1. */
    public double fractionLost() {
        return lastFraction / 256.0;
    }

    /** Interarrival jitter, µs (RFC 3550 A.8). */
    public long jitterUs() {
        return (long) jitter * 1_000_000L / clockRate;
    }

    /** Packets received. */
    public long packetsReceived() {
        return received;
    }
}
