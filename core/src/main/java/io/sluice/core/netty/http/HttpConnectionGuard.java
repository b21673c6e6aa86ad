package io.sluice.core.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * First handler of every HTTP connection of a Sluice server ({@link HttpServerPipeline}): bounds how many
 * TCP connections there are (in total and per client IP address) and how long each may take. An HTTP/2
 * connection counts once however many streams it carries (those are bounded by the pipeline's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}); its request and idle times are those of the connection: a
 * read starts a request, any write (a response, or a frame of one) ends it.
 *
 * <ul>
 *   <li>A connection over the server's connection limit or its per-address share
 *       gets {@code 503 Service Unavailable} with {@code Connection: close} and is closed, before any
 *       of its bytes are read.</li>
 *   <li>Request timeout: from the first byte of a request to the start of its response at most
 *       the request timeout (a client sending headers or a body a byte at a time).</li>
 *   <li>Idle timeout: a kept-alive connection with no request in progress is closed after
 *       the idle timeout.</li>
 * </ul>
 * Both timeouts close the connection without a response (the request is incomplete or absent) and
 * are counted in {@link Limits#closedByTimeout()}. Not sharable: one instance per channel, all
 * sharing one {@link Limits}.
 */
public final class HttpConnectionGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(HttpConnectionGuard.class);
    private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n\r\ntoo many connections\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** The server-wide limits and counters every connection's guard shares. Thread-safe. */
    public static final class Limits {
        private final int maxConnections;
        private final int maxConnectionsPerAddress;
        final Duration requestTimeout;
        private final Duration idleTimeout;
        private final AtomicInteger open = new AtomicInteger();
        private final ConcurrentMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
        private final LongAdder refused = new LongAdder();
        final LongAdder timedOut = new LongAdder();

        /**
         * @param maxConnections           open connections at most, &gt;= 1
         * @param maxConnectionsPerAddress open connections from one client IP address at most, &gt;= 1
         * @param requestTimeout           first byte of a request to its response, at most; &gt; 0
         * @param idleTimeout              time a kept-alive connection may wait for its next request; &gt; 0
         * @throws IllegalArgumentException if a count is below 1 or a timeout not positive
         */
        public Limits(int maxConnections, int maxConnectionsPerAddress, Duration requestTimeout, Duration idleTimeout) {
            if (maxConnections < 1 || maxConnectionsPerAddress < 1) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + ", maxConnectionsPerAddress: "
                        + maxConnectionsPerAddress + " (expected: >= 1)");
            }
            if (requestTimeout.isNegative() || requestTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout: " + requestTimeout + ", idleTimeout: " + idleTimeout
                        + " (expected: > 0)");
            }
            this.maxConnections = maxConnections;
            this.maxConnectionsPerAddress = maxConnectionsPerAddress;
            this.requestTimeout = requestTimeout;
            this.idleTimeout = idleTimeout;
        }

        /** Open connections now. */
        public int openConnections() {
            return open.get();
        }

        /** Connections refused (503) because of a connection limit, since start. */
        public long refusedConnections() {
            return refused.sum();
        }

        /** Connections closed by the request or idle timeout, since start. */
        public long closedByTimeout() {
            return timedOut.sum();
        }
    }

    private final Limits limits;
    private InetAddress address;
    private boolean counted;
    private ScheduledFuture<?> timer;
    /** When the request in progress sent its first byte; 0 when none is in progress. */
    private long requestStartNanos;
    private long idleSinceNanos;

    /** @param limits the server's shared limits */
    public HttpConnectionGuard(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        address = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        int total = limits.open.incrementAndGet();
        int fromAddress = address == null ? 1 : limits.perAddress.merge(address, 1, Integer::sum);
        counted = true;
        if (total > limits.maxConnections || fromAddress > limits.maxConnectionsPerAddress) {
            limits.refused.increment();
            log.debug("{}: HTTP connection refused: {} open (limit {}), {} from this address (limit {})",
                    ctx.channel().remoteAddress(), total, limits.maxConnections, fromAddress, limits.maxConnectionsPerAddress);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(BUSY)).addListener(ChannelFutureListener.CLOSE);
            return; // the HTTP handlers never see this connection
        }
        idleSinceNanos = System.nanoTime();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1),
                Math.min(limits.requestTimeout.toNanos(), limits.idleTimeout.toNanos()) / 4));
        timer = ctx.executor().scheduleAtFixedRate(() -> check(ctx), period, period, TimeUnit.NANOSECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (requestStartNanos == 0) {
            requestStartNanos = System.nanoTime();
        }
        super.channelRead(ctx, msg);
    }

    /** Every write is (part of) a response: the request it answers is no longer in progress. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        requestStartNanos = 0;
        idleSinceNanos = System.nanoTime();
        super.write(ctx, msg, promise);
    }

    private void check(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        String why = null;
        if (requestStartNanos != 0 && now - requestStartNanos > limits.requestTimeout.toNanos()) {
            why = "request not complete within " + limits.requestTimeout.toMillis() + " ms";
        } else if (requestStartNanos == 0 && now - idleSinceNanos > limits.idleTimeout.toNanos()) {
            why = "idle for " + limits.idleTimeout.toMillis() + " ms";
        }
        if (why != null && ctx.channel().isActive()) {
            limits.timedOut.increment();
            log.debug("{}: HTTP connection closed: {}", ctx.channel().remoteAddress(), why);
            cancelTimer();
            // from the tail, so that TLS sends close_notify and HTTP/2 a GOAWAY before the socket closes
            ctx.channel().close();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        cancelTimer();
        if (counted) {
            counted = false;
            limits.open.decrementAndGet();
            if (address != null) {
                limits.perAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }
}
