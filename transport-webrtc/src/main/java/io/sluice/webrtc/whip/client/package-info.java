/**
 * WHIP client (RFC 9725): {@link io.sluice.webrtc.whip.client.WhipTransport} publishes a pipeline's
 * H.264 and Opus frames to any WHIP server, with full ICE as the controlling agent, DTLS-SRTP,
 * NACK/RTX, PLI/FIR and REMB/transport-cc feedback. {@link io.sluice.webrtc.whip.client.WhipTransportProvider}
 * serves the {@code whip+http} and {@code whip+https} URI schemes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9725">RFC 9725 (WHIP)</a>
 */
package io.sluice.webrtc.whip.client;
