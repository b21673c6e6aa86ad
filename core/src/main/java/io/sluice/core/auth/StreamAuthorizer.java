package io.sluice.core.auth;

/**
 * Decides whether a client may publish or play a stream; the one authorization SPI of every Sluice
 * server (RTMP, WHIP/WHEP, HTTP delivery). Called once per publish and per play request, before the
 * stream is touched, with the client address, protocol and credential ({@link AuthRequest}).
 *
 * <p>Called on a server's I/O thread: it must return quickly and must not block (look tokens up in
 * memory; do slow checks ahead of time). Implementations must be thread-safe. Servers call it
 * through an {@link AuthorizationGate}: an exception or a {@code null} answer counts as
 * {@link AuthDecision.Outcome#FORBIDDEN}, and refusals are logged once per client and minute.
 *
 * @see TokenAuthorizer the built-in per-action token check
 */
@FunctionalInterface
public interface StreamAuthorizer {
    /** Allows everything: no authentication. The servers' default, fit for loopback only. */
    StreamAuthorizer ALLOW_ALL = request -> AuthDecision.allow();

    /**
     * @param request what the client asks for
     * @return the decision; never {@code null}
     */
    AuthDecision authorize(AuthRequest request);

    /**
     * Whether this authorizer can refuse {@code action} at all; servers warn when ingest is exposed
     * beyond loopback without it. The default is {@code true} (a custom authorizer is assumed to check
     * something); {@link #ALLOW_ALL} answers {@code false}, and {@link TokenAuthorizer} answers whether
     * it has a token for {@code action}.
     */
    default boolean restricts(StreamAction action) {
        return this != ALLOW_ALL;
    }
}
