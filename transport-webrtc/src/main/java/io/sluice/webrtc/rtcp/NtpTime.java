package io.sluice.webrtc.rtcp;

/** NTP timestamps (RFC 5905 64-bit: seconds since 1900 ‖ 2^-32 fractions) as used by RTCP SR (RFC 3550 §4). */
public final class NtpTime {
    /** Seconds from 1900-01-01 to 1970-01-01. */
    public static final long EPOCH_OFFSET_SECONDS = 2_208_988_800L;

    private NtpTime() {
    }

    /** 64-bit NTP timestamp for µs since the Unix epoch. */
    public static long fromUnixMicros(long unixUs) {
        long sec = Math.floorDiv(unixUs, 1_000_000L) + EPOCH_OFFSET_SECONDS;
        long us = Math.floorMod(unixUs, 1_000_000L);
        return (sec << 32) | ((us << 32) / 1_000_000L);
    }

    /** µs since the Unix epoch for a 64-bit NTP timestamp. */
    public static long toUnixMicros(long ntp) {
        long sec = (ntp >>> 32) - EPOCH_OFFSET_SECONDS;
        long frac = ntp & 0xFFFFFFFFL;
        return sec * 1_000_000L + ((frac * 1_000_000L) >>> 32);
    }

    /** The middle 32 bits (16.16 fixed-point seconds) used in LSR/DLSR (RFC 3550 §6.4.1). */
    public static long middle32(long ntp) {
        return (ntp >>> 16) & 0xFFFFFFFFL;
    }
}
