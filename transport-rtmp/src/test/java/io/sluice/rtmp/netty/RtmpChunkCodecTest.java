package io.sluice.rtmp.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.EncoderException;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtmpChunkCodecTest {

    @Test
    void encoderThenDecoderThroughEmbeddedChannels() {
        EmbeddedChannel sender = new EmbeddedChannel(new RtmpChunkEncoder());
        EmbeddedChannel receiver = new EmbeddedChannel(new RtmpChunkDecoder());
        Random rnd = new Random(3);
        byte[][] payloads = new byte[20][];

        ByteBuf scs = Unpooled.buffer().writeInt(4096);
        assertTrue(sender.writeOutbound(new RtmpMessage(2, 1, 0, 0, scs)));
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = new byte[rnd.nextInt(10_000)];
            rnd.nextBytes(payloads[i]);
            assertTrue(sender.writeOutbound(new RtmpMessage(6, 9, 1, 40L * i, Unpooled.wrappedBuffer(payloads[i]))));
        }
        assertEquals(4096, sender.pipeline().get(RtmpChunkEncoder.class).chunkEncoder().chunkSize());

        // Deliver the bytes in odd-sized pieces.
        CompositeByteBuf all = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        for (ByteBuf b; (b = sender.readOutbound()) != null; ) {
            all.addComponent(true, b);
        }
        while (all.isReadable()) {
            receiver.writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + rnd.nextInt(700))));
        }
        all.release();

        RtmpMessage first = receiver.readInbound();
        assertEquals(1, first.messageTypeId());
        first.release();
        assertEquals(4096, receiver.pipeline().get(RtmpChunkDecoder.class).chunkDecoder().chunkSize());
        for (int i = 0; i < payloads.length; i++) {
            RtmpMessage m = receiver.readInbound();
            assertEquals(40L * i, m.timestamp());
            assertArrayEquals(payloads[i], ByteBufUtil.getBytes(m.content()));
            assertTrue(m.release());
        }
        assertNull(receiver.readInbound());
        assertFalse(sender.finish());
        assertFalse(receiver.finish());
    }

    @Test
    void prechunkedMessagesInterleaveWithEncodedOnesOnTheSameChunkStream() {
        EmbeddedChannel sender = new EmbeddedChannel(new RtmpChunkEncoder());
        EmbeddedChannel receiver = new EmbeddedChannel(new RtmpChunkDecoder());
        assertTrue(sender.writeOutbound(new RtmpMessage(2, 1, 0, 0, Unpooled.buffer().writeInt(4096))));
        Random rnd = new Random(5);
        byte[][] payloads = new byte[6][];
        // timestamps around the extended-timestamp threshold; every other message shared chunks
        long[] ts = {10, 20, 0xFFFFFE, 0x1000005, 0x1000010, 0x1000020};
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = new byte[1 + rnd.nextInt(9000)];
            rnd.nextBytes(payloads[i]);
            RtmpMessage m = new RtmpMessage(6, 9, 1, ts[i], Unpooled.wrappedBuffer(payloads[i]));
            if (i % 2 == 1) {
                PrechunkedMessage p = PrechunkedMessage.of(m, 4096, UnpooledByteBufAllocator.DEFAULT);
                m.release();
                assertTrue(sender.writeOutbound(p));
            } else {
                assertTrue(sender.writeOutbound(m));
            }
        }
        for (ByteBuf b; (b = sender.readOutbound()) != null; ) {
            receiver.writeInbound(b);
        }
        RtmpMessage scs = receiver.readInbound();
        scs.release();
        for (int i = 0; i < payloads.length; i++) {
            RtmpMessage m = receiver.readInbound();
            assertEquals(ts[i], m.timestamp(), "message " + i);
            assertEquals(1, m.messageStreamId());
            assertArrayEquals(payloads[i], ByteBufUtil.getBytes(m.content()));
            assertTrue(m.release());
        }
        assertNull(receiver.readInbound());

        // Chunked for another size: the write fails and the bytes are released.
        RtmpMessage m = new RtmpMessage(6, 9, 1, 0, Unpooled.wrappedBuffer(new byte[300]));
        PrechunkedMessage wrongSize = PrechunkedMessage.of(m, 128, UnpooledByteBufAllocator.DEFAULT);
        m.release();
        assertThrows(EncoderException.class, () -> sender.writeOutbound(wrongSize));
        assertEquals(0, wrongSize.refCnt());
        assertFalse(sender.finish());
        assertFalse(receiver.finish());
    }

    @Test
    void protocolViolationSurfacesAsDecoderExceptionAndLaterBytesAreDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new RtmpChunkDecoder());
        ByteBuf bad = Unpooled.wrappedBuffer(new byte[] {0x45, 0, 0, 0, 0, 0, 1, 9, 0}); // type 1 with no type 0
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bad));
        assertInstanceOf(RtmpProtocolException.class, e.getCause());
        assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 7})));
        assertFalse(ch.finish());
    }

    @Test
    void removingTheDecoderReleasesPartialMessages() {
        EmbeddedChannel ch = new EmbeddedChannel(new RtmpChunkDecoder());
        ByteBuf half = Unpooled.buffer().writeBytes(new byte[] {6, 0, 0, 0, 0, 0, (byte) 200, 9, 1, 0, 0, 0}).writeZero(128);
        assertFalse(ch.writeInbound(half));
        ch.pipeline().remove(RtmpChunkDecoder.class);
        assertFalse(ch.finish());
    }
}
