package io.sluice.webrtc.ice;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * A datagram an engine wants sent. Returned by {@code pollTransmit()}: the caller owns
 * {@link #content()} and must release it (the Netty adapter does so by writing it in a
 * {@code DatagramPacket}).
 *
 * @param source      the local socket to send from
 * @param destination the peer address
 * @param content     the datagram bytes; owned by the caller
 */
public record Transmit(InetSocketAddress source, InetSocketAddress destination, ByteBuf content) {
}
