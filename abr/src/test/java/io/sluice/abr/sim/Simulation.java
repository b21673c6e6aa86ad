package io.sluice.abr.sim;

import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacketResult;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TargetTransferRate;
import io.sluice.abr.cc.TransportPacketsFeedback;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic simulated call, any {@link NetworkController} on the sending side: per flow an encoder model
 * ({@link EncoderModel}), a pacer that obeys the controller's {@code PacerConfig} and sends its probe clusters
 * (media first, else padding), one shared drop-tail {@link Bottleneck}, a propagation delay each way, and a receiver
 * that sends transport-wide feedback every {@link #FEEDBACK_INTERVAL_US} with arrival times in 250 µs units
 * (like TWCC). RTCP: an RTT and a loss report every second. One {@link EventLoop}, no clocks, no threads.
 *
 * <p>Figures are kept per {@link #BUCKET_US} bucket: target and estimate samples, bits delivered, packets sent and
 * dropped, and each packet's time in the bottleneck (queueing + its own serialization).
 */
public final class Simulation {
    /** Feedback interval, µs. */
    public static final long FEEDBACK_INTERVAL_US = 50_000;
    /** Statistics bucket, µs. */
    public static final long BUCKET_US = 100_000;
    /** Packet size limit, bytes (RTP header + payload). */
    public static final int MAX_PACKET_BYTES = 1200;
    private static final long TWCC_RESOLUTION_US = 250;

    private final EventLoop loop = new EventLoop();
    private final Bottleneck bottleneck;
    private final long oneWayDelayUs;
    private final List<Flow> flows = new ArrayList<>();

    /**
     * @param capacity      the bottleneck's capacity
     * @param queueLimitUs  drop-tail limit, µs of queue at the current capacity
     * @param oneWayDelayUs propagation delay each way, µs (RTT = 2 × this + queueing)
     */
    public Simulation(Capacity capacity, long queueLimitUs, long oneWayDelayUs) {
        this.bottleneck = new Bottleneck(loop, capacity, queueLimitUs);
        this.oneWayDelayUs = oneWayDelayUs;
    }

    public EventLoop loop() {
        return loop;
    }

    public Bottleneck bottleneck() {
        return bottleneck;
    }

    /**
     * Adds a sender/receiver pair.
     *
     * @param controller   the sender's congestion controller
     * @param constraints  its min/start/max
     * @param encoderMaxBps the most the application sends, bit/s (Long.MAX_VALUE: follows the target)
     * @param startUs      when the flow starts, µs
     */
    public Flow addFlow(NetworkController controller, TargetRateConstraints constraints, long encoderMaxBps,
                        long startUs) {
        return addFlow(controller, constraints, new EncoderModel(encoderMaxBps), startUs);
    }

    /**
     * Adds a sender/receiver pair with its own encoder model.
     *
     * @param encoder the application's encoder
     */
    public Flow addFlow(NetworkController controller, TargetRateConstraints constraints, EncoderModel encoder,
                        long startUs) {
        Flow f = new Flow(controller, constraints, encoder);
        flows.add(f);
        loop.schedule(startUs, f::start);
        return f;
    }

    /** Runs the simulation to {@code endUs}. */
    public void run(long endUs) {
        for (Flow f : flows) {
            f.ensureBuckets(endUs);
        }
        loop.runUntil(endUs);
    }

    /** One sender (encoder, pacer, controller) and its receiver. */
    public final class Flow {
        private final NetworkController controller;
        private final TargetRateConstraints constraints;
        private final EncoderModel encoder;
        private final ArrayDeque<long[]> mediaQueue = new ArrayDeque<>(); // {size, enqueuedUs}
        private final List<Long> pacerDelays = new ArrayList<>();
        private final ArrayDeque<ProbeClusterConfig> pendingProbes = new ArrayDeque<>();
        private final Map<Long, SentPacket> sent = new HashMap<>();
        private final Map<Long, Long> arrivals = new HashMap<>();
        private final List<TargetTransferRate> targets = new ArrayList<>();
        private TargetTransferRate target;
        private long pacingRateBps;
        private long minPacingRateBps;
        private long paddingRateBps;
        private long minPaddingRateBps;
        private ProbeClusterConfig activeProbe;
        private long probeBytes;
        private int probePackets;
        private long probeNextUs;
        private long nextSendUs;
        private long nextPaddingUs;
        private long wakeUs = Long.MAX_VALUE;
        private long seq;
        private long inFlight;
        private long maxReceivedSeq = -1;
        private long nextUnreportedSeq;
        private long lastOneWayUs = oneWayDelayUs;
        private long rtcpExpected;
        private long rtcpLost;
        // statistics per bucket
        private long[] targetBps = new long[0];
        private long[] estimateBps = new long[0];
        private long[] encoderBps = new long[0];
        private long[] sentBits = new long[0];
        private long[] deliveredBits = new long[0];
        private int[] sentPackets = new int[0];
        private int[] droppedPackets = new int[0];
        private final List<long[]> bottleneckDelays = new ArrayList<>(); // {arriveUs, delayUs}

        private Flow(NetworkController controller, TargetRateConstraints constraints, EncoderModel encoder) {
            this.controller = controller;
            this.constraints = constraints;
            this.encoder = encoder;
        }

        void ensureBuckets(long endUs) {
            int n = (int) (endUs / BUCKET_US) + 2;
            if (targetBps.length < n) {
                targetBps = Arrays.copyOf(targetBps, n);
                estimateBps = Arrays.copyOf(estimateBps, n);
                encoderBps = Arrays.copyOf(encoderBps, n);
                sentBits = Arrays.copyOf(sentBits, n);
                deliveredBits = Arrays.copyOf(deliveredBits, n);
                sentPackets = Arrays.copyOf(sentPackets, n);
                droppedPackets = Arrays.copyOf(droppedPackets, n);
            }
        }

        private int bucket(long tUs) {
            return (int) Math.min(tUs / BUCKET_US, targetBps.length - 1);
        }

        private void start() {
            long now = loop.nowUs();
            apply(controller.onTargetRateConstraints(now, constraints));
            every(now, NetworkController.PROCESS_INTERVAL_US, () -> apply(controller.onProcessInterval(loop.nowUs())));
            every(now, 1_000_000 / EncoderModel.FPS, this::encodeFrame);
            every(now + FEEDBACK_INTERVAL_US, FEEDBACK_INTERVAL_US, this::sendFeedback);
            every(now + 1_000_000, 1_000_000, this::sendRtcp);
            every(now, BUCKET_US, this::sample);
        }

        private void every(long firstUs, long periodUs, Runnable r) {
            loop.schedule(firstUs, new Runnable() {
                @Override
                public void run() {
                    r.run();
                    loop.schedule(loop.nowUs() + periodUs, this);
                }
            });
        }

        private void sample() {
            int b = bucket(loop.nowUs());
            targetBps[b] = target == null ? 0 : target.targetBitrateBps();
            estimateBps[b] = target == null ? 0 : target.estimateBitrateBps();
            encoderBps[b] = Math.max(0, encoder.appliedBps());
        }

        private void apply(NetworkControlUpdate u) {
            if (u.targetRate() != null) {
                target = u.targetRate();
                targets.add(target);
                encoder.onTarget(target.targetBitrateBps(), loop.nowUs());
            }
            if (u.pacerConfig() != null) {
                pacingRateBps = u.pacerConfig().pacingRateBps();
                paddingRateBps = u.pacerConfig().paddingRateBps();
            }
            pendingProbes.addAll(u.probeClusters());
            if (!u.probeClusters().isEmpty()) {
                pump();
            }
        }

        /**
         * A floor under the controller's pacing rate, bit/s (0: none), as a WHEP session's
         * {@code RtpSession.minPacingRate}: a relayed stream's keyframes are not held in the pacer for longer than
         * the stream allows.
         */
        public void minPacingRateBps(long bps) {
            minPacingRateBps = bps;
        }

        /**
         * A floor under the controller's padding rate, bit/s (0: none), as a WHEP session's
         * {@code RtpSession.minPaddingRate} during a rung selector's padding trial: the pacer fills the path up to
         * this rate, media counted; the controller is told ({@link NetworkController#onPaddingFloor}).
         */
        public void minPaddingRateBps(long bps) {
            boolean more = bps > minPaddingRateBps;
            boolean changed = bps != minPaddingRateBps;
            minPaddingRateBps = bps;
            if (changed) {
                apply(controller.onPaddingFloor(loop.nowUs(), bps));
            }
            if (more) {
                pump();
            }
        }

        /** The application asks its controller to probe for {@code bitrateBps} ({@link NetworkController#onProbeRequest}). */
        public void requestProbe(long bitrateBps) {
            apply(controller.onProbeRequest(loop.nowUs(), bitrateBps));
        }

        private void encodeFrame() {
            if (target == null) {
                return;
            }
            int bytes = encoder.nextFrameBytes(target.targetBitrateBps(), loop.nowUs());
            int n = (bytes + MAX_PACKET_BYTES - 1) / MAX_PACKET_BYTES;
            for (int i = 0; i < n; i++) {
                mediaQueue.addLast(new long[] {bytes / n + (i < bytes % n ? 1 : 0), loop.nowUs()});
            }
            pump();
        }

        private void wakeAt(long atUs) {
            if (atUs < wakeUs) {
                wakeUs = atUs;
                loop.schedule(atUs, () -> {
                    if (wakeUs == atUs) {
                        wakeUs = Long.MAX_VALUE;
                        pump();
                    }
                });
            }
        }

        private void pump() {
            while (true) {
                long now = loop.nowUs();
                if (activeProbe == null && !pendingProbes.isEmpty()) {
                    activeProbe = pendingProbes.pollFirst();
                    probeBytes = 0;
                    probePackets = 0;
                    probeNextUs = Math.max(probeNextUs, now);
                }
                if (activeProbe != null) {
                    if (now < probeNextUs) {
                        wakeAt(probeNextUs);
                        return;
                    }
                    long rate = activeProbe.targetBitrateBps();
                    int size = mediaQueue.isEmpty()
                            ? (int) Math.max(200, Math.min(MAX_PACKET_BYTES, rate * 2_000 / 8_000_000))
                            : takeMedia();
                    send(size, new PacedPacketInfo(activeProbe.id(), activeProbe.targetProbeCount(),
                            activeProbe.minBytes()));
                    probeBytes += size;
                    probePackets++;
                    probeNextUs = now + size * 8_000_000L / rate;
                    if (probeBytes >= activeProbe.minBytes() && probePackets >= activeProbe.targetProbeCount()) {
                        activeProbe = null;
                    }
                    continue;
                }
                long pacing = Math.max(pacingRateBps, minPacingRateBps);
                if (!mediaQueue.isEmpty() && pacing > 0) {
                    nextSendUs = Math.max(nextSendUs, now);
                    if (now < nextSendUs) {
                        wakeAt(nextSendUs);
                        return;
                    }
                    int size = takeMedia();
                    send(size, PacedPacketInfo.NONE);
                    nextSendUs += size * 8_000_000L / pacing;
                    continue;
                }
                long padding = Math.max(paddingRateBps, minPaddingRateBps);
                if (padding > 0 && mediaQueue.isEmpty()) {
                    nextPaddingUs = Math.max(nextPaddingUs, nextSendUs);
                    if (now < nextPaddingUs) {
                        wakeAt(nextPaddingUs);
                        return;
                    }
                    send(600, PacedPacketInfo.NONE); // send() counts it towards the padding rate
                    continue;
                }
                return;
            }
        }

        private int takeMedia() {
            long[] m = mediaQueue.pollFirst();
            pacerDelays.add(loop.nowUs() - m[1]);
            return (int) m[0];
        }

        private void send(int size, PacedPacketInfo info) {
            long now = loop.nowUs();
            long padding = Math.max(paddingRateBps, minPaddingRateBps);
            if (padding > 0) { // media and probes count towards the padding rate, as in a pacer's padding budget
                nextPaddingUs = Math.max(nextPaddingUs, now) + size * 8_000_000L / padding;
            }
            long s = seq++;
            inFlight += size;
            SentPacket p = new SentPacket(now, s, size, info, false, inFlight);
            sent.put(s, p);
            int b = bucket(now);
            sentBits[b] += size * 8L;
            sentPackets[b]++;
            apply(controller.onSentPacket(p));
            bottleneck.enqueue(size, new Bottleneck.Listener() {
                @Override
                public void delivered(long arriveUs, long departUs) {
                    deliveredBits[bucket(departUs)] += size * 8L;
                    bottleneckDelays.add(new long[] {arriveUs, departUs - arriveUs});
                    lastOneWayUs = departUs - arriveUs + oneWayDelayUs;
                    loop.schedule(departUs + oneWayDelayUs, () -> {
                        arrivals.put(s, loop.nowUs() / TWCC_RESOLUTION_US * TWCC_RESOLUTION_US);
                        maxReceivedSeq = Math.max(maxReceivedSeq, s);
                    });
                }

                @Override
                public void dropped(long arriveUs) {
                    droppedPackets[bucket(arriveUs)]++;
                }
            });
        }

        private void sendFeedback() {
            if (maxReceivedSeq < nextUnreportedSeq) {
                return;
            }
            List<long[]> report = new ArrayList<>();
            for (long s = nextUnreportedSeq; s <= maxReceivedSeq; s++) {
                Long at = arrivals.remove(s);
                report.add(new long[] {s, at == null ? PacketResult.NOT_RECEIVED : at});
                rtcpExpected++;
                if (at == null) {
                    rtcpLost++;
                }
            }
            nextUnreportedSeq = maxReceivedSeq + 1;
            loop.schedule(loop.nowUs() + oneWayDelayUs, () -> onFeedback(report));
        }

        private void onFeedback(List<long[]> report) {
            List<PacketResult> results = new ArrayList<>(report.size());
            for (long[] r : report) {
                SentPacket p = sent.remove(r[0]);
                if (p != null) {
                    inFlight -= p.sizeBytes();
                    results.add(new PacketResult(p, r[1]));
                }
            }
            apply(controller.onTransportPacketsFeedback(
                    new TransportPacketsFeedback(loop.nowUs(), inFlight, results)));
        }

        private void sendRtcp() {
            long now = loop.nowUs();
            apply(controller.onRoundTripTime(now, lastOneWayUs + oneWayDelayUs));
            apply(controller.onTransportLossReport(now, rtcpLost, rtcpExpected));
            rtcpLost = 0;
            rtcpExpected = 0;
        }

        // ---- figures ----

        /** Every target the controller emitted, in order. */
        public List<TargetTransferRate> targets() {
            return targets;
        }

        /** The target at a time (sampled every bucket), bit/s. */
        public long targetAt(long tUs) {
            return targetBps[bucket(tUs)];
        }

        /** The estimate at a time (sampled every bucket), bit/s. */
        public long estimateAt(long tUs) {
            return estimateBps[bucket(tUs)];
        }

        /** Mean of the sampled targets in [from, to), bit/s. */
        public double meanTargetBps(long fromUs, long toUs) {
            return mean(targetBps, fromUs, toUs);
        }

        /** Highest sampled estimate in [from, to), bit/s. */
        public long maxEstimateBps(long fromUs, long toUs) {
            long max = 0;
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                max = Math.max(max, estimateBps[b]);
            }
            return max;
        }

        /** Send rate (media, probes, padding) over [from, to), bit/s. */
        public double sendRateBps(long fromUs, long toUs) {
            return sum(sentBits, fromUs, toUs) * 1e6 / (toUs - fromUs);
        }

        /** Rate this flow got through the bottleneck over [from, to), bit/s. */
        public double deliveredRateBps(long fromUs, long toUs) {
            return sum(deliveredBits, fromUs, toUs) * 1e6 / (toUs - fromUs);
        }

        /** Packets dropped at the bottleneck / packets sent, over [from, to). */
        public double lossFraction(long fromUs, long toUs) {
            long s = 0;
            long d = 0;
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                s += sentPackets[b];
                d += droppedPackets[b];
            }
            return s == 0 ? 0 : (double) d / s;
        }

        /** A percentile (0..100) of the time packets arriving in [from, to) spent in the bottleneck, µs. */
        public long bottleneckDelayPercentileUs(double percentile, long fromUs, long toUs) {
            long[] d = bottleneckDelays.stream().filter(x -> x[0] >= fromUs && x[0] < toUs)
                    .mapToLong(x -> x[1]).sorted().toArray();
            if (d.length == 0) {
                return 0;
            }
            return d[(int) Math.min(d.length - 1, Math.floor(percentile / 100 * d.length))];
        }

        /** A percentile (0..100) of the time media packets waited in the pacer, whole run, µs. */
        public long pacerDelayPercentileUs(double percentile) {
            long[] d = pacerDelays.stream().mapToLong(Long::longValue).sorted().toArray();
            return d.length == 0 ? 0 : d[(int) Math.min(d.length - 1, Math.floor(percentile / 100 * d.length))];
        }

        /** The first sample time in [from, to) where the target is at or below {@code bps}, or -1. */
        public long firstTimeTargetAtOrBelow(long bps, long fromUs, long toUs) {
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                if (targetBps[b] <= bps) {
                    return b * BUCKET_US;
                }
            }
            return -1;
        }

        /**
         * The end of the first 500 ms window in [from, to) over which this flow's delivered rate is at or above
         * {@code bps} (the bottleneck bench's time-to-90 % measure), µs, or -1.
         */
        public long firstTimeDeliveredAtOrAbove(long bps, long fromUs, long toUs) {
            int window = (int) (500_000 / BUCKET_US);
            for (int b = bucket(fromUs) + window; b <= bucket(toUs); b++) {
                long bits = 0;
                for (int i = b - window; i < b; i++) {
                    bits += deliveredBits[i];
                }
                if (bits * 2 >= bps) {
                    return b * BUCKET_US;
                }
            }
            return -1;
        }

        /** First bucket start in [from, to) where the encoder's rate is at or above {@code bps}, µs, or -1. */
        public long firstTimeEncoderAtOrAbove(long bps, long fromUs, long toUs) {
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                if (encoderBps[b] >= bps) {
                    return b * BUCKET_US;
                }
            }
            return -1;
        }

        /** The first sample time in [from, to) where the target is at or above {@code bps}, or -1. */
        public long firstTimeTargetAtOrAbove(long bps, long fromUs, long toUs) {
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                if (targetBps[b] >= bps) {
                    return b * BUCKET_US;
                }
            }
            return -1;
        }

        private double mean(long[] a, long fromUs, long toUs) {
            int from = bucket(fromUs);
            int to = bucket(toUs);
            return to <= from ? 0 : (double) sum(a, fromUs, toUs) / (to - from);
        }

        private long sum(long[] a, long fromUs, long toUs) {
            long s = 0;
            for (int b = bucket(fromUs); b < bucket(toUs); b++) {
                s += a[b];
            }
            return s;
        }
    }

    /** The flows, in the order they were added. */
    public List<Flow> flowsForFigures() {
        return List.copyOf(flows);
    }

    /** Bottleneck utilization over [from, to): bits delivered (all flows) / bits the link could carry. */
    public double utilization(long fromUs, long toUs) {
        double cap = bottleneck.capacity().capacityBits(fromUs, toUs);
        double got = 0;
        for (Flow f : flows) {
            got += f.deliveredRateBps(fromUs, toUs) * (toUs - fromUs) / 1e6;
        }
        return cap <= 0 ? 0 : Math.min(1, got / cap);
    }
}
