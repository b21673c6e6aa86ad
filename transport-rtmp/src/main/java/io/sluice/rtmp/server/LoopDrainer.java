package io.sluice.rtmp.server;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * The drains of one EventLoop's RTMP connections, batched: when a published frame reaches N
 * players of this loop, their wake-ups (from the publisher's thread) queue the N handlers here and
 * schedule <i>one</i> task on the loop, which drains each of them (writes what its session has,
 * flushes once) in wake-up order. Without it each player's wake-up was a task of its own: N task
 * queue insertions and removals per frame instead of one.
 *
 * <p>Each handler guards its own queuing with its wake-up flag, so a handler is in the batch at most
 * once. Thread-safe: {@link #wakeup} from any thread; the batch runs on the loop.
 */
final class LoopDrainer {
    /** What the batch runs: a handler's drain, on the loop. */
    interface Drainable {
        /** Clears the handler's wake-up flag, then drains it. Runs on the loop; must not throw. */
        void drainNow();
    }

    private final EventExecutor executor;
    private final Runnable task = this::run;
    // under this
    private ArrayList<Drainable> pending = new ArrayList<>();
    private boolean scheduled;
    /** The batch being run; only the loop touches it. */
    private ArrayList<Drainable> running = new ArrayList<>();

    LoopDrainer(EventExecutor executor) {
        this.executor = executor;
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
                executor.execute(task);
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
        try {
            for (int i = 0, n = batch.size(); i < n; i++) {
                batch.get(i).drainNow();
            }
        } finally {
            batch.clear();
        }
    }

    /** One {@link LoopDrainer} per EventLoop of a server, made on first use. Thread-safe. */
    static final class Registry {
        private final ConcurrentMap<EventExecutor, LoopDrainer> drainers = new ConcurrentHashMap<>();

        LoopDrainer forLoop(EventExecutor executor) {
            LoopDrainer d = drainers.get(executor);
            return d != null ? d : drainers.computeIfAbsent(executor, LoopDrainer::new);
        }
    }
}
