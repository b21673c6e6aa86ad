package io.sluice.webrtc.session;

import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.ProbeClusterConfig;

/**
 * Where a pacer plugs into {@link RtpSession}: it decides when each queued RTP packet may leave, and
 * when padding should fill the link. The session keeps the queue, in priority order (audio, then
 * retransmissions, then video, then padding); it asks {@link #sendTime} for the head packet, sends it
 * when that time has come, tells the pacer with {@link #onSent}, and wakes up at the head's send time
 * or the next padding time ({@link RtpSession#pollTimeout()}), so a pacer gets millisecond timers
 * without a fixed tick. The transport-wide sequence number and abs-send-time are stamped when a
 * packet leaves, so feedback measures the paced send time. The default, {@link #UNPACED}, sends
 * everything at once and never pads; {@link RatePacer} is the real one (the default when the session
 * has a {@link io.sluice.abr.cc.NetworkController}). Sans-IO; confined to the session's thread.
 */
public interface Pacer {
    /** Sends every packet as soon as it is queued; no probes, no padding. */
    Pacer UNPACED = new Pacer() {
        @Override
        public long sendTime(long nowNanos, int sizeBytes) {
            return nowNanos;
        }

        @Override
        public void onSent(long nowNanos, int sizeBytes) {
        }
    };

    /**
     * @param nowNanos  current time, ns (monotonic)
     * @param sizeBytes the head packet's size, RTP octets
     * @return when it may leave, ns; {@code ≤ nowNanos} means now
     */
    long sendTime(long nowNanos, int sizeBytes);

    /**
     * {@link #sendTime(long, int)} knowing the queue, so a pacer can drain faster when the queue would
     * wait too long.
     *
     * @param nowNanos            current time, ns
     * @param sizeBytes           the head packet's size, RTP octets
     * @param queuedBytes         bytes queued, the head included
     * @param oldestEnqueuedNanos when the packet that has waited longest was queued, ns
     * @return when the head may leave, ns
     */
    default long sendTime(long nowNanos, int sizeBytes, long queuedBytes, long oldestEnqueuedNanos) {
        return sendTime(nowNanos, sizeBytes);
    }

    /**
     * When the session should wake up to send the head packet, ns: its {@link #sendTime} or later. A pacer may hold
     * the wake-up back so that one wake-up sends several packets, at the same average rate.
     *
     * @param nowNanos      current time, ns
     * @param sendTimeNanos the head packet's {@link #sendTime}, ns
     * @param sizeBytes     the head packet's size, RTP octets
     * @return when to wake up, ns, {@code ≥ sendTimeNanos}
     */
    default long wakeTime(long nowNanos, long sendTimeNanos, int sizeBytes) {
        return sendTimeNanos;
    }

    /**
     * A packet left.
     *
     * @param nowNanos  current time, ns
     * @param sizeBytes its size, RTP octets
     */
    void onSent(long nowNanos, int sizeBytes);

    /**
     * A packet left, as {@code info} says (the value {@link #pacedPacketInfo} gave for it).
     *
     * @param nowNanos  current time, ns
     * @param sizeBytes its size, RTP octets
     * @param info      its probe cluster, or {@link PacedPacketInfo#NONE}
     */
    default void onSent(long nowNanos, int sizeBytes, PacedPacketInfo info) {
        onSent(nowNanos, sizeBytes);
    }

    /**
     * The rate to pace at changed (from the application's rate controller or the session's estimate).
     *
     * @param bitrateBps target, bit/s, ≥ 0
     */
    default void setTargetBitrate(long bitrateBps) {
    }

    /**
     * The congestion controller's pacing and padding rates.
     *
     * @param nowNanos current time, ns
     * @param config   the new configuration
     */
    default void setPacerConfig(long nowNanos, PacerConfig config) {
        setTargetBitrate(config.pacingRateBps());
    }

    /**
     * A probe cluster to send from now on (after those already pending).
     *
     * @param nowNanos current time, ns
     * @param cluster  what to send
     */
    default void addProbeCluster(long nowNanos, ProbeClusterConfig cluster) {
    }

    /**
     * @param nowNanos current time, ns
     * @return how the next non-audio packet to leave is sent: the active probe cluster, or
     *         {@link PacedPacketInfo#NONE}
     */
    default PacedPacketInfo pacedPacketInfo(long nowNanos) {
        return PacedPacketInfo.NONE;
    }

    /**
     * Asked when no media waits.
     *
     * @param nowNanos current time, ns
     * @return padding bytes to send now (a probe cluster to fill, or the padding rate), 0 for none
     */
    default int paddingBytes(long nowNanos) {
        return 0;
    }

    /**
     * @param nowNanos current time, ns
     * @return when {@link #paddingBytes} will next be positive if no media is sent meanwhile, ns, or
     *         {@link Long#MAX_VALUE} for never
     */
    default long paddingTime(long nowNanos) {
        return Long.MAX_VALUE;
    }
}
