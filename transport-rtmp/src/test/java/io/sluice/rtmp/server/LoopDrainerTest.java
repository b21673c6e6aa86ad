package io.sluice.rtmp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LoopDrainerTest {
    @Test
    void wakeUpsBeforeTheBatchRunsAreDrainedInOneTaskInOrder() throws Exception {
        EventLoop loop = new DefaultEventLoop();
        try {
            LoopDrainer.Registry registry = new LoopDrainer.Registry();
            LoopDrainer drainer = registry.forLoop(loop);
            assertSame(drainer, registry.forLoop(loop), "one drainer per loop");
            List<String> order = new CopyOnWriteArrayList<>();
            AtomicInteger batches = new AtomicInteger();
            long[] lastBatch = {-1};
            CountDownLatch done = new CountDownLatch(3);
            LoopDrainer.Drainable[] ds = new LoopDrainer.Drainable[3];
            for (int i = 0; i < 3; i++) {
                String name = "p" + i;
                ds[i] = batchNanos -> {
                    if (batchNanos != lastBatch[0]) {
                        lastBatch[0] = batchNanos;
                        batches.incrementAndGet();
                    }
                    order.add(name);
                    done.countDown();
                };
            }
            loop.submit(() -> { // as a publisher on the same loop: all wake-ups before the batch runs
                for (LoopDrainer.Drainable d : ds) {
                    drainer.wakeup(d);
                }
            }).sync();
            assertEquals(true, done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("p0", "p1", "p2"), order);
            assertEquals(1, batches.get());
            CountDownLatch again = new CountDownLatch(1);
            drainer.wakeup(batchNanos -> again.countDown()); // a later wake-up gets a batch of its own
            assertEquals(true, again.await(5, TimeUnit.SECONDS));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aCoalescingWindowGathersWakeUpsFromAnotherThread() throws Exception {
        EventLoop loop = new DefaultEventLoop();
        try {
            LoopDrainer drainer = new LoopDrainer.Registry(TimeUnit.MILLISECONDS.toNanos(200)).forLoop(loop);
            List<Long> batchStarts = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(2);
            drainer.wakeup(t -> {
                batchStarts.add(t);
                done.countDown();
            });
            Thread.sleep(20); // well inside the window
            drainer.wakeup(t -> {
                batchStarts.add(t);
                done.countDown();
            });
            assertEquals(true, done.await(5, TimeUnit.SECONDS));
            assertEquals(2, batchStarts.size());
            assertEquals(batchStarts.get(0), batchStarts.get(1), "both drained in the same batch");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
