package io.sluice.webrtc.rtcp;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;

/**
 * Builds SRs (RFC 3550 §6.4.1) for one outgoing stream with the NTP↔RTP mapping receivers use for
 * lip sync: the SR's RTP timestamp is the one that corresponds to its NTP time, extrapolated from the
 * last packet sent ({@code rtp = lastRtp + (now − lastSendTime) · clockRate}). The wall clock is
 * injected. Not thread-safe.
 */
public final class SenderReportGenerator {
    private final int ssrc;
    private final int clockRate;
    private final InstantSource clock;
    private long packets;
    private long octets;
    private long lastRtpTimestamp = -1;
    private long lastSendUnixUs;

    /**
     * @param ssrc      the stream's SSRC
     * @param clockRate RTP clock in Hz (90000 video, 48000 Opus)
     * @param clock     wall clock for NTP times
     */
    public SenderReportGenerator(int ssrc, int clockRate, InstantSource clock) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: > 0)");
        }
        this.ssrc = ssrc;
        this.clockRate = clockRate;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records one RTP packet sent now.
     *
     * @param rtpTimestamp  its RTP timestamp, 32 bits
     * @param payloadOctets its payload size (RFC 3550 octet count excludes header and padding)
     */
    public void onPacketSent(long rtpTimestamp, int payloadOctets) {
        packets++;
        octets += payloadOctets;
        lastRtpTimestamp = rtpTimestamp & 0xFFFFFFFFL;
        lastSendUnixUs = unixMicros(clock.instant());
    }

    private static long unixMicros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
    }

    /** Whether a packet was sent yet (an SR makes sense only then). */
    public boolean hasSent() {
        return lastRtpTimestamp >= 0;
    }

    /**
     * An SR for now.
     *
     * @param reports report blocks on streams this endpoint receives (at most 31)
     * @throws IllegalStateException if no packet was sent yet
     */
    public SenderReport generate(List<ReportBlock> reports) {
        if (!hasSent()) {
            throw new IllegalStateException("no RTP packet sent yet on SSRC " + Integer.toUnsignedString(ssrc));
        }
        long now = unixMicros(clock.instant());
        long rtp = (lastRtpTimestamp + Math.floorDiv((now - lastSendUnixUs) * clockRate, 1_000_000L)) & 0xFFFFFFFFL;
        return new SenderReport(ssrc, NtpTime.fromUnixMicros(now), rtp, packets & 0xFFFFFFFFL, octets & 0xFFFFFFFFL, reports);
    }
}
