package io.sluice.core.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoundUpTimeoutIoHandlerTest {

    /** NIO turns a delay into {@code (delay + 0.5 ms) / 1 ms}; after the round-up that is the delay's ceiling in ms. */
    @Test
    void nioRoundingOfTheRoundedUpDelayIsTheCeilingInMilliseconds() {
        for (long d : new long[] {1, 200_000, 499_999, 500_000, 999_999, 1_000_000, 1_000_001, 2_200_000, 1_000_000_000}) {
            long timeoutMillis = (RoundUpTimeoutIoHandler.roundedUpDelay(d) + 500_000L) / 1_000_000L;
            assertEquals((d + 999_999L) / 1_000_000L, timeoutMillis, "delay " + d + " ns");
        }
        assertEquals(0, RoundUpTimeoutIoHandler.roundedUpDelay(0));
        assertEquals(-7, RoundUpTimeoutIoHandler.roundedUpDelay(-7));
        assertEquals(Long.MAX_VALUE, RoundUpTimeoutIoHandler.roundedUpDelay(Long.MAX_VALUE));
    }

    /**
     * A chain of timers each 2.4 ms after the last: plain NIO wakes 0.4 ms early and polls until each is due (many
     * loop iterations per timer); wrapped, the loop sleeps through (about one iteration per timer), and every timer
     * still runs, none early.
     */
    @Test
    void aLoopWaitingForATimerSleepsUntilItInsteadOfPolling() throws Exception {
        int timers = 150;
        AtomicInteger plainRuns = new AtomicInteger();
        AtomicInteger wrappedRuns = new AtomicInteger();
        long plainEarly = chainTimers(counting(NioIoHandler.newFactory(), plainRuns), timers, plainRuns);
        long wrappedEarly = chainTimers(RoundUpTimeoutIoHandler.wrap(counting(NioIoHandler.newFactory(), wrappedRuns)),
                timers, wrappedRuns);
        assertEquals(0, plainEarly, "timers that ran early, plain");
        assertEquals(0, wrappedEarly, "timers that ran early, wrapped");
        assertTrue(wrappedRuns.get() <= 3 * timers, "wrapped loop iterations: " + wrappedRuns.get() + " for " + timers + " timers");
        // the reason for the wrapper; if Netty stops polling for a close timer, the wrapper can go
        assertTrue(plainRuns.get() > 2 * wrappedRuns.get(),
                "plain NIO iterations " + plainRuns.get() + ", wrapped " + wrappedRuns.get());
    }

    /** Runs {@code n} timers, each scheduled 2.4 ms after the previous ran; returns how many ran before their time. */
    private static long chainTimers(IoHandlerFactory factory, int n, AtomicInteger runs) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("round-up-test", true), factory);
        try {
            EventExecutor loop = group.next();
            CompletableFuture<Long> done = new CompletableFuture<>();
            long[] early = {0};
            long delayNanos = 2_400_000L;
            Runnable[] step = new Runnable[1];
            int[] left = {n};
            long[] due = {0};
            step[0] = () -> {
                if (due[0] != 0 && System.nanoTime() < due[0]) {
                    early[0]++;
                }
                if (left[0]-- == 0) {
                    done.complete(early[0]);
                    return;
                }
                due[0] = System.nanoTime() + delayNanos;
                loop.schedule(step[0], delayNanos, TimeUnit.NANOSECONDS);
            };
            loop.execute(() -> {
                runs.set(0);
                step[0].run();
            });
            return done.get(30, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Counts {@code IoHandler.run} calls of the handlers {@code factory} makes. */
    private static IoHandlerFactory counting(IoHandlerFactory factory, AtomicInteger runs) {
        return executor -> new ForwardingIoHandler(factory.newHandler(executor)) {
            @Override
            public int run(IoHandlerContext context) {
                runs.incrementAndGet();
                return super.run(context);
            }
        };
    }
}
