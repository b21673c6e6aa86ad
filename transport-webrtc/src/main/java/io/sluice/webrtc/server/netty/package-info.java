/**
 * Netty adapters of the WebRTC server: the UDP handler feeding datagrams to
 * {@link io.sluice.webrtc.server.WebRtcServer#handleDatagram} and the HTTP handler for WHEP, WHIP and
 * the player pages. They only move bytes.
 */
package io.sluice.webrtc.server.netty;
