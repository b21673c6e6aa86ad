/**
 * The RTMP chunk stream (RTMP spec §5.3), sans-IO: {@link io.sluice.rtmp.chunk.ChunkDecoder}
 * reassembles {@link io.sluice.rtmp.chunk.RtmpMessage}s from chunks under configurable limits
 * ({@link io.sluice.rtmp.chunk.ChunkDecoderConfig}), and {@link io.sluice.rtmp.chunk.ChunkEncoder}
 * splits messages into chunks at the negotiated chunk size with the most compact
 * {@link io.sluice.rtmp.chunk.ChunkHeaderType} per chunk stream. Both handle 1-, 2- and 3-byte
 * basic headers (chunk stream ids 2..65599), Extended Timestamps and 32-bit timestamp wrap-around;
 * timestamps are ms. Only {@code netty-buffer} is used; the Netty pipeline adapters live in
 * {@link io.sluice.rtmp.netty}.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#53-chunking">Adobe RTMP Specification 1.0, §5.3 Chunking</a>
 */
package io.sluice.rtmp.chunk;
