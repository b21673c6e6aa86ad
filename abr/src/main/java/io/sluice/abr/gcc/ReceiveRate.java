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

    /**
     * Window of {@link #recentDeliveredRateBps()}, µs. 100 ms, not 200: a 553 kbit/s rung's keyframe (14 kB) crosses
     * an 800 kbit/s path in 140 ms, and a 200 ms window averaged it with the frames around it, so the relay floor
     * sat at 0.85 × 547 kbit/s, under the rung, and the viewer went down after every up-switch (simulation,
     * {@code RungSwitchSimulationTest} main: 18 switches in 60 s at 800 kbit/s without a bucket; 0 with 100 ms).
     */
    public static final long RECENT_WINDOW_US = 100_000;
    /** Fewest packets, and shortest send and arrival span, that give {@link #recentDeliveredRateBps()}. */
    static final int RECENT_MIN_PACKETS = 10;
    static final long RECENT_MIN_SPAN_US = 50_000;

    /** The arrivals in the window, oldest first: a ring of (receive time µs, bytes, send time µs), grown as needed. */
    private long[] arrivalUs = new long[256];
    private int[] arrivalBytes = new int[256];
    private long[] sendUs = new long[256];
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
            add(at, p.sent().sizeBytes(), p.sent().sendTimeUs());
            bytesInWindow += p.sent().sizeBytes();
        }
        while (count > 0 && arrivalUs[head] <= newestArrivalUs - WINDOW_US) {
            bytesInWindow -= arrivalBytes[head];
            head = (head + 1) & (arrivalUs.length - 1);
            count--;
        }
    }

    private void add(long atUs, int bytes, long sentUs) {
        if (count == arrivalUs.length) {
            long[] us = new long[count * 2];
            int[] b = new int[count * 2];
            long[] su = new long[count * 2];
            for (int k = 0; k < count; k++) {
                us[k] = arrivalUs[(head + k) & (count - 1)];
                b[k] = arrivalBytes[(head + k) & (count - 1)];
                su[k] = sendUs[(head + k) & (count - 1)];
            }
            arrivalUs = us;
            arrivalBytes = b;
            sendUs = su;
            head = 0;
        }
        int i = (head + count++) & (arrivalUs.length - 1);
        arrivalUs[i] = atUs;
        arrivalBytes[i] = bytes;
        sendUs[i] = sentUs;
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
        for (int k = count - 1; k >= 0; k--) {
            int i = (head + k) & (arrivalUs.length - 1);
            if (arrivalUs[i] < newestArrivalUs - RECENT_WINDOW_US) {
                break;
            }
            if (packets == 0) {
                lastBytes = arrivalBytes[i];
            }
            bytes += arrivalBytes[i];
            packets++;
            firstArrival = arrivalUs[i];
            firstSend = Math.min(firstSend, sendUs[i]);
            lastSend = Math.max(lastSend, sendUs[i]);
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
