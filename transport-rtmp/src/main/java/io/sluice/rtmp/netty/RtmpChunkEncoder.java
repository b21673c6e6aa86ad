package io.sluice.rtmp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;

/**
 * Netty adapter for {@link ChunkEncoder}: writes outbound {@link RtmpMessage}s as chunks. Takes
 * ownership of each message written (releases it, on failure too, as {@link MessageToByteEncoder}
 * does). Writing a SetChunkSize message switches the outgoing chunk size after it. Not sharable:
 * one instance per channel.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#53-chunking">RTMP spec §5.3</a>
 */
public final class RtmpChunkEncoder extends MessageToByteEncoder<RtmpMessage> {
    /** Worst-case chunk header bytes: 3-byte basic header + 11-byte message header + 4-byte extended timestamp. */
    private static final int MAX_HEADER = 18;

    private final ChunkEncoder encoder = new ChunkEncoder();

    /** An encoder starting at the default chunk size of 128 bytes. */
    public RtmpChunkEncoder() {
        super(RtmpMessage.class);
    }

    /** The sans-IO encoder, for its outgoing chunk size. Use only on the channel's EventLoop. */
    public ChunkEncoder chunkEncoder() {
        return encoder;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, RtmpMessage msg, boolean preferDirect) {
        int length = msg.length();
        int chunks = Math.max(1, (length + encoder.chunkSize() - 1) / encoder.chunkSize());
        int size = length + MAX_HEADER + (chunks - 1) * 7; // 3-byte basic + 4-byte extended per continuation
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, RtmpMessage msg, ByteBuf out) {
        encoder.encode(msg, out);
    }
}
