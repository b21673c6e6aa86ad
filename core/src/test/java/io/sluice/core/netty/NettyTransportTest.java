package io.sluice.core.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class NettyTransportTest {

    @Test
    void propertyValuesChooseAndBadValueIsNamed() {
        assertEquals(NettyTransport.NIO, NettyTransport.choose("nio"));
        assertEquals(NettyTransport.NIO, NettyTransport.choose(" NIO "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NettyTransport.choose("kqueue"));
        assertTrue(e.getMessage().contains("kqueue"), e.getMessage());
    }

    @Test
    void linuxX8664HasANativeTransport() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").equals("amd64"), "natives ship for linux-x86_64 only");
        assertTrue(NettyTransport.EPOLL.isAvailable(), "epoll natives did not load");
        assertEquals(NettyTransport.EPOLL, NettyTransport.choose("epoll"));
        NettyTransport auto = NettyTransport.choose("auto");
        assertTrue(auto == NettyTransport.IO_URING || auto == NettyTransport.EPOLL, auto.label());
    }

    /** Each available transport carries bytes over TCP and a datagram over UDP on loopback. */
    @ParameterizedTest
    @EnumSource(NettyTransport.class)
    void tcpAndUdpEchoOnLoopback(NettyTransport t) throws Exception {
        assumeTrue(t.isAvailable(), t.label() + " not available here");
        EventLoopGroup group = t.newEventLoopGroup(1, new DefaultThreadFactory("transport-test-" + t.label(), true));
        try {
            InetAddress lo = InetAddress.getLoopbackAddress();
            CompletableFuture<String> tcp = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(t.serverSocketChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    tcp.complete(msg.toString(StandardCharsets.US_ASCII));
                                }
                            });
                        }
                    }).bind(lo, 0).sync().channel();
            Channel client = new Bootstrap().group(group).channel(t.socketChannel())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("tcp", StandardCharsets.US_ASCII)).sync();
            assertEquals("tcp", tcp.get(5, TimeUnit.SECONDS));
            client.close().sync();
            server.close().sync();

            CompletableFuture<String> udp = new CompletableFuture<>();
            Channel receiver = new Bootstrap().group(group).channel(t.datagramChannel())
                    .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            udp.complete(p.content().toString(StandardCharsets.US_ASCII));
                        }
                    }).bind(lo, 0).sync().channel();
            Channel sender = new Bootstrap().group(group).channel(t.datagramChannel())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                        }
                    }).bind(lo, 0).sync().channel();
            sender.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer("udp", StandardCharsets.US_ASCII),
                    (InetSocketAddress) receiver.localAddress())).sync();
            assertEquals("udp", udp.get(5, TimeUnit.SECONDS));
            sender.close().sync();
            receiver.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
