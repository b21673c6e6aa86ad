/**
 * Sans-IO ICE (RFC 8445): {@link io.sluice.webrtc.ice.IceLiteAgent} for the server (all sessions
 * on one UDP port, routed by {@link io.sluice.webrtc.ice.IceUfragDemux}), and
 * {@link io.sluice.webrtc.ice.IceControllingAgent}, a full controlling agent for the WHIP client.
 * Both follow the str0m shape: {@code handleDatagram(nowNanos, from, datagram)} borrows,
 * {@code handleTimeout(nowNanos)}, {@code pollTransmit()} (caller owns the content),
 * {@code pollEvent()}, {@code pollTimeoutNanos()}. They never read the clock, open sockets or start
 * threads; times are nanoseconds on the caller's monotonic clock (e.g. an injected {@code Ticker}),
 * compared by subtraction so any origin works. Consent freshness follows RFC 7675.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445">RFC 8445</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7675">RFC 7675</a>
 */
package io.sluice.webrtc.ice;
