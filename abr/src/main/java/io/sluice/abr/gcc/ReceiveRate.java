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

    private final ArrayDeque<long[]> arrivals = new ArrayDeque<>(); // {receiveTimeUs, bytes}
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
            arrivals.addLast(new long[] {at, p.sent().sizeBytes()});
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
}
