package io.sluice.core.netty;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty I/O transport every Sluice server and client uses: NIO by default; io_uring or epoll on
 * request, falling back to the next one where the kernel or the native library does not allow it. One
 * choice per JVM ({@link #current()}), logged once at INFO. Each constant gives the event loop factory and the channel classes that belong together,
 * so a caller writes {@code NettyTransport.current().newEventLoopGroup(1, tf)} and
 * {@code .channel(NettyTransport.current().serverSocketChannel())} and never names a transport.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code nio} (default), {@code auto} (the best
 * available: io_uring, epoll, NIO), {@code io_uring} or {@code epoll}. Native transports are opt-in for
 * now: io_uring serves 1.55× the RTMP players per core of nginx-rtmp where NIO serves 0.95×
 * ({@code RtmpFanOutBenchmark}, N=200), but under {@code FloodLoadTest} with io_uring the HTTP
 * connection bound is overshot (465, 2007 and 3787 open against 256 in three runs) and a new WHEP viewer gets
 * 503. Why: Netty 4.2.18's {@code IoUringIoHandler.run} keeps draining completions and submitting until an
 * iteration has neither, and only then returns to the loop's task queue; a sustained stream of accepts and
 * closes (the flood opens ~400 connections a second) keeps it in that loop, so the connections the
 * {@code HttpConnectionGuard} refuses finish closing (and stop counting) only when the burst pauses. Measured
 * with 100 connections opened at once against a limit of 4 per address: on NIO each refused connection is
 * gone right after its 503; on io_uring all 96 stayed counted until the last one was accepted (~0.5–1 s later),
 * also with a separate accept event loop. NIO stays the default of {@link #current()} until that is bounded (a newer Netty); the RTMP
 * server, whose fan-out gains most, takes {@link #forFanOut()}, which is io_uring where available. A native transport that is asked for but not available (another OS
 * or CPU, a kernel that refuses io_uring, natives left off the class path) falls back down the same
 * order with a WARN naming the cause; {@code nio} is always available.
 *
 * <p>The natives ship as {@code linux-x86_64} jars of Netty 4.2.18.Final (runtime dependencies of
 * sluice-core); elsewhere their library does not load and {@code auto} ends at NIO.
 */
public enum NettyTransport {
    /** Linux io_uring ({@code IoUringIoHandler}); needs kernel ≥ 5.14 with io_uring enabled. */
    IO_URING(IoUringIoHandler::newFactory, IoUringServerSocketChannel.class, IoUringSocketChannel.class,
            IoUringDatagramChannel.class, () -> IoUring.isAvailable() ? null : String.valueOf(IoUring.unavailabilityCause())),
    /** Linux epoll ({@code EpollIoHandler}), edge-triggered, with {@code writev} from native code. */
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class,
            EpollDatagramChannel.class, () -> Epoll.isAvailable() ? null : String.valueOf(Epoll.unavailabilityCause())),
    /**
     * Java NIO ({@code NioIoHandler}): every platform. Its wait for a scheduled task is rounded up to whole
     * milliseconds ({@link RoundUpTimeoutIoHandler}: Netty's rounds to the nearest and polls out the last half
     * millisecond), so a task may run up to 1 ms late.
     */
    NIO(() -> RoundUpTimeoutIoHandler.wrap(NioIoHandler.newFactory()), NioServerSocketChannel.class, NioSocketChannel.class, NioDatagramChannel.class, () -> null);

    /** System property naming the transport: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
    public static final String PROPERTY = "sluice.netty.transport";

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Class<? extends ServerSocketChannel> serverSocketChannel;
    private final Class<? extends SocketChannel> socketChannel;
    private final Class<? extends DatagramChannel> datagramChannel;
    /** Why this transport cannot run here, or {@code null} if it can; loads the native library. */
    private final Supplier<String> unavailability;

    NettyTransport(Supplier<IoHandlerFactory> ioHandlerFactory, Class<? extends ServerSocketChannel> serverSocketChannel,
            Class<? extends SocketChannel> socketChannel, Class<? extends DatagramChannel> datagramChannel,
            Supplier<String> unavailability) {
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverSocketChannel = serverSocketChannel;
        this.socketChannel = socketChannel;
        this.datagramChannel = datagramChannel;
        this.unavailability = unavailability;
    }

    /**
     * The transport of this JVM, chosen on the first call from {@value #PROPERTY} and what is
     * available, and logged once.
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} holds none of the four values
     */
    public static NettyTransport current() {
        return Holder.CURRENT;
    }

    /**
     * The transport for a server whose event loops mostly write the same media to many sockets (the RTMP
     * fan-out): {@link #current()} when {@value #PROPERTY} is set, else the best available here (io_uring,
     * epoll, NIO), chosen once per JVM and logged once. Why it differs from {@link #current()}: io_uring submits
     * a loop iteration's sends with one {@code io_uring_enter}, so the thread returns to user mode once per
     * batch instead of once per player; on loopback, where every send wakes the reading thread, each return
     * was a chance for that thread to preempt the server's (~6300 context switches a second at 200 players on
     * epoll, ~350 on io_uring; {@code RtmpFanOutBenchmark}). What keeps io_uring from {@link #current()} (refused
     * connections of a sustained accept burst close late, see above) is about the HTTP connection bound; the RTMP
     * server's bounds pass {@code FloodLoadTest} on it.
     *
     * @return the transport; never {@code null}
     */
    public static NettyTransport forFanOut() {
        return System.getProperty(PROPERTY) != null ? current() : FanOutHolder.FAN_OUT;
    }

    /**
     * Whether this transport can run here; loads its native library on first call.
     *
     * @return {@code true} if it can
     */
    public boolean isAvailable() {
        return safeUnavailability() == null;
    }

    /** The factory for {@link MultiThreadIoEventLoopGroup}; a new one each call. */
    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory.get();
    }

    /** The TCP listening channel class for {@code ServerBootstrap.channel(...)}. */
    public Class<? extends ServerSocketChannel> serverSocketChannel() {
        return serverSocketChannel;
    }

    /** The TCP client channel class for {@code Bootstrap.channel(...)}. */
    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /** The UDP channel class for {@code Bootstrap.channel(...)}; it reads and writes {@code DatagramPacket}s. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return datagramChannel;
    }

    /**
     * A new event loop group of this transport.
     *
     * @param threads number of event loops, ≥ 1
     * @param threadFactory names the threads (and makes them daemons or not)
     * @return the group; the caller shuts it down
     */
    public EventLoopGroup newEventLoopGroup(int threads, ThreadFactory threadFactory) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    private String safeUnavailability() {
        try {
            return unavailability.get();
        } catch (LinkageError e) {
            return e.toString();
        }
    }

    static NettyTransport choose(String requested) {
        String r = requested == null ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
        NettyTransport first = switch (r) {
            case "", "auto", "io_uring", "iouring", "io-uring" -> IO_URING;
            case "epoll" -> EPOLL;
            case "nio" -> NIO;
            default -> throw new IllegalArgumentException(
                    PROPERTY + ": " + requested + " (expected: auto, io_uring, epoll or nio)");
        };
        boolean explicit = !r.isEmpty() && !r.equals("auto");
        for (NettyTransport t : values()) {
            if (t.ordinal() < first.ordinal()) {
                continue;
            }
            String cause = t.safeUnavailability();
            if (cause == null) {
                return t;
            }
            if (explicit) {
                log.warn("Netty transport {} not available: {}", t.label(), cause);
            } else {
                log.debug("Netty transport {} not available: {}", t.label(), cause);
            }
        }
        throw new AssertionError("NIO is always available");
    }

    /** The name used in {@value #PROPERTY} and in logs: {@code io_uring}, {@code epoll}, {@code nio}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static final class FanOutHolder {
        static final NettyTransport FAN_OUT;

        static {
            FAN_OUT = choose("auto");
            log.info("Netty transport for fan-out servers: {} ({} not set)", FAN_OUT.label(), PROPERTY);
        }
    }

    private static final class Holder {
        static final NettyTransport CURRENT;

        static {
            String requested = System.getProperty(PROPERTY, "nio");
            CURRENT = choose(requested);
            log.info("Netty transport: {} ({}={})", CURRENT.label(), PROPERTY, requested);
        }
    }
}
