package io.sluice.abr.gcc;

import io.sluice.abr.cc.PacketResult;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The rate at which one flow's packets arrived at the receiver over the last {@link #WINDOW_US} (receiver's clock,
 * from transport-wide feedback): draft-ietf-rmcat-gcc-02 §5.5's {@code R_hat}, the receive rate the decrease is
 * based on. Unlike {@link AcknowledgedBitrateEstimator} it has no memory beyond the window, so it shows a capacity
 * drop as soon as the window has passed it.
 */
public final class ReceiveRate {
    /** The window, µs (draft §5.5: 0.5–1 s). */
    public static final long WINDOW_US = 500_000;
    /** Shortest span of arrivals that gives a rate, µs. */
    public static final long MIN_SPAN_US = 200_000;

    /** Window of {@link #recentDeliveredRateBps()}, µs. */
    public static final long RECENT_WINDOW_US = 200_000;
    /** Fewest packets, and shortest send and arrival span, that give {@link #recentDeliveredRateBps()}. */
    static final int RECENT_MIN_PACKETS = 20;
    static final long RECENT_MIN_SPAN_US = 50_000;

    private final ArrayDeque<long[]> arrivals = new ArrayDeque<>(); // {receiveTimeUs, bytes, sendTimeUs}
    private long bytesInWindow;
    private long firstArrivalUs = Long.MIN_VALUE;
    private long newestArrivalUs = Long.MIN_VALUE;

    /** Adds the received packets of one feedback, sorted by arrival time. */
    public void onReceived(List<PacketResult> receivedByArrival) {
        for (PacketResult p : receivedByArrival) {
            long at = p.receiveTimeUs();
            if (at < newestArrivalUs) {
                continue; // reordered across feedbacks: counted by its window already or too old
            }
            if (firstArrivalUs == Long.MIN_VALUE) {
                firstArrivalUs = at;
            }
            newestArrivalUs = at;
            arrivals.addLast(new long[] {at, p.sent().sizeBytes(), p.sent().sendTimeUs()});
            bytesInWindow += p.sent().sizeBytes();
        }
        while (!arrivals.isEmpty() && arrivals.peekFirst()[0] <= newestArrivalUs - WINDOW_US) {
            bytesInWindow -= arrivals.pollFirst()[1];
        }
    }

    /** The receive rate over the last {@link #WINDOW_US} of arrivals, bit/s, or -1 before {@link #MIN_SPAN_US}. */
    public long rateBps() {
        if (newestArrivalUs == Long.MIN_VALUE) {
            return -1;
        }
        long span = Math.min(WINDOW_US, newestArrivalUs - firstArrivalUs);
        return span < MIN_SPAN_US ? -1 : bytesInWindow * 8_000_000L / span;
    }

    /**
     * What the path delivered of this flow over the last {@link #RECENT_WINDOW_US} of arrivals: the lower of the
     * rate at which those packets arrived and the rate at which they were sent, bit/s, or -1 with fewer than
     * {@link #RECENT_MIN_PACKETS} packets or a span under {@link #RECENT_MIN_SPAN_US}. Bounded by the send rate, as
     * libwebrtc's probe results are ({@code ProbeBitrateEstimator}), so arrivals bunched by the receiver's link do
     * not count as capacity. For a sender that is application-limited between bursts (a relayed stream's keyframes
     * drained by the pacer above the path's rate) it is what the path carried during the burst; the averaged rates
     * only see the application's rate.
     */
    public long recentDeliveredRateBps() {
        if (newestArrivalUs == Long.MIN_VALUE) {
            return -1;
        }
        long bytes = 0;
        int packets = 0;
        long firstArrival = newestArrivalUs;
        long firstSend = Long.MAX_VALUE;
        long lastSend = Long.MIN_VALUE;
        long lastBytes = 0;
        var it = arrivals.descendingIterator();
        while (it.hasNext()) {
            long[] a = it.next();
            if (a[0] < newestArrivalUs - RECENT_WINDOW_US) {
                break;
            }
            if (packets == 0) {
                lastBytes = a[1];
            }
            bytes += a[1];
            packets++;
            firstArrival = a[0];
            firstSend = Math.min(firstSend, a[2]);
            lastSend = Math.max(lastSend, a[2]);
        }
        long receiveSpan = newestArrivalUs - firstArrival;
        long sendSpan = lastSend - firstSend;
        if (packets < RECENT_MIN_PACKETS || receiveSpan < RECENT_MIN_SPAN_US || sendSpan < RECENT_MIN_SPAN_US) {
            return -1;
        }
        // n packets span n - 1 gaps: one packet's bytes are not inside the spans
        long received = (bytes - lastBytes) * 8_000_000L / receiveSpan;
        long sent = (bytes - lastBytes) * 8_000_000L / sendSpan;
        return Math.min(received, sent);
    }
}
