package io.sluice.core.events;

/**
 * Hears {@link StreamEvent}s. Registered with
 * {@link io.sluice.core.hub.StreamHub#addEventListener(StreamEventListener)}.
 *
 * <p>Called synchronously on the thread that caused the event (a Netty event loop, a pipeline's
 * sender thread, the application's thread), in the order the events happened for one stream; after
 * the hub has released its locks, except when a subscriber leaves inside one of its own frame
 * callbacks (its {@code PlayStopped} comes under that stream's lock). It must not block: hand slow work (I/O, Kafka) to a queue. A
 * listener that throws is logged and keeps receiving events; the other listeners are not affected.
 */
@FunctionalInterface
public interface StreamEventListener {
    void onEvent(StreamEvent event);
}
