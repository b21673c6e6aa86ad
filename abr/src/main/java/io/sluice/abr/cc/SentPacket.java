package io.sluice.abr.cc;

import java.util.Objects;

/**
 * One packet the session sent with a transport-wide sequence number.
 *
 * @param sendTimeUs        when it left the pacer, µs
 * @param sequenceNumber    transport-wide sequence number, unwrapped to 64 bits (monotonic across the 16-bit wrap)
 * @param sizeBytes         RTP header + payload (+ padding) bytes, before SRTP
 * @param pacing            probe cluster membership
 * @param audio             whether it carries audio (audio is never probed or paced behind video)
 * @param dataInFlightBytes bytes sent and not yet acknowledged or declared lost, this packet included
 */
public record SentPacket(long sendTimeUs, long sequenceNumber, int sizeBytes, PacedPacketInfo pacing, boolean audio,
                         long dataInFlightBytes) {
    public SentPacket {
        Objects.requireNonNull(pacing, "pacing");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: >= 0)");
        }
    }
}
