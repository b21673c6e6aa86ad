package io.sluice.webrtc.session;

import io.sluice.webrtc.rtcp.TransportWideCc;

/**
 * The send side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
 * hands out transport-wide sequence numbers (§3, one 16-bit counter across every SSRC of the
 * session, retransmissions included) and remembers each packet's send time and size, so that a
 * feedback packet (§3.1) can be matched to what was sent. The window is {@value #WINDOW} packets.
 * Sans-IO: times are arguments, ns on the session's monotonic clock. Not thread-safe.
 */
public final class TwccSendRegister {
    /** Packets remembered: a power of two, a few seconds at several Mbit/s. */
    public static final int WINDOW = 4096;

    private final int[] sizes = new int[WINDOW];
    private final long[] sentNanos = new long[WINDOW];
    private int next;
    private long feedbacks;
    private long acked;
    private long lost;

    /**
     * What one feedback packet says about the packets it covers.
     *
     * @param packetsAcked    packets reported received
     * @param packetsLost     packets reported not received
     * @param deliveredBytes  sizes (RTP octets before SRTP) of the received packets, without the one
     *                        received last in sequence order (its bytes arrived after the span ended)
     * @param arrivalSpanUs   last minus first arrival time of the received packets, µs (0 if fewer than two)
     * @param lastSentNanos   send time of the newest packet covered, ns, or {@link Long#MIN_VALUE} if unknown
     */
    public record Feedback(int packetsAcked, int packetsLost, long deliveredBytes, long arrivalSpanUs,
                           long lastSentNanos) {
        /** Fraction of the covered packets not received, 0..1 (0 for an empty feedback). */
        public double lossFraction() {
            int n = packetsAcked + packetsLost;
            return n == 0 ? 0 : Math.min(1.0, (double) packetsLost / n);
        }

        /** Whether it covers no packet. */
        public boolean isEmpty() {
            return packetsAcked + packetsLost == 0;
        }
    }

    /**
     * Registers a packet about to be sent and gives it the next transport-wide sequence number.
     *
     * @param sizeBytes its size, RTP octets before SRTP
     * @param nowNanos  send time, ns
     * @return its transport-wide sequence number, 0..65535
     */
    public int register(int sizeBytes, long nowNanos) {
        int seq = next;
        next = (next + 1) & 0xFFFF;
        sizes[seq & (WINDOW - 1)] = sizeBytes;
        sentNanos[seq & (WINDOW - 1)] = nowNanos;
        return seq;
    }

    /**
     * Matches one feedback packet to what was sent.
     *
     * @param feedback the peer's feedback
     * @return the summary
     */
    public Feedback onFeedback(TransportWideCc feedback) {
        int[] symbols = feedback.symbols();
        long[] arrival = feedback.arrivalTimesUs();
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int lostHere = 0;
        int lastSize = 0;
        for (int i = 0; i < symbols.length; i++) {
            if (symbols[i] == TransportWideCc.NOT_RECEIVED) {
                lostHere++;
                continue;
            }
            int size = sizes[(feedback.baseSequenceNumber() + i) & (WINDOW - 1)];
            bytes += size;
            lastSize = size;
            first = Math.min(first, arrival[i]);
            last = Math.max(last, arrival[i]);
        }
        int ackedHere = symbols.length - lostHere;
        feedbacks++;
        acked += ackedHere;
        lost += lostHere;
        long lastSent = symbols.length == 0 ? Long.MIN_VALUE
                : sentNanos[(feedback.baseSequenceNumber() + symbols.length - 1) & (WINDOW - 1)];
        return new Feedback(ackedHere, lostHere, Math.max(0, bytes - lastSize), ackedHere < 2 ? 0 : last - first,
                lastSent);
    }

    /** Feedback packets received. */
    public long feedbacks() {
        return feedbacks;
    }

    /** Packets the feedback reported received. */
    public long packetsAcked() {
        return acked;
    }

    /** Packets the feedback reported not received. */
    public long packetsLost() {
        return lost;
    }
}
