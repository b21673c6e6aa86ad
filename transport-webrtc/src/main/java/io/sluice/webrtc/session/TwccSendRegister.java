package io.sluice.webrtc.session;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.webrtc.rtcp.TransportWideCc;
import java.util.ArrayList;
import java.util.List;

/**
 * The send side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
 * hands out transport-wide sequence numbers (§3, one 16-bit counter across every SSRC of the
 * session, retransmissions and padding included) and remembers each packet's send time, size, pacing
 * ({@link PacedPacketInfo}), audio flag and the data in flight when it left, so that a feedback packet
 * (§3.1) can be matched to per-packet {@link PacketResult}s. Sequence numbers are unwrapped to 64 bits
 * (the wire carries the low 16). The window is {@value #WINDOW} packets: older packets are forgotten
 * (and no longer counted in flight). Sans-IO: times are arguments, ns on the session's monotonic clock.
 * Not thread-safe.
 */
public final class TwccSendRegister {
    /** Packets remembered: a power of two, a few seconds at several Mbit/s. */
    public static final int WINDOW = 4096;

    private final int[] sizes = new int[WINDOW];
    private final long[] sentNanos = new long[WINDOW];
    private final long[] sequenceNumbers = new long[WINDOW];
    private final long[] inFlightAtSend = new long[WINDOW];
    private final boolean[] audio = new boolean[WINDOW];
    /** Whether the packet still counts in {@link #dataInFlightBytes()} (no feedback about it yet). */
    private final boolean[] inFlight = new boolean[WINDOW];
    private final PacedPacketInfo[] pacing = new PacedPacketInfo[WINDOW];
    /** The next unwrapped sequence number. */
    private long next;
    private long dataInFlight;
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
     * @param packets         the covered packets this register still remembers, matched to what was sent
     *                        (for a {@link io.sluice.abr.cc.NetworkController}); empty when built without them
     */
    public record Feedback(int packetsAcked, int packetsLost, long deliveredBytes, long arrivalSpanUs,
                           long lastSentNanos, TransportPacketsFeedback packets) {
        /** A summary without per-packet results. */
        public Feedback(int packetsAcked, int packetsLost, long deliveredBytes, long arrivalSpanUs, long lastSentNanos) {
            this(packetsAcked, packetsLost, deliveredBytes, arrivalSpanUs, lastSentNanos,
                    new TransportPacketsFeedback(0, 0, List.of()));
        }

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
     * Registers a video packet sent at the pacing rate (not a probe).
     *
     * @param sizeBytes its size, RTP octets before SRTP
     * @param nowNanos  send time, ns
     * @return its transport-wide sequence number, 0..65535
     */
    public int register(int sizeBytes, long nowNanos) {
        return (int) (register(sizeBytes, nowNanos, PacedPacketInfo.NONE, false) & 0xFFFF);
    }

    /**
     * Registers a packet about to be sent and gives it the next transport-wide sequence number.
     *
     * @param sizeBytes its size, RTP octets before SRTP (header, payload and padding), ≥ 0
     * @param nowNanos  send time, ns
     * @param info      how the pacer sent it (probe cluster or not)
     * @param isAudio   whether it carries audio
     * @return its unwrapped transport-wide sequence number (the low 16 bits go on the wire); {@link #sentPacket}
     *         gives the whole record
     */
    public long register(int sizeBytes, long nowNanos, PacedPacketInfo info, boolean isAudio) {
        long seq = next++;
        int i = (int) (seq & (WINDOW - 1));
        if (inFlight[i]) { // forgotten without feedback: no longer counted in flight
            dataInFlight -= sizes[i];
        }
        dataInFlight += sizeBytes;
        sizes[i] = sizeBytes;
        sentNanos[i] = nowNanos;
        sequenceNumbers[i] = seq;
        inFlightAtSend[i] = dataInFlight;
        audio[i] = isAudio;
        inFlight[i] = true;
        pacing[i] = info;
        return seq;
    }

    /**
     * @param sequenceNumber an unwrapped sequence number from {@link #register(int, long, PacedPacketInfo, boolean)}
     * @return the packet as it was sent
     * @throws IllegalArgumentException if it is not in the window
     */
    public SentPacket sentPacket(long sequenceNumber) {
        int i = (int) (sequenceNumber & (WINDOW - 1));
        if (sequenceNumber < 0 || sequenceNumber >= next || sequenceNumbers[i] != sequenceNumber) {
            throw new IllegalArgumentException("sequence number " + sequenceNumber + " not in the window (next "
                    + next + ")");
        }
        return new SentPacket(sentNanos[i] / 1000, sequenceNumber, sizes[i], pacing[i], audio[i], inFlightAtSend[i]);
    }

    /** Bytes sent and not yet covered by feedback (nor forgotten). */
    public long dataInFlightBytes() {
        return dataInFlight;
    }

    /**
     * Matches one feedback packet to what was sent, at an unknown time (the per-packet results carry
     * feedback time 0).
     *
     * @param feedback the peer's feedback
     * @return the summary
     */
    public Feedback onFeedback(TransportWideCc feedback) {
        return onFeedback(0, feedback);
    }

    /**
     * Matches one feedback packet to what was sent. Packets outside the window (or not sent yet) are
     * left out of the per-packet results but still counted in the summary.
     *
     * @param nowNanos when the feedback arrived, ns
     * @param feedback the peer's feedback
     * @return the summary and the per-packet results
     */
    public Feedback onFeedback(long nowNanos, TransportWideCc feedback) {
        int[] symbols = feedback.symbols();
        long[] arrival = feedback.arrivalTimesUs();
        long baseSeq = unwrap(feedback.baseSequenceNumber());
        List<PacketResult> results = new ArrayList<>(symbols.length);
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int lostHere = 0;
        int lastSize = 0;
        for (int k = 0; k < symbols.length; k++) {
            long seq = baseSeq + k;
            int i = (int) (seq & (WINDOW - 1));
            boolean known = seq >= 0 && seq < next && sequenceNumbers[i] == seq;
            boolean received = symbols[k] != TransportWideCc.NOT_RECEIVED;
            if (known) {
                results.add(new PacketResult(new SentPacket(sentNanos[i] / 1000, seq, sizes[i], pacing[i], audio[i],
                        inFlightAtSend[i]), received ? arrival[k] : PacketResult.NOT_RECEIVED));
                if (inFlight[i]) {
                    inFlight[i] = false;
                    dataInFlight -= sizes[i];
                }
            }
            if (!received) {
                lostHere++;
                continue;
            }
            int size = known ? sizes[i] : 0;
            bytes += size;
            lastSize = size;
            first = Math.min(first, arrival[k]);
            last = Math.max(last, arrival[k]);
        }
        int ackedHere = symbols.length - lostHere;
        feedbacks++;
        acked += ackedHere;
        lost += lostHere;
        long lastSeq = baseSeq + symbols.length - 1;
        int lastIndex = (int) (lastSeq & (WINDOW - 1));
        long lastSent = symbols.length == 0 || lastSeq < 0 || lastSeq >= next || sequenceNumbers[lastIndex] != lastSeq
                ? Long.MIN_VALUE : sentNanos[lastIndex];
        return new Feedback(ackedHere, lostHere, Math.max(0, bytes - lastSize), ackedHere < 2 ? 0 : last - first,
                lastSent, new TransportPacketsFeedback(nowNanos / 1000, dataInFlight, results));
    }

    /** The unwrapped sequence number nearest the newest sent one whose low 16 bits are {@code seq16}. */
    private long unwrap(int seq16) {
        long newest = next - 1;
        int delta = (short) (seq16 - (int) (newest & 0xFFFF));
        return newest + delta;
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
