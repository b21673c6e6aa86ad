package io.sluice.abr.sim;

/**
 * A long bulk TCP-like flow through the simulation's {@link Bottleneck}: a NewReno-style window, ACK-clocked, 1200-byte
 * segments (RFC 5681): slow start from 10 segments until the first loss, then congestion avoidance (+1 segment per
 * window of ACKs), the window halved at most once per window of data on loss. A drop is detected one RTT after the
 * segment was sent (as three duplicate ACKs would tell), and the lost segment leaves the flight then. No
 * retransmission timeouts, no receive-window limit: a greedy sender, as RFC 8867 §5.6 prescribes.
 */
public final class RenoFlow {
    private static final int MSS = Simulation.MAX_PACKET_BYTES;

    private final EventLoop loop;
    private final Bottleneck bottleneck;
    private final long oneWayDelayUs;
    private double cwndBytes = 10 * MSS;
    private double ssthreshBytes = Double.MAX_VALUE;
    private long inFlightBytes;
    private long seq;
    private long recoverSeq = -1;
    private final long[] deliveredBits;

    /**
     * @param sim     the simulation whose bottleneck and clock the flow uses
     * @param oneWayUs propagation delay each way, µs (the simulation's)
     * @param startUs when the flow starts, µs
     * @param endUs   the end of the run (size of the statistics), µs
     */
    public RenoFlow(Simulation sim, long oneWayUs, long startUs, long endUs) {
        this.loop = sim.loop();
        this.bottleneck = sim.bottleneck();
        this.oneWayDelayUs = oneWayUs;
        this.deliveredBits = new long[(int) (endUs / Simulation.BUCKET_US) + 2];
        loop.schedule(startUs, this::fill);
    }

    /** Rate this flow got through the bottleneck over [from, to), bit/s. */
    public double deliveredRateBps(long fromUs, long toUs) {
        long s = 0;
        for (int b = bucket(fromUs); b < bucket(toUs); b++) {
            s += deliveredBits[b];
        }
        return s * 1e6 / (toUs - fromUs);
    }

    private int bucket(long tUs) {
        return (int) Math.min(tUs / Simulation.BUCKET_US, deliveredBits.length - 1);
    }

    private void fill() {
        while (inFlightBytes + MSS <= cwndBytes) {
            long s = seq++;
            long sentUs = loop.nowUs();
            inFlightBytes += MSS;
            bottleneck.enqueue(MSS, new Bottleneck.Listener() {
                @Override
                public void delivered(long arriveUs, long departUs) {
                    deliveredBits[bucket(departUs)] += MSS * 8L;
                    loop.schedule(departUs + 2 * oneWayDelayUs, () -> onAck());
                }

                @Override
                public void dropped(long arriveUs) {
                    long rtt = 2 * oneWayDelayUs + (arriveUs - sentUs);
                    loop.schedule(arriveUs + rtt, () -> onLoss(s));
                }
            });
        }
    }

    private void onAck() {
        inFlightBytes -= MSS;
        if (cwndBytes < ssthreshBytes) {
            cwndBytes += MSS;
        } else {
            cwndBytes += (double) MSS * MSS / cwndBytes;
        }
        fill();
    }

    private void onLoss(long lostSeq) {
        inFlightBytes -= MSS;
        if (lostSeq > recoverSeq) {
            ssthreshBytes = Math.max(2 * MSS, cwndBytes / 2);
            cwndBytes = ssthreshBytes;
            recoverSeq = seq - 1;
        }
        fill();
    }
}
