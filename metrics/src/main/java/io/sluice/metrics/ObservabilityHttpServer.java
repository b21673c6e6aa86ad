package io.sluice.metrics;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.netty.NettyTransport;
import io.sluice.core.netty.http.HttpConnectionGuard;
import io.sluice.core.netty.http.HttpServerPipeline;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A standalone HTTP port for {@link ObservabilityHttpHandler}, for applications that run the servers
 * without a shared HTTP port: one I/O thread, requests up to 64 KiB, 404 for other paths, HTTP/1.1 and h2c
 * ({@link HttpServerPipeline}), at most 64 connections (16 per address). Bind it
 * to loopback unless a token is set.
 */
public final class ObservabilityHttpServer implements AutoCloseable {
    /** Request bodies larger than this get 413 (the API takes none). */
    static final int MAX_REQUEST_BYTES = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel channel;

    private ObservabilityHttpServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Binds {@code address} (port 0 picks a free one) and serves {@code handler}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static ObservabilityHttpServer start(ObservabilityHttpHandler handler, InetSocketAddress address) throws IOException {
        Objects.requireNonNull(handler, "handler");
        EventLoopGroup group = NettyTransport.current().newEventLoopGroup(1, new DefaultThreadFactory("sluice-observability-http", true));
        try {
            Channel ch = HttpServerPipeline.builder().limits(new HttpConnectionGuard.Limits(64, 16, Duration.ofSeconds(10),
                    Duration.ofSeconds(30))).maxContentLength(MAX_REQUEST_BYTES).handler(() -> handler).build()
                    .listen(group, address);
            return new ObservabilityHttpServer(group, ch);
        } catch (Exception e) { // Netty rethrows the checked BindException from syncUninterruptibly()
            group.shutdownGracefully();
            throw new IOException("cannot bind " + address + ": " + e.getMessage(), e);
        }
    }

    /** The bound address. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
