/**
 * The SDP subset WebRTC uses (RFC 8866 syntax, RFC 8829 JSEP semantics): a bounded
 * {@link io.sluice.webrtc.sdp.SdpParser}, a writer ({@link io.sluice.webrtc.sdp.SessionDescription#toSdp()}),
 * and {@link io.sluice.webrtc.sdp.SdpNegotiator}, which answers a browser's WHEP/WHIP offer as the
 * server and writes/accepts the offer/answer of the WHIP client. Garbage input fails with
 * {@link io.sluice.webrtc.sdp.SdpParseException} (line number and reason); an offer Sluice cannot
 * serve fails with {@link io.sluice.webrtc.sdp.SdpNegotiationException}, which the HTTP layer maps to 4xx.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8866">RFC 8866</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8829">RFC 8829</a>
 */
package io.sluice.webrtc.sdp;
