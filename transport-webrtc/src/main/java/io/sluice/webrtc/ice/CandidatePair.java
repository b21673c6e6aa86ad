package io.sluice.webrtc.ice;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The 5-tuple media flows on once ICE selects it (UDP): send from {@code local} to {@code remote}.
 *
 * @param local  the local socket address (the base of the local candidate)
 * @param remote the peer's address as seen on the wire
 */
public record CandidatePair(InetSocketAddress local, InetSocketAddress remote) {
    public CandidatePair {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }
}
