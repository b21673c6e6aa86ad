/**
 * SRTP and SRTCP (RFC 3711) with the AES-CM/HMAC-SHA1 and AES-GCM (RFC 7714) profiles, sans-IO.
 *
 * <p>{@link io.sluice.webrtc.srtp.SrtpSender} protects outgoing RTP/RTCP, {@link
 * io.sluice.webrtc.srtp.SrtpReceiver} unprotects incoming packets; both work in place on a
 * {@link io.netty.buffer.ByteBuf} (the packet is {@code readerIndex..writerIndex}) and keep per-SSRC
 * state (ROC, highest sequence number, replay window, SRTCP index). Keys come from
 * {@link io.sluice.webrtc.srtp.SrtpKeyingMaterial} (for example the DTLS-SRTP exporter output of
 * RFC 5764 §4.2) and are expanded with {@link io.sluice.webrtc.srtp.SrtpKeyDerivation}. Bad
 * packets never throw: unprotect returns an {@link io.sluice.webrtc.srtp.SrtpResult} and counts it.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3711">RFC 3711</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7714">RFC 7714</a>
 */
package io.sluice.webrtc.srtp;
