package io.sluice.core.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who is on the other end of a publication or subscription: the protocol it arrived by and the
 * client's address, supplied by the server that publishes or subscribes on the peer's behalf.
 *
 * @param protocol      lower-case protocol name, 1..32 characters of {@code [a-z0-9+-]}: {@code rtmp},
 *                      {@code rtmps}, {@code whip}, {@code whep}, {@code hub} (an in-process pipeline);
 *                      bounded so that it can label a metric
 * @param clientAddress the peer as {@code host:port}, or {@code ""} when there is no network peer
 */
public record SessionInfo(String protocol, String clientAddress) {
    private static final Pattern PROTOCOL = Pattern.compile("[a-z0-9+-]{1,32}");

    /** An in-process publisher or subscriber (a {@code StreamPipeline} through {@code hub:}, a recorder). */
    public static final SessionInfo IN_PROCESS = new SessionInfo("hub", "");

    /**
     * @throws IllegalArgumentException if {@code protocol} is not 1..32 characters of {@code [a-z0-9+-]}
     *                                  or {@code clientAddress} is longer than 300 characters
     */
    public SessionInfo {
        if (protocol == null || !PROTOCOL.matcher(protocol).matches()) {
            throw new IllegalArgumentException("protocol: '" + protocol + "' (expected: 1..32 characters of [a-z0-9+-])");
        }
        Objects.requireNonNull(clientAddress, "clientAddress");
        if (clientAddress.length() > 300) {
            throw new IllegalArgumentException("clientAddress: " + clientAddress.length() + " characters (expected: 0..300)");
        }
    }

    /**
     * A network peer: {@code host:port} of {@code address} (IPv6 hosts in brackets), or {@code ""} if
     * {@code address} is null (not known yet).
     *
     * @throws IllegalArgumentException if {@code protocol} is invalid (see the constructor)
     */
    public static SessionInfo of(String protocol, java.net.InetSocketAddress address) {
        if (address == null) {
            return new SessionInfo(protocol, "");
        }
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return new SessionInfo(protocol, (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort());
    }
}
