package io.sluice.rtmp.client;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.netty.NettyTransport;
import java.util.concurrent.TimeUnit;

/**
 * The one event loop group every {@link RtmpTransport} of the JVM shares: at most two daemon threads
 * named {@code sluice-rtmp-*} (a publisher needs a fraction of a core, and one group avoids a thread
 * pair per transport), created by the first transport that opens and shut down when the last one
 * closes. Each transport pins itself to one loop of the group, so its state is confined to one
 * thread.
 *
 * <p>The group runs on epoll where it is available and no transport was chosen with
 * {@code -Dsluice.netty.transport} ({@link NettyTransport#PROPERTY}), else on {@link NettyTransport#current()}: a
 * publisher wants {@code TCP_NOTSENT_LOWAT} (see {@link RtmpTransport.Builder#notSentLowWatermark}), which only the
 * native transport sets.
 */
final class RtmpEventLoops {
    private static EventLoopGroup group;
    private static int users;

    private RtmpEventLoops() {
    }

    /** A reference to the shared group; pair with {@link #release()}. */
    static synchronized EventLoopGroup acquire() {
        if (group == null) {
            int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
            group = transport().newEventLoopGroup(threads, new DefaultThreadFactory("sluice-rtmp", true));
        }
        users++;
        return group;
    }

    /** The Netty transport of the group (and so of every RTMP client channel). */
    static NettyTransport transport() {
        return System.getProperty(NettyTransport.PROPERTY) == null && NettyTransport.EPOLL.isAvailable()
                ? NettyTransport.EPOLL : NettyTransport.current();
    }

    /** Drops a reference; the last one shuts the group down (asynchronously, no quiet period). */
    static synchronized void release() {
        if (users > 0 && --users == 0) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            group = null;
        }
    }
}
