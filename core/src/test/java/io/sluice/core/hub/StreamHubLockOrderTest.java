package io.sluice.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A subscriber that leaves from inside a frame callback (it throws, or closes its own subscription)
 * while another thread lists the live streams: the hub must not deadlock. The interleaving is forced,
 * not hoped for: the callback waits until the lister is blocked on the stream's lock before leaving.
 */
class StreamHubLockOrderTest {

    @ParameterizedTest(name = "subscriber {0} in its frame callback")
    @ValueSource(strings = {"throws", "closes itself"})
    void aSubscriberLeavingInsideACallbackDoesNotDeadlockWithLiveStreams(String how) throws Exception {
        StreamHub hub = StreamHub.create();
        StreamHub.Publication p = hub.publish("live/a", List.of(StreamHubTest.VIDEO), () -> { });
        AtomicReference<StreamHub.Subscription> self = new AtomicReference<>();
        CompletableFuture<List<String>> listed = new CompletableFuture<>();
        Thread lister = new Thread(() -> listed.complete(hub.liveStreams()), "test-liveStreams");
        lister.setDaemon(true);
        StreamSubscriber leaving = new StreamSubscriber() {
            @Override
            public void onPublish(String streamName, List<TrackInfo> tracks) {
            }

            @Override
            public void onUnpublish(String streamName) {
            }

            @Override
            public void onFrame(EncodedFrame frame) {
                frame.release();
                lister.start();
                // the lister now needs the stream lock this (publisher) thread holds
                while (lister.getState() != Thread.State.BLOCKED && lister.isAlive()) {
                    Thread.onSpinWait();
                }
                if (how.equals("throws")) {
                    throw new IllegalStateException("subscriber failure (test)");
                }
                self.get().close();
            }
        };
        self.set(hub.subscribe("live/a", leaving));
        Thread publisher = new Thread(() -> p.send(StreamHubTest.video(0, true)), "test-publisher");
        publisher.setDaemon(true);
        publisher.start();

        publisher.join(5_000);
        lister.join(5_000);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] all = mx.findDeadlockedThreads();
        long[] deadlocked = all == null ? null : Arrays.stream(all)
                .filter(id -> id == publisher.getId() || id == lister.getId()).toArray();
        assertTrue(deadlocked == null || deadlocked.length == 0, () -> "deadlock: " + Arrays.stream(mx.getThreadInfo(deadlocked, true, true))
                .map(ThreadInfo::toString).collect(Collectors.joining()));
        assertTrue(!publisher.isAlive() && !lister.isAlive(), "both threads finished");
        assertEquals(List.of("live/a"), listed.join());
        assertEquals(0, hub.subscriberCount("live/a"), "the leaving subscriber is gone");
        p.close();
        assertEquals(List.of(), hub.liveStreams());
        hub.close();
    }
}
