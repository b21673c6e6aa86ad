package io.sluice.webrtc.session;

/**
 * Where a pacer plugs into {@link RtpSession}: it decides when each queued RTP packet may leave.
 * Packets leave the session's send queue in order; the session asks {@link #sendTime} for the head
 * packet, sends it when that time has come, tells the pacer with {@link #onSent}, and wakes up at
 * the head's send time ({@link RtpSession#pollTimeout()}), so a pacer gets millisecond timers
 * without a fixed tick. The transport-wide sequence number and abs-send-time are stamped when a
 * packet leaves, so feedback measures the paced send time. The default, {@link #UNPACED}, sends
 * everything at once (today's behaviour). Sans-IO; confined to the session's thread.
 */
public interface Pacer {
    /** Sends every packet as soon as it is queued. */
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
     * A packet left.
     *
     * @param nowNanos  current time, ns
     * @param sizeBytes its size, RTP octets
     */
    void onSent(long nowNanos, int sizeBytes);

    /**
     * The rate to pace at changed (from the application's rate controller or the session's estimate).
     *
     * @param bitrateBps target, bit/s, ≥ 0
     */
    default void setTargetBitrate(long bitrateBps) {
    }
}
