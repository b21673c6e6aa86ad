package io.sluice.http.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.netty.NettyTransport;
import io.sluice.core.netty.http.HttpConnectionGuard;
import io.sluice.core.netty.http.HttpServerPipeline;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A standalone HTTP server for {@link HttpDelivery}: HLS and LL-HLS of a hub's streams at
 * {@code http://<bind>/hls/<stream>/index.m3u8}, DASH at {@code /dash/<stream>/manifest.mpd}. Loopback by
 * default. Everything else is 404. HTTP/1.1 and HTTP/2 (h2c by upgrade or prior knowledge; h2 by ALPN with
 * {@link Builder#tls}) through the {@link HttpServerPipeline} every Sluice server uses, with its bounds.
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
    private final SslContext tls;
    private final HttpConnectionGuard.Limits limits;
    private final HttpServerPipeline.Builder pipeline;
    private final Object lifecycle = new Object();
    private EventLoopGroup group;
    private Channel channel;
    private boolean started;
    private boolean closed;

    private HttpDeliveryServer(Builder b) {
        this.delivery = b.delivery.build();
        this.bind = b.bind;
        this.ioThreads = b.ioThreads;
        this.tls = b.tls;
        this.pipeline = b.pipeline;
        // A blocked playlist request waits up to 3 × the target duration (RFC 8216bis §6.2.5.2): the request
        // timeout leaves room for that with long segments.
        this.limits = new HttpConnectionGuard.Limits(b.maxConnections, b.maxConnectionsPerAddress,
                Duration.ofSeconds(60), Duration.ofSeconds(30));
        pipeline.limits(limits);
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
            group = NettyTransport.current().newEventLoopGroup(ioThreads, new DefaultThreadFactory("sluice-http", true));
            try {
                ChannelHandler handler = delivery.newHandler();
                channel = pipeline.handler(() -> handler).build().listen(group, bind);
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

    /** {@code http://host:port/} ({@code https://} with {@link Builder#tls}), with a trailing slash. */
    public String httpUrl() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (tls != null ? "https://" : "http://") + host + ":" + a.getPort() + "/";
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

    /** Configures an {@link HttpDeliveryServer}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final HttpDelivery.Builder delivery;
        private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private int ioThreads = 1;
        private final HttpServerPipeline.Builder pipeline = HttpServerPipeline.builder().maxContentLength(16 * 1024);
        private SslContext tls;
        private int maxConnections = 4096;
        private int maxConnectionsPerAddress = 256;

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

        /**
         * Serves HTTPS with this server context: HTTP/2 by ALPN when it was built with
         * {@link HttpServerPipeline#ALPN}, else HTTP/1.1. Default: clear text (HTTP/1.1 and h2c).
         *
         * @throws IllegalArgumentException if {@code context} is a client context
         */
        public Builder tls(SslContext context) {
            pipeline.tls(context);
            this.tls = context;
            return this;
        }

        /**
         * Most open connections in total and from one client IP address (an HTTP/2 connection counts once);
         * one more gets 503 and is closed. Default 4096 and 256 (an origin's clients are often a few CDN edges,
         * each with many connections).
         *
         * @throws IllegalArgumentException unless 1 ≤ perAddress ≤ total ≤ 1000000
         */
        public Builder maxConnections(int total, int perAddress) {
            if (perAddress < 1 || perAddress > total || total > 1_000_000) {
                throw new IllegalArgumentException("maxConnections: " + total + ", per address: " + perAddress
                        + " (expected: 1 <= perAddress <= total <= 1000000)");
            }
            this.maxConnections = total;
            this.maxConnectionsPerAddress = perAddress;
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
