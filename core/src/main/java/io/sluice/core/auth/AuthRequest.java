package io.sluice.core.auth;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One publish or play request, as a server hands it to a {@link StreamAuthorizer}.
 *
 * @param action        publish or play
 * @param stream        the hub stream name, e.g. {@code "live/cam"} (for RTMP: app and stream key
 *                      without query, {@code rtmp://host/live/cam?token=s} is {@code "live/cam"})
 * @param protocol      the protocol the request came over
 * @param remoteAddress the client
 * @param token         the credential the client presented: the RTMP {@code token} query parameter,
 *                      the HTTP bearer token; empty if none
 * @param parameters    other request parameters, decoded: for RTMP the query of the stream name then of
 *                      the app (the stream name's win), values in order; empty for WHIP/WHEP
 */
public record AuthRequest(StreamAction action, String stream, StreamProtocol protocol, InetSocketAddress remoteAddress,
                          Optional<String> token, Map<String, List<String>> parameters) {
    /** @throws NullPointerException if a field is null */
    public AuthRequest {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        Objects.requireNonNull(token, "token");
        parameters = Map.copyOf(parameters);
    }

    /** A request without extra parameters. */
    public AuthRequest(StreamAction action, String stream, StreamProtocol protocol, InetSocketAddress remoteAddress,
                       Optional<String> token) {
        this(action, stream, protocol, remoteAddress, token, Map.of());
    }

    /** The first value of parameter {@code name}, or {@code null}. */
    public String parameter(String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        String host = remoteAddress.getAddress() != null ? remoteAddress.getAddress().getHostAddress()
                : remoteAddress.getHostString();
        return action + " '" + stream + "' over " + protocol + " from " + (host.contains(":") ? "[" + host + "]" : host)
                + ":" + remoteAddress.getPort()
                + (token.isPresent() ? " with a token" : " without a token");
    }
}
