/**
 * RFC 7983 demultiplexing of one UDP 5-tuple carrying STUN, DTLS, SRTP and SRTCP by the first
 * byte of each datagram.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7983#section-7">RFC 7983 §7</a>
 */
package io.sluice.webrtc.mux;
