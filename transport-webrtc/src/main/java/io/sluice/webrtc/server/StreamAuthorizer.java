package io.sluice.webrtc.server;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Decides whether a WHEP viewer or WHIP publisher may use a stream, from the bearer token of the
 * {@code Authorization} header (RFC 6750 §2.1; RFC 9725 §4.5). Called on an HTTP I/O thread for
 * every session-creating {@code POST}: it must not block. Exceptions count as
 * {@link AccessDecision#FORBIDDEN}.
 */
@FunctionalInterface
public interface StreamAuthorizer {
    /** Allows everything (the default). */
    StreamAuthorizer ALLOW_ALL = (endpoint, stream, token, remote) -> AccessDecision.ALLOW;

    /**
     * @param endpoint    WHEP (play) or WHIP (publish)
     * @param stream      the hub stream name from the URL
     * @param bearerToken the token after {@code Bearer }, if the request had one
     * @param remote      the HTTP client's address
     * @return the decision; never null
     */
    AccessDecision authorize(WebRtcEndpoint endpoint, String stream, Optional<String> bearerToken,
                             InetSocketAddress remote);
}
