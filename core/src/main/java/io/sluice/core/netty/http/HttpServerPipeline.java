package io.sluice.core.netty.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.sluice.core.netty.NettyTransport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.WeightedFairQueueByteDistributor;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pipeline of every Sluice HTTP server: HTTP/1.1 and HTTP/2 on the same port, each request handed
 * to the same HTTP/1 object handlers as a bounded {@code FullHttpRequest}, so a handler written for
 * HTTP/1.1 serves HTTP/2 streams unchanged.
 *
 * <p>Per accepted connection:
 * <pre>
 * HttpConnectionGuard (connections in total and per address; request and idle time)
 *  ├─ TLS (if {@link Builder#tls}): SslHandler → ALPN (RFC 7301): "h2" → HTTP/2, "http/1.1" or none → HTTP/1.1
 *  └─ clear text: HTTP/2 with prior knowledge (the RFC 9113 §3.3 preface) or by {@code Upgrade: h2c} on the first
 *     HTTP/1.1 request (RFC 7540 §3.2; its request becomes stream 1); otherwise HTTP/1.1
 * HTTP/1.1: HttpServerCodec → BoundedHttpAggregator → the handlers → 404
 * HTTP/2:   Http2FrameCodec → Http2MultiplexHandler → per stream (a child channel):
 *           Http2StreamFrameToHttpObjectCodec → BoundedHttpAggregator → the handlers → 404
 * </pre>
 * Over HTTP/2 a response's {@code HttpContent}s go out as DATA frames as they are written (what HTTP/1.1 sends as
 * chunks), connection-specific headers ({@code Connection}, {@code Transfer-Encoding}, {@code Keep-Alive}) are
 * dropped (RFC 9113 §8.2.2), and closing the stream's channel before the response ends resets the stream
 * ({@code RST_STREAM CANCEL}), not the connection.
 *
 * <p>Bounds a peer meets: the guard counts TCP connections (an HTTP/2 connection is one, however many streams it
 * opens), each HTTP/2 connection carries at most {@link Builder#maxConcurrentStreams} streams at once (more are
 * refused with {@code RST_STREAM REFUSED_STREAM}), each stream must complete its request within the limits'
 * request timeout (else it is reset) and header lists of at most {@link Builder#maxHeaderListSize}
 * bytes; Netty's frame codec also bounds {@code RST_STREAM} floods (200 per 30 s) and empty DATA frames. A
 * request body over {@link Builder#maxContentLength} gets 413 (HTTP/1.1: the connection closes; HTTP/2: the
 * stream is reset). Sharable: one instance initializes every connection of a server.
 */
@ChannelHandler.Sharable
public final class HttpServerPipeline extends ChannelInitializer<Channel> {
    private static final Logger log = LoggerFactory.getLogger(HttpServerPipeline.class);
    /** Default most concurrent HTTP/2 streams per connection: 100 (RFC 9113 §6.5.2 recommends ≥ 100). */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    /**
     * Default largest HTTP/2 header list (uncompressed, RFC 9113 §6.5.2), bytes: 8 KiB, as HTTP/1.1's header
     * section (Netty's {@code HttpDecoderConfig} default, beside a 4 KiB request line).
     */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 8 * 1024;

    /**
     * ALPN for a server {@code SslContext} that serves this pipeline: {@code h2} preferred, {@code http/1.1}
     * as fallback. Pass it to {@code SslContextBuilder.applicationProtocolConfig(...)}; a context without it
     * serves HTTP/1.1 only over TLS.
     */
    public static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    private final HttpConnectionGuard.Limits limits;
    private final SslContext tls;
    private final int maxContentLength;
    private final List<Supplier<? extends ChannelHandler>> handlers;
    private final boolean http2;
    private final int maxConcurrentStreams;
    private final int maxHeaderListSize;

    private HttpServerPipeline(Builder b) {
        this.limits = Objects.requireNonNull(b.limits, "limits");
        this.tls = b.tls;
        this.maxContentLength = b.maxContentLength;
        this.handlers = List.copyOf(b.handlers);
        this.http2 = b.http2;
        this.maxConcurrentStreams = b.maxConcurrentStreams;
        this.maxHeaderListSize = b.maxHeaderListSize;
        if (handlers.isEmpty()) {
            throw new IllegalArgumentException("handlers: none (expected: at least one)");
        }
    }

    /** A builder; {@link Builder#limits} and at least one {@link Builder#handler} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The connection limits and counters this pipeline's guards share. */
    public HttpConnectionGuard.Limits limits() {
        return limits;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new HttpConnectionGuard(limits));
        if (tls != null) {
            p.addLast(tls.newHandler(ch.alloc()));
            p.addLast(new AlpnSwitch());
        } else if (http2) {
            HttpServerCodec codec = newHttp1Codec();
            HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
                    AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                            ? new Http2ServerUpgradeCodec(newHttp2FrameCodec(ch), newHttp2Multiplexer()) : null,
                    maxContentLength);
            p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel c) {
                    c.pipeline().addLast(newHttp2FrameCodec(c), newHttp2Multiplexer());
                }
            }));
            p.addLast(new Http1Start());
        } else {
            p.addLast(newHttp1Codec());
            addRequestHandlers(p);
        }
    }

    private static HttpServerCodec newHttp1Codec() {
        return new HttpServerCodec();
    }

    /**
     * The HTTP/2 frame codec of connection {@code ch}, which it also configures for large responses.
     *
     * <p>Per-frame overheads, found serving 750 KB media segments to h2load with 8 streams per connection: Netty's
     * default stream byte distributor hands each active stream 1 KiB per turn, so concurrent responses went out as
     * 1 KiB DATA frames (a promise, a queue removal and a frame header each); it now hands out
     * {@value #HTTP2_ALLOCATION_QUANTUM} bytes (one default-sized DATA frame, RFC 9113 §4.2). And the flow controller
     * writes only while the connection is writable, so with the default 64 KiB high water mark a large response
     * went out in 32–64 KiB rounds of an event-loop turn each; an HTTP/2 connection's water marks are now
     * {@value #HTTP2_LOW_WATER_MARK}/{@value #HTTP2_HIGH_WATER_MARK} bytes (what is queued is mostly slices of
     * shared response bodies, not copies).
     */
    private Http2FrameCodec newHttp2FrameCodec(Channel ch) {
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(HTTP2_LOW_WATER_MARK, HTTP2_HIGH_WATER_MARK));
        return new ServerFrameCodecBuilder()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(maxConcurrentStreams)
                        .maxHeaderListSize(maxHeaderListSize))
                .validateHeaders(true)
                .build();
    }

    /** Bytes a stream may send per turn of the HTTP/2 stream byte distributor: one 16 KiB DATA frame. */
    static final int HTTP2_ALLOCATION_QUANTUM = 16 * 1024;
    /** Write buffer water marks of an HTTP/2 connection, bytes. */
    static final int HTTP2_LOW_WATER_MARK = 256 * 1024;
    static final int HTTP2_HIGH_WATER_MARK = 512 * 1024;

    /** {@link Http2FrameCodecBuilder#forServer()} with a remote flow controller whose distributor hands out 16 KiB turns. */
    private static final class ServerFrameCodecBuilder extends Http2FrameCodecBuilder {
        ServerFrameCodecBuilder() {
            // a server codec: the connection says so (server() and connection() exclude each other)
            DefaultHttp2Connection connection = new DefaultHttp2Connection(true, maxReservedStreams());
            WeightedFairQueueByteDistributor distributor = new WeightedFairQueueByteDistributor(connection);
            distributor.allocationQuantum(HTTP2_ALLOCATION_QUANTUM);
            connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection, distributor));
            connection(connection);
        }
    }

    private Http2MultiplexHandler newHttp2Multiplexer() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new StreamRequestTimeout(), new Http2StreamFrameToHttpObjectCodec(true));
                addRequestHandlers(stream.pipeline());
            }
        });
    }

    /** The aggregator and the handlers, after an HTTP/1 codec or a stream's frame-to-object codec. */
    private void addRequestHandlers(ChannelPipeline p) {
        p.addLast(new BoundedHttpAggregator(maxContentLength));
        for (Supplier<? extends ChannelHandler> h : handlers) {
            p.addLast(Objects.requireNonNull(h.get(), "HTTP handler supplier returned null"));
        }
        p.addLast(NotFound.INSTANCE);
    }

    /**
     * Binds a listening socket on {@code group} (of {@link NettyTransport#current()}) whose connections this
     * pipeline serves.
     *
     * @param address where to listen; port 0 picks a free one
     * @return the listening channel; closing it stops accepting
     * @throws io.netty.channel.ChannelException or the bind's {@code BindException} (rethrown unchecked by Netty)
     *                                           if the address cannot be bound
     */
    public Channel listen(EventLoopGroup group, InetSocketAddress address) {
        return new ServerBootstrap().group(group).channel(NettyTransport.current().serverSocketChannel())
                .childHandler(this).bind(address).syncUninterruptibly().channel();
    }

    /**
     * Whether {@code channel} (a connection, or an HTTP/2 stream of one) arrived over TLS: for absolute URLs
     * a handler writes ({@code https://} or {@code http://}).
     */
    public static boolean isSecure(Channel channel) {
        Channel c = channel instanceof Http2StreamChannel && channel.parent() != null ? channel.parent() : channel;
        return c.pipeline().get(SslHandler.class) != null;
    }

    /**
     * The end of every request pipeline: 404 for a request no handler answered; an exception no handler took
     * (a peer that reset, closed mid-body, or sent what the codec refused) closes that connection or stream,
     * logged at DEBUG.
     */
    @ChannelHandler.Sharable
    private static final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {
        static final NotFound INSTANCE = new NotFound();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            byte[] body = ("not found: " + new QueryStringDecoder(req.uri()).path() + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req) && req.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(r, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(r);
            } else {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: HTTP {} closed: {}", ctx.channel().remoteAddress(),
                    ctx.channel() instanceof Http2StreamChannel ? "stream" : "connection", cause.toString());
            ctx.close();
        }
    }

    /**
     * Clear-text HTTP/1.1 after the h2c upgrade handlers: its first HTTP/1.1 message means the client did
     * not upgrade, so upgrades end there (one is allowed only on the first request) and the HTTP/1.1 request
     * handlers take its place. After an upgrade or a prior-knowledge preface it never sees a message.
     */
    private final class Http1Start extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpMessage)) {
                ctx.fireChannelRead(msg);
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            if (p.get(HttpServerUpgradeHandler.class) != null) {
                p.remove(HttpServerUpgradeHandler.class);
            }
            addRequestHandlers(p); // this handler is the last one: they go right after it
            ctx.fireChannelRead(msg);
            p.remove(this);
        }
    }

    /**
     * The request timeout of one HTTP/2 stream: from its HEADERS to the first frame of its response at most
     * {@link HttpConnectionGuard.Limits}' request timeout, else the stream is reset ({@code RST_STREAM CANCEL})
     * and counted in {@link HttpConnectionGuard.Limits#closedByTimeout()}. The connection's guard cannot tell one
     * stream's slow body from another stream's traffic, so without this a client could keep up to
     * {@link Builder#maxConcurrentStreams} half-sent bodies per connection open forever.
     */
    private final class StreamRequestTimeout extends ChannelDuplexHandler {
        private ScheduledFuture<?> timer;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            timer = ctx.executor().schedule(() -> {
                if (ctx.channel().isActive()) {
                    limits.timedOut.increment();
                    log.debug("{}: HTTP/2 stream reset: request not complete within {} ms", ctx.channel().remoteAddress(),
                            limits.requestTimeout.toMillis());
                    ctx.channel().close();
                }
            }, limits.requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            cancel(); // the response has begun: a held request (a blocking reload, a streamed segment) is no longer timed
            super.write(ctx, msg, promise);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancel();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            cancel();
            super.channelInactive(ctx);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }
    }

    /** ALPN's outcome: "h2" → HTTP/2; "http/1.1" or no ALPN at all → HTTP/1.1. */
    private final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {
        AlpnSwitch() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            ChannelPipeline p = ctx.pipeline();
            if (ApplicationProtocolNames.HTTP_2.equals(protocol) && http2) {
                p.addLast(newHttp2FrameCodec(ctx.channel()), newHttp2Multiplexer());
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                p.addLast(newHttp1Codec());
                addRequestHandlers(p);
            } else {
                log.debug("{}: ALPN chose {} (expected: h2 or http/1.1); closing", ctx.channel().remoteAddress(), protocol);
                ctx.close();
            }
        }
    }

    /** Configures an {@link HttpServerPipeline}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private HttpConnectionGuard.Limits limits;
        private SslContext tls;
        private int maxContentLength = 64 * 1024;
        private final List<Supplier<? extends ChannelHandler>> handlers = new ArrayList<>();
        private boolean http2 = true;
        private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        private int maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE;

        private Builder() {
        }

        /** Connection counts and timeouts, shared by every connection (required). */
        public Builder limits(HttpConnectionGuard.Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Serves HTTPS with this server context; HTTP/2 needs it built with {@link #ALPN}. Default: clear text.
         *
         * @throws IllegalArgumentException if {@code context} is a client context
         */
        public Builder tls(SslContext context) {
            if (!Objects.requireNonNull(context, "context").isServer()) {
                throw new IllegalArgumentException("tls: a client context (expected: SslContextBuilder.forServer)");
            }
            this.tls = context;
            return this;
        }

        /**
         * Largest request body aggregated, bytes; larger gets 413. Default 64 KiB.
         *
         * @throws IllegalArgumentException outside 0..16 MiB
         */
        public Builder maxContentLength(int bytes) {
            if (bytes < 0 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("maxContentLength: " + bytes + " (expected: 0..16777216)");
            }
            this.maxContentLength = bytes;
            return this;
        }

        /**
         * Appends a request handler. It receives each request as a {@code FullHttpRequest} (HTTP/1.1 or one
         * HTTP/2 stream alike); a request it answers it releases, any other it passes on unreleased with
         * {@code ctx.fireChannelRead}. Called once per HTTP/1.1 connection and once per HTTP/2 stream, on the
         * connection's event loop: return one {@code @Sharable} instance or a new one each time, never
         * {@code null} (that connection or stream is then closed).
         */
        public Builder handler(Supplier<? extends ChannelHandler> handler) {
            handlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Whether HTTP/2 is offered (ALPN "h2", h2c upgrade and prior knowledge); default {@code true}. */
        public Builder http2(boolean enabled) {
            this.http2 = enabled;
            return this;
        }

        /**
         * Most concurrent streams a client may open on one HTTP/2 connection ({@code SETTINGS_MAX_CONCURRENT_STREAMS});
         * default {@value #DEFAULT_MAX_CONCURRENT_STREAMS}.
         *
         * @throws IllegalArgumentException outside 1..10000
         */
        public Builder maxConcurrentStreams(int streams) {
            if (streams < 1 || streams > 10_000) {
                throw new IllegalArgumentException("maxConcurrentStreams: " + streams + " (expected: 1..10000)");
            }
            this.maxConcurrentStreams = streams;
            return this;
        }

        /**
         * Largest HTTP/2 header list a client may send ({@code SETTINGS_MAX_HEADER_LIST_SIZE}), bytes; default
         * 8 KiB. A list over it gets {@code 431} on its stream; one over 1.25 times it ends the connection
         * ({@code GOAWAY}), since HPACK state cannot be skipped.
         *
         * @throws IllegalArgumentException outside 1 KiB..1 MiB
         */
        public Builder maxHeaderListSize(int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxHeaderListSize: " + bytes + " (expected: 1024..1048576)");
            }
            this.maxHeaderListSize = bytes;
            return this;
        }

        /**
         * @throws NullPointerException     if no {@link #limits} were given
         * @throws IllegalArgumentException if no {@link #handler} was given
         */
        public HttpServerPipeline build() {
            return new HttpServerPipeline(this);
        }
    }
}
