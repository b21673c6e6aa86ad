package io.sluice.abr.gcc;

import io.sluice.abr.cc.PacketResult;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Measures what a probe cluster got through (libwebrtc's {@code ProbeBitrateEstimator}): once at least 80 % of the
 * cluster's packets and bytes arrived, send rate = bytes (but the last sent) / send span and receive rate = bytes
 * (but the first received) / arrival span; the result is the smaller of the two, or 95 % of the receive rate when it
 * is under 90 % of the send rate (the path is saturated). Clusters whose spans are empty or longer than 1 s, or
 * whose receive rate exceeds twice the send rate, are discarded.
 */
public final class ProbeBitrateEstimator {
    private static final double MIN_RECEIVED_PROBES_RATIO = 0.80;
    private static final double MIN_RECEIVED_BYTES_RATIO = 0.80;
    private static final double MAX_VALID_RATIO = 2.0;
    private static final double MIN_RATIO_FOR_UNSATURATED_LINK = 0.9;
    private static final double TARGET_UTILIZATION_FRACTION = 0.95;
    private static final long MAX_CLUSTER_HISTORY_US = 1_000_000;
    private static final long MAX_PROBE_INTERVAL_US = 1_000_000;

    private static final class Cluster {
        long firstSendUs = Long.MAX_VALUE;
        long lastSendUs = Long.MIN_VALUE;
        long firstReceiveUs = Long.MAX_VALUE;
        long lastReceiveUs = Long.MIN_VALUE;
        int sizeLastSend;
        int sizeFirstReceive;
        long sizeTotal;
        int numProbes;
    }

    private final Map<Integer, Cluster> clusters = new HashMap<>();
    private long lastEstimateBps = -1;
    private int lastEstimateClusterId = -1;
    private boolean lastEstimateSaturated;
    /** The last measured cluster: packets, octets, send and receive rate (bit/s), send and receive span (µs). */
    private final long[] lastEstimateDetail = new long[6];

    /**
     * Adds one received probe packet.
     *
     * @return the cluster's rate, bit/s, once it is measurable, else -1
     */
    public long handleProbeAndEstimateBitrate(PacketResult packet) {
        int id = packet.sent().pacing().probeClusterId();
        long receive = packet.receiveTimeUs();
        for (Iterator<Cluster> it = clusters.values().iterator(); it.hasNext(); ) {
            if (receive - it.next().lastReceiveUs > MAX_CLUSTER_HISTORY_US) {
                it.remove();
            }
        }
        Cluster c = clusters.computeIfAbsent(id, k -> new Cluster());
        long send = packet.sent().sendTimeUs();
        int size = packet.sent().sizeBytes();
        if (send < c.firstSendUs) {
            c.firstSendUs = send;
        }
        if (send > c.lastSendUs) {
            c.lastSendUs = send;
            c.sizeLastSend = size;
        }
        if (receive < c.firstReceiveUs) {
            c.firstReceiveUs = receive;
            c.sizeFirstReceive = size;
        }
        if (receive > c.lastReceiveUs) {
            c.lastReceiveUs = receive;
        }
        c.sizeTotal += size;
        c.numProbes++;
        int minProbes = (int) (packet.sent().pacing().probeClusterMinProbes() * MIN_RECEIVED_PROBES_RATIO);
        long minBytes = (long) (packet.sent().pacing().probeClusterMinBytes() * MIN_RECEIVED_BYTES_RATIO);
        if (c.numProbes < minProbes || c.sizeTotal < minBytes) {
            return -1;
        }
        long sendInterval = c.lastSendUs - c.firstSendUs;
        long receiveInterval = c.lastReceiveUs - c.firstReceiveUs;
        if (sendInterval <= 0 || sendInterval > MAX_PROBE_INTERVAL_US || receiveInterval <= 0
                || receiveInterval > MAX_PROBE_INTERVAL_US) {
            return -1;
        }
        double sendRate = (c.sizeTotal - c.sizeLastSend) * 8e6 / sendInterval;
        double receiveRate = (c.sizeTotal - c.sizeFirstReceive) * 8e6 / receiveInterval;
        if (receiveRate / sendRate > MAX_VALID_RATIO) {
            return -1;
        }
        double result = Math.min(sendRate, receiveRate);
        boolean saturated = receiveRate < MIN_RATIO_FOR_UNSATURATED_LINK * sendRate;
        if (saturated) {
            result = TARGET_UTILIZATION_FRACTION * receiveRate;
        }
        lastEstimateBps = (long) result;
        lastEstimateClusterId = id;
        lastEstimateSaturated = saturated;
        long[] d = lastEstimateDetail;
        d[0] = c.numProbes;
        d[1] = c.sizeTotal;
        d[2] = (long) sendRate;
        d[3] = (long) receiveRate;
        d[4] = sendInterval;
        d[5] = receiveInterval;
        return lastEstimateBps;
    }

    /** The probe cluster id of the last measured rate, or -1 before any; not reset by {@link #fetchAndResetLastEstimatedBitrate}. */
    public int lastEstimateClusterId() {
        return lastEstimateClusterId;
    }

    /**
     * Whether the last measured cluster saturated the path (received under 90 % of its send rate): its rate is then
     * the path's rate at the time, shared with whatever else crossed it, not spare capacity.
     */
    public boolean lastEstimateSaturated() {
        return lastEstimateSaturated;
    }

    /**
     * The last measured cluster as text for a log: its id, packets and octets received, send and receive rate
     * (bit/s) and spans (ms); empty before any.
     */
    public String lastEstimateDetail() {
        if (lastEstimateClusterId < 0) {
            return "";
        }
        long[] d = lastEstimateDetail;
        return "cluster " + lastEstimateClusterId + ": " + d[0] + " packets, " + d[1] + " octets, sent at " + d[2]
                + " bit/s over " + d[4] / 1000 + " ms, received at " + d[3] + " bit/s over " + d[5] / 1000 + " ms";
    }

    /** The last measured cluster rate, bit/s, or -1; resets it. */
    public long fetchAndResetLastEstimatedBitrate() {
        long r = lastEstimateBps;
        lastEstimateBps = -1;
        return r;
    }
}
