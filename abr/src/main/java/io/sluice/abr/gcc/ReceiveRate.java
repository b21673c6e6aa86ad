package io.sluice.abr.gcc;

import io.sluice.abr.cc.PacketResult;
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

    /** The arrivals in the window, oldest first: a ring of (receive time µs, bytes), grown as needed. */
    private long[] arrivalUs = new long[256];
    private int[] arrivalBytes = new int[256];
    private int head;
    private int count;
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
            add(at, p.sent().sizeBytes());
            bytesInWindow += p.sent().sizeBytes();
        }
        while (count > 0 && arrivalUs[head] <= newestArrivalUs - WINDOW_US) {
            bytesInWindow -= arrivalBytes[head];
            head = (head + 1) & (arrivalUs.length - 1);
            count--;
        }
    }

    private void add(long atUs, int bytes) {
        if (count == arrivalUs.length) {
            long[] us = new long[count * 2];
            int[] b = new int[count * 2];
            for (int k = 0; k < count; k++) {
                us[k] = arrivalUs[(head + k) & (count - 1)];
                b[k] = arrivalBytes[(head + k) & (count - 1)];
            }
            arrivalUs = us;
            arrivalBytes = b;
            head = 0;
        }
        int i = (head + count++) & (arrivalUs.length - 1);
        arrivalUs[i] = atUs;
        arrivalBytes[i] = bytes;
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
