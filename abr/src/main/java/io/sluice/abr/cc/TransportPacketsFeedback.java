package io.sluice.abr.cc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One transport-wide congestion control feedback packet (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)
 * matched to what was sent. Packets the sender no longer remembers are left out.
 *
 * @param feedbackTimeUs    when the feedback arrived at the sender, µs (sender's clock)
 * @param dataInFlightBytes bytes still in flight after this feedback
 * @param packets           the covered packets in transport-wide sequence order, received and lost
 */
public record TransportPacketsFeedback(long feedbackTimeUs, long dataInFlightBytes, List<PacketResult> packets) {
    public TransportPacketsFeedback {
        packets = List.copyOf(Objects.requireNonNull(packets, "packets"));
    }

    /** The received packets, in sequence order. */
    public List<PacketResult> receivedPackets() {
        List<PacketResult> received = new ArrayList<>(packets.size());
        for (PacketResult p : packets) {
            if (p.isReceived()) {
                received.add(p);
            }
        }
        return Collections.unmodifiableList(received);
    }
}
