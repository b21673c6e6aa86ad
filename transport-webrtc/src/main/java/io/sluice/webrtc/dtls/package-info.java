/**
 * DTLS-SRTP for WebRTC on Bouncy Castle's {@code bctls}: a shared {@link io.sluice.webrtc.dtls.DtlsContext}
 * (certificate, fingerprint, SRTP profiles) makes one {@link io.sluice.webrtc.dtls.DtlsEndpoint} per
 * peer connection, which runs the blocking DTLS 1.2 handshake on its own thread over an in-memory
 * datagram queue and hands {@link io.sluice.webrtc.dtls.DtlsSrtpKeys} to the SRTP layer.
 *
 * <ul>
 *   <li>RFC 6347: DTLS 1.2 (flights, retransmission, §4.2.4).</li>
 *   <li>RFC 5764: DTLS extension for SRTP keys: {@code use_srtp} (§4.1), key derivation with the
 *       exporter label {@code "EXTRACTOR-dtls_srtp"} and the key/salt layout (§4.2).</li>
 *   <li>RFC 7714 §12: the AEAD_AES_128_GCM profile in {@code use_srtp} (key 16, salt 12 octets).</li>
 *   <li>RFC 8842: SDP {@code a=setup} (active = DTLS client, passive = server) and
 *       {@code a=fingerprint} for DTLS in offer/answer; RFC 8122 §5: the fingerprint syntax.</li>
 *   <li>RFC 8827 §6.5: WebRTC authenticates both sides with self-signed certificates checked
 *       against the signalled fingerprints.</li>
 *   <li>RFC 5289: ECDHE-ECDSA AES-GCM cipher suites; RFC 7627: extended master secret.</li>
 *   <li>RFC 7983: DTLS datagrams start with a byte in 20..63 (demultiplexed in {@code webrtc.mux}).</li>
 * </ul>
 */
package io.sluice.webrtc.dtls;
