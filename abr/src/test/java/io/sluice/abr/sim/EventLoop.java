package io.sluice.abr.sim;

import java.util.PriorityQueue;

/**
 * A single-threaded event loop on simulated time: events run in time order (ties in scheduling order). No clock,
 * no threads: {@link #runUntil} advances {@link #nowUs()} from event to event.
 */
public final class EventLoop {
    private record Event(long atUs, long seq, Runnable action) {
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>(
            (a, b) -> a.atUs != b.atUs ? Long.compare(a.atUs, b.atUs) : Long.compare(a.seq, b.seq));
    private long nowUs;
    private long seq;

    /** Simulated time, µs. */
    public long nowUs() {
        return nowUs;
    }

    /** Runs {@code action} at {@code atUs} (not before now). */
    public void schedule(long atUs, Runnable action) {
        queue.add(new Event(Math.max(atUs, nowUs), seq++, action));
    }

    /** Runs every event due up to {@code endUs}, then sets the time to {@code endUs}. */
    public void runUntil(long endUs) {
        while (!queue.isEmpty() && queue.peek().atUs <= endUs) {
            Event e = queue.poll();
            nowUs = e.atUs;
            e.action.run();
        }
        nowUs = endUs;
    }
}
