package io.sluice.rtmp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToByteEncoder;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;

/**
 * Netty adapter for {@link ChunkEncoder}: writes outbound {@link RtmpMessage}s as chunks. Takes
 * ownership of each message written (releases it, on failure too, as {@link MessageToByteEncoder}
 * does). Writing a SetChunkSize message switches the outgoing chunk size after it.
 *
 * <p>A {@link PrechunkedMessage} is written as it is (its bytes may be shared with other
 * channels), after checking that it was chunked with this channel's chunk size; the chunk stream
 * it used starts again with a type 0 header afterwards ({@link ChunkEncoder#forget(int)}). A
 * prechunked message with another chunk size fails the write with an {@link EncoderException}
 * (and is released). Not sharable: one instance per channel.
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

    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof PrechunkedMessage m) {
            writePrechunked(ctx, m, promise);
            return;
        }
        super.write(ctx, msg, promise);
    }

    /**
     * Writes a prechunked message as {@link #write} would, from this encoder's place in the pipeline, for the
     * handler behind it that writes many of them (one pipeline step fewer per message). Only on the channel's
     * EventLoop, after this encoder was added to the pipeline.
     *
     * @param m       ownership passes here: to the next handler with the bytes, or released if the write fails
     * @param promise completed (or failed: {@link EncoderException} if {@code m} was chunked for another chunk
     *                size) when the bytes are written
     * @throws IllegalStateException if this encoder is not in a pipeline ({@code m} is released)
     */
    public void writePrechunked(PrechunkedMessage m, ChannelPromise promise) {
        if (ctx == null) {
            m.release();
            throw new IllegalStateException("RtmpChunkEncoder is not in a pipeline");
        }
        writePrechunked(ctx, m, promise);
    }

    private void writePrechunked(ChannelHandlerContext ctx, PrechunkedMessage m, ChannelPromise promise) {
        if (m.chunkSize() != encoder.chunkSize()) {
            EncoderException e = new EncoderException(m + ": chunked for size " + m.chunkSize()
                    + ", but this connection's outgoing chunk size is " + encoder.chunkSize());
            m.release();
            promise.setFailure(e);
            return;
        }
        encoder.forget(m.chunkStreamId());
        ctx.write(m.content(), promise); // ownership of the bytes passes on with the holder's reference
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
