package io.sluice.rtmp.server;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The drains of one EventLoop's RTMP connections, batched: when a published frame reaches N
 * players of this loop, their wake-ups (from the publisher's thread) queue the N handlers here and
 * schedule <i>one</i> task on the loop, which drains each of them (writes what its session has,
 * flushes once) in wake-up order. Without it each player's wake-up was a task of its own: N task
 * queue insertions and removals per frame instead of one.
 *
 * <p>Each handler guards its own queuing with its wake-up flag, so a handler is in the batch at most
 * once. Thread-safe: {@link #wakeup} from any thread; the batch runs on the loop.
 *
 * <p><b>Coalescing</b> (off by default): with a window &gt; 0 the batch runs that long after the first
 * wake-up instead of at once, so the frames published meanwhile (typically an audio and a video
 * frame) reach each player in one socket write: fewer writes, and fewer wake-ups of the reading
 * side, for up to that much added delay.
 */
final class LoopDrainer {
    /** What the batch runs: a handler's drain, on the loop. */
    interface Drainable {
        /**
         * Clears the handler's wake-up flag, then drains it. Runs on the loop; must not throw.
         *
         * @param batchNanos {@link System#nanoTime()} when the batch started, for the handler's write-progress clock
         */
        void drainNow(long batchNanos);
    }

    private final EventExecutor executor;
    private final long coalesceNanos;
    private final Runnable task = this::run;
    // under this
    private ArrayList<Drainable> pending = new ArrayList<>();
    private boolean scheduled;
    /** The batch being run; only the loop touches it. */
    private ArrayList<Drainable> running = new ArrayList<>();

    /** @param coalesceNanos how long a batch waits for more wake-ups after the first, ns; 0 = runs at once */
    LoopDrainer(EventExecutor executor, long coalesceNanos) {
        this.executor = executor;
        this.coalesceNanos = coalesceNanos;
    }

    /**
     * Queues {@code d} for the next batch, scheduling the batch if none is pending. From any thread;
     * the caller makes sure {@code d} is not queued already (its wake-up flag).
     */
    void wakeup(Drainable d) {
        boolean schedule;
        synchronized (this) {
            pending.add(d);
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            try {
                if (coalesceNanos > 0) {
                    executor.schedule(task, coalesceNanos, TimeUnit.NANOSECONDS);
                } else {
                    executor.execute(task);
                }
            } catch (RejectedExecutionException e) { // shutting down: nothing will drain any more
                synchronized (this) {
                    scheduled = false;
                    pending.clear();
                }
            }
        }
    }

    private void run() {
        ArrayList<Drainable> batch;
        synchronized (this) {
            batch = pending;
            pending = running;
            scheduled = false;
        }
        running = batch;
        long now = System.nanoTime(); // one clock read per batch, not two per player
        try {
            for (int i = 0, n = batch.size(); i < n; i++) {
                batch.get(i).drainNow(now);
            }
        } finally {
            batch.clear();
        }
    }

    /** One {@link LoopDrainer} per EventLoop of a server, made on first use. Thread-safe. */
    static final class Registry {
        private final ConcurrentMap<EventExecutor, LoopDrainer> drainers = new ConcurrentHashMap<>();
        private final long coalesceNanos;

        /** Drainers that run their batch at once. */
        Registry() {
            this(0);
        }

        /** @param coalesceNanos see {@link LoopDrainer#LoopDrainer(EventExecutor, long)} */
        Registry(long coalesceNanos) {
            this.coalesceNanos = coalesceNanos;
        }

        LoopDrainer forLoop(EventExecutor executor) {
            LoopDrainer d = drainers.get(executor);
            return d != null ? d : drainers.computeIfAbsent(executor, e -> new LoopDrainer(e, coalesceNanos));
        }
    }
}
