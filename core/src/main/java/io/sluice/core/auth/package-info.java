/**
 * Who may publish and play which stream, one SPI for every server (RTMP, WHIP/WHEP, HTTP delivery):
 * {@link io.sluice.core.auth.StreamAuthorizer} decides an {@link io.sluice.core.auth.AuthRequest}
 * (action, stream, protocol, client address, token); {@link io.sluice.core.auth.TokenAuthorizer} is the
 * built-in token check; {@link io.sluice.core.auth.AuthorizationGate} is what servers call.
 */
package io.sluice.core.auth;
