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
            group = NettyTransport.current().newEventLoopGroup(threads, new DefaultThreadFactory("sluice-rtmp", true));
        }
        users++;
        return group;
    }

    /** Drops a reference; the last one shuts the group down (asynchronously, no quiet period). */
    static synchronized void release() {
        if (users > 0 && --users == 0) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            group = null;
        }
    }
}
