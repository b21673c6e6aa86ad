package io.sluice.rtmp.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.core.auth.AuthorizationGate;
import io.sluice.core.auth.StreamAuthorizer;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.time.Ticker;
import io.sluice.rtmp.chunk.ChunkBufferBudget;
import io.sluice.core.netty.NettyTransport;
import io.sluice.rtmp.chunk.ChunkDecoderConfig;
import io.sluice.rtmp.handshake.RtmpHandshake;
import io.sluice.rtmp.netty.RtmpChunkDecoder;
import io.sluice.rtmp.netty.RtmpChunkEncoder;
import io.sluice.rtmp.netty.RtmpHandshakeHandler;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded RTMP (and RTMPS) server: publishers ({@code ffmpeg -f flv rtmp://host/live/key},
 * OBS) publish into a {@link StreamHub}, players ({@code ffplay rtmp://host/live/key}) play from
 * it, and the hub fans each stream out with a GOP cache so players start at a keyframe at once.
 *
 * <pre>{@code
 * try (RtmpServer server = RtmpServer.builder().port(1935).build().start()) {
 *     // rtmp://127.0.0.1:1935/live/demo is hub stream "live/demo"
 * }
 * }</pre>
 *
 * <p><b>Stream names.</b> {@code rtmp://host/APP/KEY?query} maps to hub stream {@code "APP/KEY"}
 * (app with its instance part, key without query); the query, with its {@code token}, reaches the
 * {@link StreamAuthorizer}.
 * See {@link RtmpServerSession} for the message flow.
 *
 * <p><b>Bounds.</b> Everything a peer controls is limited: handshake time, time to connect, idle
 * time, chunk size, message and command size, chunk streams, bytes of incomplete messages (per
 * connection, lower before connect, and over all connections), message streams, connections (in
 * total and per client address), and each player's queue. A peer
 * that exceeds a limit or sends malformed data is disconnected with one WARN log line naming it
 * and the violation; other connections are untouched.
 *
 * <p><b>Threads.</b> One acceptor thread and {@link Builder#ioThreads(int)} EventLoop threads,
 * owned by the server and stopped by {@link #close()}. Thread-safe. They run on
 * {@link NettyTransport#forFanOut()}: io_uring where the kernel allows it, then epoll, then NIO, unless
 * {@code -Dsluice.netty.transport} names one.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0</a>
 */
public final class RtmpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtmpServer.class);
    /** Outbound bytes per connection above which media stops being written (Netty high water mark). */
    static final int WRITE_BUFFER_HIGH = 1 << 20;
    /** Outbound bytes per connection below which media is written again (Netty low water mark). */
    static final int WRITE_BUFFER_LOW = 256 << 10;
    /** Default {@link Builder#maxConnectionsPerAddress(int)}: 32. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 32;
    /** Default {@link Builder#maxBufferedBytesBeforeConnect(int)}: 64 KiB. */
    public static final int DEFAULT_MAX_BUFFERED_BYTES_BEFORE_CONNECT = 64 << 10;
    /** Default {@link Builder#maxBufferedBytesTotal(long)}: 256 MiB. */
    public static final long DEFAULT_MAX_BUFFERED_BYTES_TOTAL = 256L << 20;
    /** One {@code n}th of {@link Builder#maxBufferedBytesTotal(long)} is kept for connections that publish. */
    static final int PUBLISHER_RESERVE_DIVISOR = 4;

    private final InetSocketAddress bindAddress;
    private final StreamHub hub;
    private final boolean ownHub;
    private final SslContext sslContext;
    private final ServerSettings settings;
    private final int maxConnections;
    private final int maxConnectionsPerAddress;
    private final ConcurrentMap<InetAddress, Integer> connectionsPerAddress = new ConcurrentHashMap<>();
    private final ChunkBufferBudget chunkBudget;
    private final int ioThreads;
    private final ConcurrentMap<String, RtmpServerSession> publishers = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder droppedFrames = new LongAdder();
    private final SharedStream.Registry sharedStreams = new SharedStream.Registry();
    private final LoopDrainer.Registry drainers;
    private final Object lock = new Object();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private ChannelGroup channels;
    private Channel serverChannel;
    private boolean started;
    private boolean closed;

    private RtmpServer(Builder b) {
        this.bindAddress = new InetSocketAddress(b.bindAddress, b.port);
        this.ownHub = b.hub == null;
        this.hub = b.hub != null ? b.hub : StreamHub.builder().replaceExistingPublisher(b.replaceExistingPublisher).build();
        this.sslContext = b.sslContext;
        ChunkDecoderConfig chunkConfig = ChunkDecoderConfig.builder().maxChunkSize(b.maxChunkSize)
                .maxMessageSize(b.maxMessageSize).maxChunkStreams(b.maxChunkStreams).maxCommandSize(b.maxCommandSize)
                .maxBufferedBytes(b.maxBufferedBytesBeforeConnect).build();
        this.settings = new ServerSettings(b.handshakeTimeout, b.idleTimeout, chunkConfig, b.maxBufferedBytes,
                b.maxStreamsPerConnection,
                b.outgoingChunkSize, b.windowAckSize, b.playerQueueFrames, new AuthorizationGate(b.authorizer, Ticker.system()));
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.chunkBudget = new ChunkBufferBudget(b.maxBufferedBytesTotal, b.maxBufferedBytesTotal / PUBLISHER_RESERVE_DIVISOR);
        this.ioThreads = b.ioThreads;
        this.drainers = new LoopDrainer.Registry(b.writeCoalescing.toNanos());
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts accepting; returns once bound.
     *
     * @return this server
     * @throws IOException           if the address cannot be bound (e.g. the port is in use): a
     *                               {@link java.net.BindException} whose message names the address and port
     * @throws IllegalStateException if started or closed before
     */
    public RtmpServer start() throws IOException {
        synchronized (lock) {
            if (started || closed) {
                throw new IllegalStateException(closed ? "server closed" : "server already started");
            }
            started = true;
            NettyTransport transport = NettyTransport.forFanOut();
            bossGroup = transport.newEventLoopGroup(1, new DefaultThreadFactory("rtmp-accept"));
            workerGroup = transport.newEventLoopGroup(ioThreads, new DefaultThreadFactory("rtmp-io"));
            channels = new DefaultChannelGroup("rtmp-server", GlobalEventExecutor.INSTANCE);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(transport.serverSocketChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_BUFFER_LOW, WRITE_BUFFER_HIGH))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accept(ch);
                        }
                    });
            try {
                serverChannel = bootstrap.bind(bindAddress).sync().channel();
            } catch (Exception e) { // Netty rethrows the bind failure (a checked IOException) from sync()
                shutdownGroups();
                BindException be = new BindException("cannot listen for RTMP on " + hostPort(bindAddress) + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.toString()));
                be.initCause(e);
                throw be;
            }
            log.debug("RTMP{} server listening on {}", sslContext != null ? "S" : "", serverChannel.localAddress());
            return this;
        }
    }

    /** {@code 127.0.0.1:1935}, {@code [::1]:1935}. */
    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void accept(SocketChannel ch) {
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            log.warn("{}: disconnected: too many connections (expected: <= {})", ch.remoteAddress(), maxConnections);
            ch.close();
            return;
        }
        InetAddress address = ch.remoteAddress() != null ? ch.remoteAddress().getAddress() : null;
        if (address != null) {
            if (connectionsPerAddress.merge(address, 1, Integer::sum) > maxConnectionsPerAddress) {
                releaseAddress(address);
                connections.decrementAndGet();
                log.warn("{}: disconnected: too many connections from {} (expected: <= {} per address)", ch.remoteAddress(),
                        address.getHostAddress(), maxConnectionsPerAddress);
                ch.close();
                return;
            }
        }
        ch.closeFuture().addListener(f -> {
            connections.decrementAndGet();
            if (address != null) {
                releaseAddress(address);
            }
        });
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (sslContext != null) {
            p.addLast("tls", sslContext.newHandler(ch.alloc()));
        }
        p.addLast("handshake", new RtmpHandshakeHandler(RtmpHandshake.server(), settings.handshakeTimeout()));
        p.addLast("chunkDecoder", new RtmpChunkDecoder(settings.chunkConfig(), chunkBudget, true));
        p.addLast("chunkEncoder", new RtmpChunkEncoder());
        p.addLast("session", new RtmpServerHandler(settings, hub, publishers, droppedFrames, sharedStreams, drainers));
    }

    private void releaseAddress(InetAddress address) {
        connectionsPerAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Bytes all connections' incomplete messages hold now (bounded by {@link Builder#maxBufferedBytesTotal}). */
    public long bufferedBytes() {
        return chunkBudget.usedBytes();
    }

    /**
     * The bound port, e.g. the ephemeral one chosen for port 0.
     *
     * @throws IllegalStateException if not started
     */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * The bound address.
     *
     * @throws IllegalStateException if not started
     */
    public InetSocketAddress localAddress() {
        synchronized (lock) {
            if (serverChannel == null) {
                throw new IllegalStateException("server not started");
            }
            return (InetSocketAddress) serverChannel.localAddress();
        }
    }

    /** Whether this server speaks RTMPS (TLS). */
    public boolean isTls() {
        return sslContext != null;
    }

    /** The hub streams are published into and played from. */
    public StreamHub hub() {
        return hub;
    }

    /**
     * Frames not delivered to players of connections that have closed: dropped GOP-aware because
     * the player could not keep up, or unsendable over RTMP (codec without an FLV mapping).
     */
    public long droppedFrames() {
        return droppedFrames.sum();
    }

    /** Open connections now. */
    public int connectionCount() {
        return connections.get();
    }

    /**
     * Stops accepting, closes every connection (ending their publications and subscriptions),
     * closes the hub if the server created it, and shuts the EventLoop threads down; returns when
     * they have stopped. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (serverChannel != null) {
                serverChannel.close().awaitUninterruptibly();
            }
            if (channels != null) {
                channels.close().awaitUninterruptibly();
            }
            if (ownHub) {
                hub.close();
            }
            shutdownGroups();
        }
    }

    private void shutdownGroups() {
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        if (bossGroup != null) {
            bossGroup.terminationFuture().awaitUninterruptibly();
        }
        if (workerGroup != null) {
            workerGroup.terminationFuture().awaitUninterruptibly();
        }
    }

    @Override
    public String toString() {
        return "RtmpServer{" + (serverChannel != null ? serverChannel.localAddress() : bindAddress) + (isTls() ? " tls" : "") + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private InetAddress bindAddress;
        private int port = 1935;
        private StreamHub hub;
        private boolean replaceExistingPublisher;
        private boolean replaceSet;
        private SslContext sslContext;
        private StreamAuthorizer authorizer = StreamAuthorizer.ALLOW_ALL;
        private Duration handshakeTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int maxChunkSize = ChunkDecoderConfig.DEFAULT_MAX_CHUNK_SIZE;
        private int maxMessageSize = ChunkDecoderConfig.DEFAULT_MAX_MESSAGE_SIZE;
        private int maxChunkStreams = ChunkDecoderConfig.DEFAULT_MAX_CHUNK_STREAMS;
        private int maxConnections = 1000;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private int maxCommandSize = ChunkDecoderConfig.DEFAULT_MAX_COMMAND_SIZE;
        private int maxBufferedBytes = ChunkDecoderConfig.DEFAULT_MAX_BUFFERED_BYTES;
        private int maxBufferedBytesBeforeConnect = DEFAULT_MAX_BUFFERED_BYTES_BEFORE_CONNECT;
        private long maxBufferedBytesTotal = DEFAULT_MAX_BUFFERED_BYTES_TOTAL;
        private int maxStreamsPerConnection = 8;
        private int outgoingChunkSize = 4096;
        private long windowAckSize = 2_500_000;
        private int playerQueueFrames = 1024;
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private Duration writeCoalescing = Duration.ZERO;

        private Builder() {
            bindAddress = InetAddress.getLoopbackAddress();
        }

        /**
         * Address to listen on; default the loopback address ({@code 127.0.0.1}: this machine only). Bind
         * {@code 0.0.0.0} (all IPv4 interfaces) to serve others, with an {@link #authorizer} on ingest.
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * @param port TCP port, 0..65535; 0 picks a free one (read it with {@link RtmpServer#port()}); default 1935
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * The hub to publish into and play from, shared with other transports (e.g. a second
         * listener, WHEP); the server does not close it. Default: a hub of the server's own, closed
         * with it.
         */
        public Builder hub(StreamHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
            return this;
        }

        /**
         * Whether a second publisher of a live stream replaces the first (which is then
         * disconnected) instead of getting NetStream.Publish.BadName. Only for the server's own
         * hub; a given hub carries its own setting. Default {@code false}.
         */
        public Builder replaceExistingPublisher(boolean replace) {
            this.replaceExistingPublisher = replace;
            this.replaceSet = true;
            return this;
        }

        /** Serves RTMPS with this context (from {@code SslContextBuilder.forServer(...)}). Default: plain RTMP. */
        public Builder tls(SslContext sslContext) {
            if (!Objects.requireNonNull(sslContext, "sslContext").isServer()) {
                throw new IllegalArgumentException("sslContext: a client context (expected: SslContextBuilder.forServer)");
            }
            this.sslContext = sslContext;
            return this;
        }

        /**
         * Serves RTMPS with a certificate chain and private key in PEM files.
         *
         * @param certificateChainPem X.509 certificate chain, PEM
         * @param privateKeyPem       the key, PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), unencrypted
         * @throws IOException if a file cannot be read or parsed
         */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) throws IOException {
            if (!Files.isReadable(certificateChainPem) || !Files.isReadable(privateKeyPem)) {
                throw new IOException("cannot read TLS certificate " + certificateChainPem + " or key " + privateKeyPem);
            }
            try {
                return tls(SslContextBuilder.forServer(certificateChainPem.toFile(), privateKeyPem.toFile()).build());
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("TLS certificate " + certificateChainPem + " / key " + privateKeyPem + ": " + e.getMessage(), e);
            }
        }

        /**
         * Who may publish and play which stream; the client's token is the {@code token} query parameter
         * ({@code rtmp://host/live/key?token=s3cret}). Default {@link StreamAuthorizer#ALLOW_ALL} (no
         * authentication: keep the default loopback bind address then).
         *
         * @see io.sluice.core.auth.TokenAuthorizer
         */
        public Builder authorizer(StreamAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /**
         * Time from accept to a completed handshake (RTMP spec §5.2), and again from the handshake to
         * the {@code connect} command, &gt; 0; default 5 s. A connection over either is closed with a
         * WARN line.
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /**
         * Idle limit, &gt; 0; default 30 s. A connection is closed when for this long no complete
         * message arrived and no write of media completed (a silent publisher; a peer trickling bytes
         * that complete no message; a player that gets nothing and does not answer the PingRequest
         * sent after half of it), when outbound bytes stayed pending this long without any write
         * completing (a player that stopped reading), or when it neither publishes nor plays this long
         * after its {@code connect}.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = positive("idleTimeout", timeout);
            return this;
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        /** Largest chunk size a peer may announce with SetChunkSize, bytes, 128..2147483647; default 65536. */
        public Builder maxChunkSize(int bytes) {
            ChunkDecoderConfig.builder().maxChunkSize(bytes); // validates
            this.maxChunkSize = bytes;
            return this;
        }

        /** Largest message a peer may send, bytes, 1..16777215; default 8 MiB. */
        public Builder maxMessageSize(int bytes) {
            ChunkDecoderConfig.builder().maxMessageSize(bytes);
            this.maxMessageSize = bytes;
            return this;
        }

        /** Distinct chunk stream ids a peer may use per connection, 1..65598; default 64. */
        public Builder maxChunkStreams(int count) {
            ChunkDecoderConfig.builder().maxChunkStreams(count);
            this.maxChunkStreams = count;
            return this;
        }

        /**
         * Largest command, data or shared-object message (AMF {@code connect}, {@code publish},
         * {@code @setDataFrame}...), bytes, 1..16777215; default 64 KiB. A longer one closes the
         * connection when its chunk header arrives, before anything is buffered.
         */
        public Builder maxCommandSize(int bytes) {
            ChunkDecoderConfig.builder().maxCommandSize(bytes);
            this.maxCommandSize = bytes;
            return this;
        }

        /**
         * Bytes of incomplete (still arriving) messages one connection may hold once it has
         * connected, summed over its chunk streams, 1..2^31-1; default 16 MiB (two messages of the
         * default maximum size). A chunk that would go past it closes the connection.
         */
        public Builder maxBufferedBytes(int bytes) {
            ChunkDecoderConfig.builder().maxBufferedBytes(bytes);
            this.maxBufferedBytes = bytes;
            return this;
        }

        /**
         * The same limit before the connection's {@code connect} was accepted, 1..2^31-1; default
         * 64 KiB (a connect is under 1 KiB). Until then messages are also decoded one at a time, so
         * nothing sent behind the connect is buffered under the larger limit.
         */
        public Builder maxBufferedBytesBeforeConnect(int bytes) {
            ChunkDecoderConfig.builder().maxBufferedBytes(bytes);
            this.maxBufferedBytesBeforeConnect = bytes;
            return this;
        }

        /**
         * Bytes of incomplete messages all connections together may hold, 1..2^40; default 256 MiB.
         * The connection whose chunk would go past it is closed; the others keep theirs. A quarter of it is
         * kept for connections whose {@code publish} was accepted: the others (players, peers that never
         * publish, half-message floods) are closed when they would go past three quarters, so that they can
         * never leave a publisher without room for its next frame.
         */
        public Builder maxBufferedBytesTotal(long bytes) {
            if (bytes < 1 || bytes > 1L << 40) {
                throw new IllegalArgumentException("maxBufferedBytesTotal: " + bytes + " (expected: 1..1099511627776)");
            }
            this.maxBufferedBytesTotal = bytes;
            return this;
        }

        /**
         * Open connections from one client IP address at most, 1..1000000; more are closed at accept
         * with a WARN line. Default 32, so that one client
         * cannot take all of {@link #maxConnections(int)}.
         */
        public Builder maxConnectionsPerAddress(int count) {
            if (count < 1 || count > 1_000_000) {
                throw new IllegalArgumentException("maxConnectionsPerAddress: " + count + " (expected: 1..1000000)");
            }
            this.maxConnectionsPerAddress = count;
            return this;
        }

        /** Open connections at most, 1..1000000; more are closed at accept. Default 1000. */
        public Builder maxConnections(int count) {
            if (count < 1 || count > 1_000_000) {
                throw new IllegalArgumentException("maxConnections: " + count + " (expected: 1..1000000)");
            }
            this.maxConnections = count;
            return this;
        }

        /** createStream calls allowed per connection, 1..1024; default 8. */
        public Builder maxStreamsPerConnection(int count) {
            if (count < 1 || count > 1024) {
                throw new IllegalArgumentException("maxStreamsPerConnection: " + count + " (expected: 1..1024)");
            }
            this.maxStreamsPerConnection = count;
            return this;
        }

        /** Chunk size the server sends with (announced by SetChunkSize on connect), bytes, 128..65536; default 4096. */
        public Builder outgoingChunkSize(int bytes) {
            if (bytes < 128 || bytes > 65536) {
                throw new IllegalArgumentException("outgoingChunkSize: " + bytes + " (expected: 128..65536)");
            }
            this.outgoingChunkSize = bytes;
            return this;
        }

        /** Window acknowledgement size and peer bandwidth announced on connect, bytes, 4096..2^31-1; default 2500000. */
        public Builder windowAcknowledgementSize(long bytes) {
            if (bytes < 4096 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("windowAcknowledgementSize: " + bytes + " (expected: 4096..2147483647)");
            }
            this.windowAckSize = bytes;
            return this;
        }

        /**
         * Frames a player may have waiting while its socket is full before whole GOP runs are
         * dropped (never a frame whose reference was dropped; audio last), 16..100000. The frames
         * are shared with the hub, so this bounds delay more than memory. Default 1024 (above the
         * hub's GOP cache, so a joining player gets the whole cached GOP).
         */
        public Builder playerQueueFrames(int frames) {
            if (frames < 16 || frames > 100_000) {
                throw new IllegalArgumentException("playerQueueFrames: " + frames + " (expected: 16..100000)");
            }
            this.playerQueueFrames = frames;
            return this;
        }

        /**
         * How long the frames a publisher sends are gathered before they are written to the players,
         * 0..100 ms; default 0 (each frame is written as soon as it arrives). With a window, the
         * frames that arrive within it (e.g. an audio and a video frame) go to each player in one
         * socket write, which costs the server fewer writes and wake-ups of the players' side, and
         * adds up to the window to the players' delay.
         */
        public Builder writeCoalescing(Duration window) {
            if (window.isNegative() || window.compareTo(Duration.ofMillis(100)) > 0) {
                throw new IllegalArgumentException("writeCoalescing: " + window + " (expected: 0..100 ms)");
            }
            this.writeCoalescing = window;
            return this;
        }

        /** EventLoop threads for connections, 1..1024; default: available processors. */
        public Builder ioThreads(int threads) {
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("ioThreads: " + threads + " (expected: 1..1024)");
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * @return a server, not started
         * @throws IllegalStateException if {@link #replaceExistingPublisher(boolean)} was set together with a given hub
         */
        public RtmpServer build() {
            if (hub != null && replaceSet) {
                throw new IllegalStateException("replaceExistingPublisher applies to the server's own hub only; "
                        + "build the given hub with StreamHub.Builder.replaceExistingPublisher instead");
            }
            return new RtmpServer(this);
        }
    }
}
