/**
 * RTMP transport for Sluice. The protocol logic lives in sans-IO sub-packages that only depend on
 * {@code netty-buffer}: {@link io.sluice.rtmp.amf} (AMF0 values), {@link io.sluice.rtmp.chunk}
 * (the chunk stream), {@link io.sluice.rtmp.message} (control, command, data and media messages),
 * {@link io.sluice.rtmp.handshake} (the simple handshake) and {@link io.sluice.rtmp.flv} (mapping
 * {@link io.sluice.core.EncodedFrame}s to FLV tag bodies, legacy and Enhanced RTMP). The Netty
 * adapters in {@link io.sluice.rtmp.netty} only move bytes. Malformed peer data always surfaces as
 * {@link io.sluice.rtmp.RtmpProtocolException}.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0 (2012)</a>
 * @see <a href="https://github.com/veovera/enhanced-rtmp">Veovera Enhanced RTMP v1</a>
 */
package io.sluice.rtmp;
