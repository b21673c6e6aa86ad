package io.sluice.webrtc.rtcp;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

/**
 * Builds SRs (RFC 3550 §6.4.1) for one outgoing stream with the NTP↔RTP mapping receivers use for
 * lip sync: the SR's RTP timestamp is the one that corresponds to its NTP time. RFC 3550 §6.4.1 says it
 * "corresponds to the same time as the NTP timestamp" on the sampling clock, so the mapping is anchored at
 * the capture of the newest frame ({@link #onFrame(long, long)}: {@code rtp = frameRtp + (now − captureTime) ·
 * clockRate}), not at the time its packets left a pacer: a keyframe that waits 200 ms in the pacer would
 * otherwise shift the video's mapping 200 ms against the audio's, and the receiver's lip sync with it. Without
 * {@code onFrame} calls the last packet sent is the anchor (older behaviour, right only for unpaced senders). Sans-IO: the wall-clock
 * time (µs since the Unix epoch) is an argument of {@link #onPacketSent(long, int, long)} and
 * {@link #generate(List, long)}; the {@link InstantSource} constructor is a convenience for callers
 * that want the generator to read a clock itself. Not thread-safe.
 */
public final class SenderReportGenerator {
    private final int ssrc;
    private final int clockRate;
    private final InstantSource clock;
    private long packets;
    private long octets;
    private long lastRtpTimestamp = -1;
    private long lastSendUnixUs;
    private long frameRtpTimestamp = -1;
    private long frameCaptureUnixUs;

    /**
     * A generator whose times come in as arguments.
     *
     * @param ssrc      the stream's SSRC
     * @param clockRate RTP clock in Hz (90000 video, 48000 Opus)
     * @throws IllegalArgumentException if {@code clockRate} is not positive
     */
    public SenderReportGenerator(int ssrc, int clockRate) {
        this(ssrc, clockRate, null);
    }

    /**
     * @param ssrc      the stream's SSRC
     * @param clockRate RTP clock in Hz (90000 video, 48000 Opus)
     * @param clock     wall clock for NTP times, read by {@link #onPacketSent(long, int)} and
     *                  {@link #generate(List)}; {@code null} when only the explicit-time methods are used
     * @throws IllegalArgumentException if {@code clockRate} is not positive
     */
    public SenderReportGenerator(int ssrc, int clockRate, InstantSource clock) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: > 0)");
        }
        this.ssrc = ssrc;
        this.clockRate = clockRate;
        this.clock = clock;
    }

    /** The stream's SSRC. */
    public int ssrc() {
        return ssrc;
    }

    /**
     * Records one RTP packet sent now, reading the wall clock given to the constructor.
     *
     * @param rtpTimestamp  its RTP timestamp, 32 bits
     * @param payloadOctets its payload size (RFC 3550 octet count excludes header and padding)
     * @throws IllegalStateException if this generator has no clock
     */
    public void onPacketSent(long rtpTimestamp, int payloadOctets) {
        onPacketSent(rtpTimestamp, payloadOctets, clockMicros());
    }

    /**
     * Records one RTP packet sent.
     *
     * @param rtpTimestamp  its RTP timestamp, 32 bits
     * @param payloadOctets its payload size (RFC 3550 octet count excludes header and padding)
     * @param sentUnixUs    when it was sent, wall clock µs since the Unix epoch
     */
    public void onPacketSent(long rtpTimestamp, int payloadOctets, long sentUnixUs) {
        packets++;
        octets += payloadOctets;
        lastRtpTimestamp = rtpTimestamp & 0xFFFFFFFFL;
        lastSendUnixUs = sentUnixUs;
    }

    /**
     * Records the capture of a frame about to be sent: the anchor of the SR's NTP↔RTP mapping. Frames whose RTP
     * timestamp is not after the anchor's (B-frames in decode order, repeats) leave it unchanged: their capture
     * time is not "now".
     *
     * @param rtpTimestamp   the frame's RTP timestamp, 32 bits
     * @param captureUnixUs  when it was captured (for a relayed frame: when it entered this sender), wall clock µs
     *                       since the Unix epoch
     */
    public void onFrame(long rtpTimestamp, long captureUnixUs) {
        long ts = rtpTimestamp & 0xFFFFFFFFL;
        if (frameRtpTimestamp < 0 || (int) (ts - frameRtpTimestamp) > 0) {
            frameRtpTimestamp = ts;
            frameCaptureUnixUs = captureUnixUs;
        }
    }

    private long clockMicros() {
        if (clock == null) {
            throw new IllegalStateException("no clock: pass the time to onPacketSent/generate");
        }
        Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** Whether a packet was sent yet (an SR makes sense only then). */
    public boolean hasSent() {
        return lastRtpTimestamp >= 0;
    }

    /**
     * An SR for now, reading the wall clock given to the constructor.
     *
     * @param reports report blocks on streams this endpoint receives (at most 31)
     * @throws IllegalStateException if no packet was sent yet, or this generator has no clock
     */
    public SenderReport generate(List<ReportBlock> reports) {
        if (!hasSent()) {
            throw new IllegalStateException("no RTP packet sent yet on SSRC " + Integer.toUnsignedString(ssrc));
        }
        return generate(reports, clockMicros());
    }

    /**
     * An SR for the given time.
     *
     * @param reports   report blocks on streams this endpoint receives (at most 31)
     * @param nowUnixUs the SR's time, wall clock µs since the Unix epoch
     * @throws IllegalStateException if no packet was sent yet
     */
    public SenderReport generate(List<ReportBlock> reports, long nowUnixUs) {
        if (!hasSent()) {
            throw new IllegalStateException("no RTP packet sent yet on SSRC " + Integer.toUnsignedString(ssrc));
        }
        long anchorRtp = frameRtpTimestamp >= 0 ? frameRtpTimestamp : lastRtpTimestamp;
        long anchorUs = frameRtpTimestamp >= 0 ? frameCaptureUnixUs : lastSendUnixUs;
        long rtp = (anchorRtp + Math.floorDiv((nowUnixUs - anchorUs) * clockRate, 1_000_000L)) & 0xFFFFFFFFL;
        return new SenderReport(ssrc, NtpTime.fromUnixMicros(nowUnixUs), rtp, packets & 0xFFFFFFFFL,
                octets & 0xFFFFFFFFL, reports);
    }
}
