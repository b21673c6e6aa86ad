package io.sluice.rtmp.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.sluice.rtmp.chunk.ChunkBufferBudget;
import io.sluice.rtmp.chunk.ChunkDecoder;
import io.sluice.rtmp.chunk.ChunkDecoderConfig;
import io.sluice.rtmp.chunk.RtmpMessage;
import java.util.List;
import java.util.Objects;

/**
 * Netty adapter for {@link ChunkDecoder}: turns inbound chunk stream bytes into
 * {@link io.sluice.rtmp.chunk.RtmpMessage}s, which downstream handlers own and must release.
 * Place it after the handshake has completed.
 *
 * <p>A protocol violation reaches {@code exceptionCaught} as a {@link DecoderException} whose
 * cause is an {@link io.sluice.rtmp.RtmpProtocolException}; bytes arriving after that are
 * discarded, and the connection should be closed. Not sharable: one instance per channel.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#53-chunking">RTMP spec §5.3</a>
 */
public final class RtmpChunkDecoder extends ByteToMessageDecoder {
    private final ChunkDecoderConfig config;
    private final ChunkBufferBudget budget;
    private final boolean stopAfterMessage;
    private ChunkDecoder decoder;

    /** A decoder with {@link ChunkDecoderConfig#defaults()}. */
    public RtmpChunkDecoder() {
        this(ChunkDecoderConfig.defaults());
    }

    /** @param config limits enforced on the peer */
    public RtmpChunkDecoder(ChunkDecoderConfig config) {
        this(config, null, false);
    }

    /**
     * @param config           limits enforced on the peer
     * @param budget           shared with other connections for bytes of incomplete messages, or {@code null}
     * @param stopAfterMessage whether the decoder starts in {@link ChunkDecoder#setStopAfterMessage one message at a time}
     *                         mode, so that downstream handlers see each message (e.g. {@code connect}) before the
     *                         next is decoded and may change the limits in between
     */
    public RtmpChunkDecoder(ChunkDecoderConfig config, ChunkBufferBudget budget, boolean stopAfterMessage) {
        this.config = Objects.requireNonNull(config, "config");
        this.budget = budget;
        this.stopAfterMessage = stopAfterMessage;
    }

    /**
     * The sans-IO decoder, for its incoming chunk size and {@link ChunkDecoder#bytesRead()}.
     *
     * @throws IllegalStateException before the handler was added to a pipeline
     */
    public ChunkDecoder chunkDecoder() {
        if (decoder == null) {
            throw new IllegalStateException("not added to a pipeline yet");
        }
        return decoder;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        decoder = new ChunkDecoder(config, ctx.alloc(), budget);
        decoder.setStopAfterMessage(stopAfterMessage);
        super.handlerAdded(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decoder.isFailed()) {
            in.skipBytes(in.readableBytes());
            return;
        }
        decoder.decode(in, out);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        decoder.close();
    }
}
