/**
 * WebRTC transport in pure Java. Subpackages: {@code stun}, {@code ice}, {@code dtls}, {@code srtp},
 * {@code rtp}, {@code rtcp}, {@code sdp}, {@code mux} (RFC 7983 first-byte demultiplexing),
 * {@code whip}/{@code whep}, {@code netty} (thin adapters). Protocol engines are sans-IO.
 */
package io.sluice.webrtc;
