package io.sluice.webrtc.server;

/** What a {@link StreamAuthorizer} decided about a WHEP or WHIP request. */
public enum AccessDecision {
    /** Go ahead. */
    ALLOW,
    /** No or bad credentials: {@code 401 Unauthorized} with {@code WWW-Authenticate: Bearer}. */
    UNAUTHORIZED,
    /** Valid credentials without the right to this stream: {@code 403 Forbidden}. */
    FORBIDDEN
}
