package io.sluice.webrtc.mux;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** Receiving one UDP datagram from a non-blocking NIO {@link DatagramChannel} straight into a Netty buffer. */
public final class Datagrams {
    private Datagrams() {
    }

    /**
     * Receives one datagram into {@code into}, replacing its content: on return its readable bytes are the datagram
     * (truncated to its capacity, as {@link DatagramChannel#receive} does). Works for pooled buffers, whose NIO view
     * starts at their offset in a shared chunk rather than at 0.
     *
     * @param channel a non-blocking channel
     * @param into    the buffer to fill (borrowed: the caller keeps ownership); cleared first
     * @return the sender, or {@code null} when no datagram was waiting ({@code into} is then empty)
     * @throws IOException as {@link DatagramChannel#receive}
     */
    public static InetSocketAddress receive(DatagramChannel channel, ByteBuf into) throws IOException {
        into.clear();
        ByteBuffer nio = into.internalNioBuffer(0, into.capacity());
        int start = nio.position();
        InetSocketAddress from = (InetSocketAddress) channel.receive(nio);
        into.writerIndex(from == null ? 0 : nio.position() - start);
        return from;
    }
}
