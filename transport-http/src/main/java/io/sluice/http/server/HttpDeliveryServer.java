package io.sluice.http.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.hub.StreamHub;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A standalone HTTP/1.1 server for {@link HttpDelivery}: HLS and LL-HLS of a hub's streams at
 * {@code http://<bind>/hls/<stream>/index.m3u8}. Loopback by default. Everything else is 404.
 *
 * <pre>{@code
 * try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub).build()) {
 *     server.start();
 *     String url = server.httpUrl() + "hls/live/index.m3u8";
 * }
 * }</pre>
 */
public final class HttpDeliveryServer implements AutoCloseable {
    private final HttpDelivery delivery;
    private final InetSocketAddress bind;
    private final int ioThreads;
    private final Object lifecycle = new Object();
    private EventLoopGroup group;
    private Channel channel;
    private boolean started;
    private boolean closed;

    private HttpDeliveryServer(Builder b) {
        this.delivery = b.delivery.build();
        this.bind = b.bind;
        this.ioThreads = b.ioThreads;
    }

    /** A builder serving {@code hub}; {@link Builder#delivery} configures segmenting and playlists. */
    public static Builder builder(StreamHub hub) {
        return new Builder(hub);
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalStateException if already started or closed, or the address cannot be bound (the server is closed again)
     */
    public void start() {
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException("start: server is " + (closed ? "closed" : "started"));
            }
            started = true;
            group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("sluice-http", true), NioIoHandler.newFactory());
            try {
                channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 * 1024),
                                        delivery.newHandler(), new NotFound());
                            }
                        })
                        .bind(bind).syncUninterruptibly().channel();
            } catch (RuntimeException e) {
                close();
                throw new IllegalStateException("cannot bind HTTP " + bind + ": " + e, e);
            }
        }
    }

    /** The bound address. @throws IllegalStateException before {@link #start()} */
    public InetSocketAddress address() {
        synchronized (lifecycle) {
            if (channel == null) {
                throw new IllegalStateException("not started");
            }
            return (InetSocketAddress) channel.localAddress();
        }
    }

    /** {@code http://host:port/}, with a trailing slash. */
    public String httpUrl() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + a.getPort() + "/";
    }

    public HttpDelivery delivery() {
        return delivery;
    }

    /** Stops serving; blocked requests get 503. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        delivery.close();
        if (channel != null) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** 404 for whatever the delivery handler passed on. */
    private static final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                    Unpooled.copiedBuffer("not found\n", StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").set(HttpHeaderNames.CONTENT_LENGTH,
                    r.content().readableBytes());
            HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(req));
            ctx.writeAndFlush(r);
        }
    }

    /** Configures an {@link HttpDeliveryServer}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final HttpDelivery.Builder delivery;
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private int ioThreads = 1;

        private Builder(StreamHub hub) {
            this.delivery = HttpDelivery.builder(hub);
        }

        /** Address to listen on; default loopback, an ephemeral port. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Netty I/O threads, 1..64; default 1. */
        public Builder ioThreads(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("ioThreads: " + n + " (expected: 1..64)");
            }
            ioThreads = n;
            return this;
        }

        /** Configures the delivery (segment and part targets, window, limits). */
        public Builder delivery(Consumer<HttpDelivery.Builder> configure) {
            configure.accept(delivery);
            return this;
        }

        public HttpDeliveryServer build() {
            return new HttpDeliveryServer(this);
        }
    }
}
