package io.sluice.webrtc.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.Test;

/**
 * {@link Datagrams#receive} into pooled buffers: the second 2 KiB buffer of a pooled heap allocator sits at offset
 * 2048 of its chunk, so its NIO view starts there; the WHIP client once took that view's position for the datagram's
 * length (a publisher failed at its first datagram with "writerIndex: 245836 ... capacity(2048)").
 */
class DatagramsTest {
    @Test
    void receivesIntoPooledBuffersAtAnyOffset() throws Exception {
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(false);
        ByteBuf first = alloc.heapBuffer(2048, 2048);
        ByteBuf second = alloc.heapBuffer(2048, 2048);
        try (DatagramChannel rx = DatagramChannel.open(); DatagramChannel tx = DatagramChannel.open()) {
            rx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
            tx.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertTrue(second.internalNioBuffer(0, 2048).position() > 0 || first.internalNioBuffer(0, 2048).position() > 0,
                    "one of two pooled buffers is at a non-zero offset of its chunk");
            assertNull(Datagrams.receive(rx, second), "nothing waiting");
            assertEquals(0, second.readableBytes());
            for (ByteBuf into : new ByteBuf[] {first, second, second}) {
                byte[] sent = new byte[100 + into.hashCode() % 50 + 50];
                for (int i = 0; i < sent.length; i++) {
                    sent[i] = (byte) (i * 7);
                }
                tx.send(ByteBuffer.wrap(sent), rx.getLocalAddress());
                InetSocketAddress from = null;
                for (int tries = 0; tries < 200 && from == null; tries++) {
                    from = Datagrams.receive(rx, into);
                    if (from == null) {
                        Thread.sleep(5);
                    }
                }
                assertNotNull(from, "datagram not received");
                assertEquals(tx.getLocalAddress(), from);
                assertArrayEquals(sent, ByteBufUtil.getBytes(into), "the buffer holds exactly the datagram");
            }
        } finally {
            first.release();
            second.release();
        }
    }
}
