/**
 * STUN (RFC 8489) message encoding and decoding for ICE: the 20-byte header with the magic
 * cookie and 96-bit transaction id, the attributes ICE needs (XOR-MAPPED-ADDRESS, USERNAME,
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT, PRIORITY, USE-CANDIDATE,
 * ICE-CONTROLLED/ICE-CONTROLLING, ERROR-CODE, SOFTWARE), with integrity and fingerprint checked
 * while decoding. No I/O, no clock.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489">RFC 8489</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-16.1">RFC 8445 §16.1 (ICE attributes)</a>
 */
package io.sluice.webrtc.stun;
