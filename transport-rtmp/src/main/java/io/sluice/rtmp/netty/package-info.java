/**
 * Thin Netty adapters over the sans-IO RTMP classes: {@link io.sluice.rtmp.netty.RtmpChunkDecoder}
 * ({@code ByteToMessageDecoder} over {@link io.sluice.rtmp.chunk.ChunkDecoder}) and
 * {@link io.sluice.rtmp.netty.RtmpChunkEncoder} ({@code MessageToByteEncoder} over
 * {@link io.sluice.rtmp.chunk.ChunkEncoder}). They only move bytes and follow Netty's ownership
 * rules: inbound messages are owned by the next handler, outbound messages are released once
 * written. The handshake handler, client transport and server come in later steps.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0, §5.2–5.3</a>
 */
package io.sluice.rtmp.netty;
