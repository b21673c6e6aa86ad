package io.sluice.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/** Feeds a {@link ChunkDecoder} the way a transport does: cumulating unread bytes between calls. */
final class ChunkTestSupport {
    private ChunkTestSupport() {
    }

    /** Decodes {@code wire} in pieces of {@code step} bytes; the caller owns the returned messages. */
    static List<RtmpMessage> decodeInSteps(ChunkDecoder decoder, byte[] wire, int step) {
        List<RtmpMessage> out = new ArrayList<>();
        ByteBuf cumulation = Unpooled.buffer();
        try {
            for (int i = 0; i < wire.length; i += step) {
                cumulation.writeBytes(wire, i, Math.min(step, wire.length - i));
                decoder.decode(cumulation, out);
                // Like ByteToMessageDecoder: never move bytes that decoded messages still slice.
                if (cumulation.refCnt() == 1) {
                    cumulation.discardReadBytes();
                } else {
                    ByteBuf fresh = Unpooled.buffer().writeBytes(cumulation);
                    cumulation.release();
                    cumulation = fresh;
                }
            }
            if (cumulation.isReadable()) {
                throw new AssertionError(cumulation.readableBytes() + " bytes left undecoded");
            }
            return out;
        } catch (RuntimeException | AssertionError e) {
            out.forEach(RtmpMessage::release);
            throw e;
        } finally {
            cumulation.release();
        }
    }

    static void releaseAll(List<RtmpMessage> messages) {
        messages.forEach(RtmpMessage::release);
    }
}
