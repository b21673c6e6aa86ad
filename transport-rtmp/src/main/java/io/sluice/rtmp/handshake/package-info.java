/**
 * The RTMP simple handshake (C0/C1/C2, S0/S1/S2) as a sans-IO state machine for client and
 * server, {@link io.sluice.rtmp.handshake.RtmpHandshake}: feed received bytes, poll bytes to send,
 * and hand the bytes left after completion to the chunk stream. The complex (digest) handshake of
 * Flash Media Server is not implemented; servers fall back to the simple one for clients that
 * send zeros in C1's version field, as this one does.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#52-handshake">Adobe RTMP Specification 1.0, §5.2 Handshake</a>
 */
package io.sluice.rtmp.handshake;
