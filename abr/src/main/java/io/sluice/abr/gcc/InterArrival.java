package io.sluice.abr.gcc;

/**
 * Groups packets into send-time groups and yields the send and arrival time deltas between consecutive complete
 * groups (draft-ietf-rmcat-gcc-02 §5.2; libwebrtc's {@code InterArrivalDelta}).
 *
 * <p>A group holds the packets sent within {@link #SEND_TIME_GROUP_LENGTH_US} of its first packet. A packet that
 * arrives at most {@link #BURST_DELTA_THRESHOLD_US} after the group's last arrival with a negative propagation delta
 * (it caught up: a burst released by a lower layer) joins the group even if sent later, as long as the group spans
 * less than {@link #MAX_BURST_DURATION_US} of arrivals. Feed packets in arrival order.
 */
public final class InterArrival {
    /** A send-time group spans at most this much send time, µs (draft §5.2: 5 ms). */
    public static final long SEND_TIME_GROUP_LENGTH_US = 5_000;
    /** Arrivals closer than this with a negative propagation delta belong to a burst, µs. */
    public static final long BURST_DELTA_THRESHOLD_US = 5_000;
    /** A burst spans at most this much arrival time, µs. */
    public static final long MAX_BURST_DURATION_US = 100_000;
    /** An arrival clock that jumps this much more than the local clock resets the state, µs. */
    public static final long ARRIVAL_TIME_OFFSET_THRESHOLD_US = 3_000_000;
    /** This many reordered groups in a row reset the state. */
    public static final int REORDERED_RESET_THRESHOLD = 3;

    /**
     * The deltas between the last two complete groups.
     *
     * @param sendDeltaUs    last send time of the newer group minus that of the older one, µs
     * @param arrivalDeltaUs last arrival of the newer group minus that of the older one, µs
     * @param sizeDeltaBytes size of the newer group minus size of the older one, bytes
     */
    public record Deltas(long sendDeltaUs, long arrivalDeltaUs, long sizeDeltaBytes) {
    }

    private static final class Group {
        long sizeBytes;
        long firstSendUs = Long.MIN_VALUE;
        long lastSendUs;
        long firstArrivalUs;
        long completeUs = Long.MIN_VALUE;
        long lastLocalUs;

        boolean isFirstPacket() {
            return completeUs == Long.MIN_VALUE;
        }

        void copyFrom(Group o) {
            sizeBytes = o.sizeBytes;
            firstSendUs = o.firstSendUs;
            lastSendUs = o.lastSendUs;
            firstArrivalUs = o.firstArrivalUs;
            completeUs = o.completeUs;
            lastLocalUs = o.lastLocalUs;
        }
    }

    private final Group current = new Group();
    private final Group previous = new Group();
    private int consecutiveReordered;

    /**
     * Adds one received packet.
     *
     * @param sendTimeUs    send time, µs (sender's clock)
     * @param arrivalTimeUs arrival time, µs (receiver's clock)
     * @param localTimeUs   when the feedback reporting it arrived, µs (sender's clock)
     * @param sizeBytes     packet size, bytes
     * @return the deltas when this packet starts a new group and two complete groups exist, else null
     */
    public Deltas computeDeltas(long sendTimeUs, long arrivalTimeUs, long localTimeUs, int sizeBytes) {
        Deltas deltas = null;
        if (current.isFirstPacket()) {
            current.firstSendUs = sendTimeUs;
            current.lastSendUs = sendTimeUs;
            current.firstArrivalUs = arrivalTimeUs;
        } else if (current.firstSendUs > sendTimeUs) {
            return null; // reordered packet of an older group
        } else if (startsNewGroup(arrivalTimeUs, sendTimeUs)) {
            if (!previous.isFirstPacket()) {
                long sendDelta = current.lastSendUs - previous.lastSendUs;
                long arrivalDelta = current.completeUs - previous.completeUs;
                long localDelta = current.lastLocalUs - previous.lastLocalUs;
                if (arrivalDelta - localDelta >= ARRIVAL_TIME_OFFSET_THRESHOLD_US) {
                    reset();
                    return null;
                }
                if (arrivalDelta < 0) {
                    if (++consecutiveReordered >= REORDERED_RESET_THRESHOLD) {
                        reset();
                    }
                    return null;
                }
                consecutiveReordered = 0;
                deltas = new Deltas(sendDelta, arrivalDelta, current.sizeBytes - previous.sizeBytes);
            }
            previous.copyFrom(current);
            current.firstSendUs = sendTimeUs;
            current.lastSendUs = sendTimeUs;
            current.firstArrivalUs = arrivalTimeUs;
            current.sizeBytes = 0;
        } else {
            current.lastSendUs = Math.max(current.lastSendUs, sendTimeUs);
        }
        current.sizeBytes += sizeBytes;
        current.completeUs = arrivalTimeUs;
        current.lastLocalUs = localTimeUs;
        return deltas;
    }

    /** Forgets all groups. */
    public void reset() {
        current.copyFrom(new Group());
        previous.copyFrom(new Group());
        consecutiveReordered = 0;
    }

    private boolean startsNewGroup(long arrivalTimeUs, long sendTimeUs) {
        if (current.isFirstPacket() || belongsToBurst(arrivalTimeUs, sendTimeUs)) {
            return false;
        }
        return sendTimeUs - current.firstSendUs > SEND_TIME_GROUP_LENGTH_US;
    }

    private boolean belongsToBurst(long arrivalTimeUs, long sendTimeUs) {
        long arrivalDelta = arrivalTimeUs - current.completeUs;
        long sendDelta = sendTimeUs - current.lastSendUs;
        if (sendDelta == 0) {
            return true;
        }
        long propagationDelta = arrivalDelta - sendDelta;
        return propagationDelta < 0 && arrivalDelta <= BURST_DELTA_THRESHOLD_US
                && arrivalTimeUs - current.firstArrivalUs < MAX_BURST_DURATION_US;
    }
}
