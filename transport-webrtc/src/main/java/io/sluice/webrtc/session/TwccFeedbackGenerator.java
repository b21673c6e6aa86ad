package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.SequenceUnwrapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The receive side of transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc-extensions-01):
 * records the transport-wide sequence number (§2, carried in an RFC 8285 header extension, one 16-bit
 * counter across every SSRC of the sender) and the arrival time of each received packet, and every
 * {@linkplain #DEFAULT_INTERVAL feedback interval} turns what arrived since the last feedback into RTPFB
 * FMT 15 packets (§3.1) for the sender's congestion controller (libwebrtc's goog_cc, Sluice's own).
 *
 * <p>Each feedback covers the transport-wide sequence numbers from the first one not yet reported to the
 * highest received; the ones in between that did not arrive are reported not received. A packet that
 * arrives after the feedback that reported it lost (reordering) moves the next feedback's base back to it,
 * so it is reported again as received (libwebrtc's receiver does the same; senders ignore packets they
 * already know arrived). Duplicates keep their first arrival time and are counted. Sequence numbers are
 * unwrapped (16-bit wrap); at most {@value #WINDOW} packets are remembered, older arrivals are counted
 * late and dropped. A feedback packet never exceeds the configured size (default
 * {@value #DEFAULT_MAX_PACKET_BYTES} octets, so that it fits one MTU after SRTCP, UDP and IP); a longer
 * report is split into several, as is one whose consecutive arrivals are further apart than a 16-bit
 * receive delta (8.19 s) can say.
 *
 * <p>Sans-IO: times are arguments, ns on the session's monotonic clock; it never reads a clock. Not
 * thread-safe (the session's thread).
 */
public final class TwccFeedbackGenerator {
    /**
     * Default feedback interval: 50 ms. libwebrtc's receiver sends every 50–250 ms, choosing the interval
     * so that feedback is 5 % of the media rate; for any rate above about 220 kbit/s (every video stream)
     * that rule gives its 50 ms floor. Feedback every 50 ms costs about 20 × 60–100 octets a second
     * (10–16 kbit/s) on the reverse path, which for an ingest is the uncongested direction, and the
     * sender's delay-based detector sees a queue building up to 50 ms sooner than at 100 ms.
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);
    /** Default bound of one feedback packet, RTCP header included: 1200 octets (fits 1280 with SRTCP, UDP, IPv6). */
    public static final int DEFAULT_MAX_PACKET_BYTES = 1200;
    /**
     * Packets remembered (a power of two, as {@link TwccSendRegister#WINDOW}): 4 s at 1000 packets a second
     * (about 10 Mbit/s), far more than one interval plus the reordering worth re-reporting (libwebrtc keeps
     * 500 ms); 64 KiB a session. A feedback round never reports more than this many packets.
     */
    public static final int WINDOW = 4096;
    /** Smallest allowed bound of a feedback packet: header, one chunk, one large delta. */
    static final int MIN_PACKET_BYTES = 32;

    private final int senderSsrc;
    private final long intervalNanos;
    private final int maxPacketBytes;
    private final SequenceUnwrapper unwrapper = new SequenceUnwrapper();
    private final long[] seqs = new long[WINDOW];
    private final long[] arrivalUs = new long[WINDOW];

    private boolean started;
    private long epochNanos;
    /** Unwrapped sequence number of the first packet the next feedback reports. */
    private long windowStart;
    /** Highest unwrapped sequence number received. */
    private long highest;
    private int mediaSsrc;
    private long nextFeedbackNanos = Long.MAX_VALUE;
    private long lastFeedbackNanos = Long.MIN_VALUE;
    private int feedbackPacketCount;

    private long packetsRecorded;
    private long duplicates;
    private long late;
    private long feedbacksGenerated;

    /**
     * @param senderSsrc     the "SSRC of packet sender" written in each feedback (the session's RTCP SSRC)
     * @param interval       between feedbacks, 10 ms..1 s ({@link #DEFAULT_INTERVAL})
     * @param maxPacketBytes bound of one feedback packet in octets, RTCP header included, 32..65535
     *                       ({@link #DEFAULT_MAX_PACKET_BYTES})
     * @throws IllegalArgumentException if a bound is out of range
     */
    public TwccFeedbackGenerator(int senderSsrc, Duration interval, int maxPacketBytes) {
        if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: 10 ms..1 s)");
        }
        if (maxPacketBytes < MIN_PACKET_BYTES || maxPacketBytes > 65535) {
            throw new IllegalArgumentException("maxPacketBytes: " + maxPacketBytes + " (expected: "
                    + MIN_PACKET_BYTES + "..65535)");
        }
        this.senderSsrc = senderSsrc;
        this.intervalNanos = interval.toNanos();
        this.maxPacketBytes = maxPacketBytes;
        java.util.Arrays.fill(seqs, -1);
    }

    /** A generator with the default interval and packet bound. @param senderSsrc see {@link #TwccFeedbackGenerator(int, Duration, int)} */
    public TwccFeedbackGenerator(int senderSsrc) {
        this(senderSsrc, DEFAULT_INTERVAL, DEFAULT_MAX_PACKET_BYTES);
    }

    /**
     * Records one received packet.
     *
     * @param transportSequenceNumber its transport-wide sequence number, 0..65535
     * @param ssrc                    its SSRC (the last one seen is the feedback's "SSRC of media source")
     * @param nowNanos                its arrival time, ns
     * @throws IllegalArgumentException if the sequence number is out of range
     */
    public void onPacket(int transportSequenceNumber, int ssrc, long nowNanos) {
        if (transportSequenceNumber < 0 || transportSequenceNumber > 0xFFFF) {
            throw new IllegalArgumentException("transportSequenceNumber: " + transportSequenceNumber
                    + " (expected: 0..65535)");
        }
        long s = unwrapper.unwrap(transportSequenceNumber);
        if (!started) {
            started = true;
            epochNanos = nowNanos;
            windowStart = s;
            highest = s;
        } else if (s > highest) {
            highest = s;
        } else if (s <= highest - WINDOW) {
            late++;
            return;
        } else if (seqs[slot(s)] == s) {
            duplicates++;
            return;
        }
        if (s < windowStart) {
            windowStart = s; // reordered after the feedback that reported it lost: report it again
        }
        windowStart = Math.max(windowStart, highest - WINDOW + 1);
        seqs[slot(s)] = s;
        arrivalUs[slot(s)] = Math.max(0, (nowNanos - epochNanos) / 1000);
        mediaSsrc = ssrc;
        packetsRecorded++;
        if (nextFeedbackNanos == Long.MAX_VALUE) {
            long due = lastFeedbackNanos == Long.MIN_VALUE ? nowNanos + intervalNanos : lastFeedbackNanos + intervalNanos;
            nextFeedbackNanos = due - nowNanos < 0 ? nowNanos : due;
        }
    }

    private static int slot(long s) {
        return (int) (s & (WINDOW - 1));
    }

    /** @return when {@link #handleTimeout} next has feedback to send, ns; {@link Long#MAX_VALUE} if nothing is pending */
    public long pollTimeout() {
        return nextFeedbackNanos;
    }

    /**
     * The feedback due at {@code nowNanos}: every packet received since the last feedback (and the gaps
     * between them), split so that each packet fits the configured size. Calling it early returns nothing.
     *
     * @param nowNanos current time, ns
     * @return the feedback packets to send, in sequence order; empty if none is due
     */
    public List<TransportWideCc> handleTimeout(long nowNanos) {
        if (nextFeedbackNanos == Long.MAX_VALUE || nowNanos - nextFeedbackNanos < 0) {
            return List.of();
        }
        nextFeedbackNanos = Long.MAX_VALUE;
        lastFeedbackNanos = nowNanos;
        List<TransportWideCc> out = new ArrayList<>(1);
        long from = windowStart;
        while (from <= highest) {
            TransportWideCc f = build(from);
            if (f == null) {
                break;
            }
            out.add(f);
            from += f.packetStatusCount();
        }
        windowStart = highest + 1;
        feedbacksGenerated += out.size();
        return out;
    }

    private boolean received(long s) {
        return seqs[slot(s)] == s;
    }

    /** One feedback packet from {@code from}: as many packets as deltas and the size bound allow. */
    private TransportWideCc build(long from) {
        long first = from;
        while (first <= highest && !received(first)) {
            first++;
        }
        if (first > highest) {
            return null; // nothing received (cannot happen while highest was received)
        }
        // Extend while consecutive received arrivals stay within a 16-bit delta (the first one's delta
        // from the reference time is 0..255 ticks by construction).
        long end = first;
        long lastTicks = Math.floorDiv(arrivalUs[slot(first)], 250L);
        for (long s = first + 1; s <= highest && s - from < 0xFFFF; s++) {
            if (received(s)) {
                long ticks = Math.floorDiv(arrivalUs[slot(s)], 250L);
                long d = ticks - lastTicks;
                if (d < Short.MIN_VALUE || d > Short.MAX_VALUE) {
                    break;
                }
                lastTicks = ticks;
            }
            end = s;
        }
        TransportWideCc f = feedback(from, end);
        if (encodedLength(f) <= maxPacketBytes) {
            feedbackPacketCount = (feedbackPacketCount + 1) & 0xFF;
            return f;
        }
        // Too large: the longest prefix that fits (binary search; a prefix to 'first' always fits).
        long lo = first;
        long hi = end - 1;
        TransportWideCc best = feedback(from, first);
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            TransportWideCc candidate = feedback(from, mid);
            if (encodedLength(candidate) <= maxPacketBytes) {
                best = candidate;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        feedbackPacketCount = (feedbackPacketCount + 1) & 0xFF;
        return best;
    }

    private TransportWideCc feedback(long from, long to) {
        long[] arrivals = new long[(int) (to - from + 1)];
        for (int i = 0; i < arrivals.length; i++) {
            long s = from + i;
            arrivals[i] = received(s) ? arrivalUs[slot(s)] : -1;
        }
        return TransportWideCc.of(senderSsrc, mediaSsrc, (int) (from & 0xFFFF), feedbackPacketCount, arrivals);
    }

    /** Octets {@code f} takes on the wire, RTCP header and padding included. */
    static int encodedLength(TransportWideCc f) {
        ByteBuf b = Unpooled.buffer(64 + 3 * f.packetStatusCount());
        try {
            f.writeTo(b);
            return b.readableBytes();
        } finally {
            b.release();
        }
    }

    /** Packets recorded (first arrivals). */
    public long packetsRecorded() {
        return packetsRecorded;
    }

    /** Packets that arrived again with a sequence number already recorded (not reported twice). */
    public long duplicates() {
        return duplicates;
    }

    /** Packets older than the {@value #WINDOW}-packet window when they arrived (dropped). */
    public long late() {
        return late;
    }

    /** Feedback packets generated. */
    public long feedbacksGenerated() {
        return feedbacksGenerated;
    }
}
