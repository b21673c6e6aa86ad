/**
 * The embedded WebRTC server: WHEP playback (draft-ietf-wish-whep) of {@link io.sluice.core.hub.StreamHub}
 * streams to browsers, WHIP ingest (RFC 9725) into the hub, and a player page. ICE-lite on one UDP port
 * for all sessions, DTLS-SRTP, RTP/RTCP with NACK/RTX, PLI/FIR and sender reports. Built on the sans-IO
 * engines of {@code io.sluice.webrtc.*}; {@link io.sluice.webrtc.server.netty} holds the Netty adapters.
 */
package io.sluice.webrtc.server;
