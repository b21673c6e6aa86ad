/**
 * SFrame (RFC 9605), sans-IO over byte arrays: {@link io.sluice.crypto.sframe.SframeHeader} (§4.3),
 * key derivation with HKDF (§4.4.2, Bouncy Castle), the five {@link io.sluice.crypto.sframe.SframeCipherSuite
 * cipher suites} (§4.5; AES and HMAC through the JDK), {@link io.sluice.crypto.sframe.SframeSender} and
 * {@link io.sluice.crypto.sframe.SframeReceiver}, and the application's
 * {@link io.sluice.crypto.sframe.KeyProvider}.
 *
 * <p>No I/O, no threads, no clock. Senders throw {@link io.sluice.crypto.sframe.SframeSenderException}
 * when they cannot encrypt (and emit nothing); receivers never throw for bad input and return an
 * {@link io.sluice.crypto.sframe.SframeReceiveStatus} instead.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html">RFC 9605</a>
 */
package io.sluice.crypto.sframe;
