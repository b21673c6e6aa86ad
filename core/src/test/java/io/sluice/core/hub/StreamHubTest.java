package io.sluice.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StreamHubTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).audio(48000, 2).build();

    static EncodedFrame video(long n, boolean key) {
        return new EncodedFrame(VIDEO, Unpooled.buffer(8).writeLong(n), n * 40_000, key);
    }

    static EncodedFrame audio(long n) {
        return new EncodedFrame(AUDIO, Unpooled.buffer(8).writeLong(n), n * 21_333, true);
    }

    /** Records what it receives; releases frames at once. */
    static final class Recorder implements StreamSubscriber {
        final List<String> events = new ArrayList<>();

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
            events.add("publish " + streamName + " " + tracks.size());
        }

        @Override
        public void onFrame(EncodedFrame frame) {
            events.add((frame.mediaType() == io.sluice.core.MediaType.VIDEO ? "v" : "a") + frame.content().getLong(0) + (frame.isKeyframe() && frame.mediaType() == io.sluice.core.MediaType.VIDEO ? "k" : ""));
            frame.release();
        }

        @Override
        public void onUnpublish(String streamName) {
            events.add("unpublish");
        }

        @Override
        public void onClosed(String streamName) {
            events.add("closed");
        }
    }

    @Test
    void aLateSubscriberStartsAtTheLastKeyframeAndThenGetsLiveFrames() {
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication p = hub.publish("live/demo", List.of(VIDEO, AUDIO), () -> { });
            p.send(video(0, true));
            p.send(video(1, false));
            p.send(video(2, true));
            p.send(audio(7));
            p.send(video(3, false));
            Recorder late = new Recorder();
            StreamHub.Subscription sub = hub.subscribe("live/demo", late);
            p.send(video(4, false));
            assertEquals(List.of("publish live/demo 2", "v2k", "a7", "v3", "v4"), late.events);
            sub.close();
            p.close();
        }
    }

    @Test
    void aSubscriberThatBorrowsFramesGetsTheHubsFramesWithoutADuplicateAndOwnsNothing() {
        List<io.netty.buffer.ByteBuf> lent = new ArrayList<>();
        StreamSubscriber borrower = new StreamSubscriber() {
            @Override
            public void onPublish(String streamName, List<TrackInfo> tracks) {
            }

            @Override
            public void onFrame(EncodedFrame frame) {
                throw new AssertionError("onFrame must not be called when onFrameBorrowed is overridden");
            }

            @Override
            public void onFrameBorrowed(EncodedFrame frame) {
                assertTrue(frame.content().refCnt() > 0);
                lent.add(frame.content());
            }

            @Override
            public void onUnpublish(String streamName) {
            }
        };
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication p = hub.publish("live/lend", List.of(VIDEO, AUDIO), () -> { });
            p.send(video(0, true)); // cached
            Recorder owner = new Recorder(); // the default: its own duplicate, released by it
            hub.subscribe("live/lend", owner);
            hub.subscribe("live/lend", borrower); // gets the cached keyframe lent
            EncodedFrame live = video(1, false);
            io.netty.buffer.ByteBuf liveBytes = live.content();
            p.send(live);
            assertEquals(List.of("publish live/lend 2", "v0k", "v1"), owner.events);
            assertEquals(2, lent.size());
            assertEquals(1, liveBytes.refCnt(), "only the GOP cache's reference is left: nothing lent is owned");
            p.close();
            assertEquals(0, liveBytes.refCnt(), "released with the cache");
            assertEquals(0, lent.get(0).refCnt(), "released with the cache");
        }
    }

    @Test
    void aSubscriptionKnowsTheKeyframeIntervalOfThisPublication() {
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Subscription sub = hub.subscribe("gop", new Recorder());
            assertEquals(0, sub.keyframeIntervalUs());
            StreamHub.Publication rtmpLike = hub.publish("gop", List.of(VIDEO), PublisherFeedback.NONE);
            rtmpLike.send(video(0, true));
            rtmpLike.send(video(1, false));
            assertEquals(0, sub.keyframeIntervalUs(), "one keyframe: no interval yet");
            rtmpLike.send(video(50, true));
            assertEquals(50 * 40_000, sub.keyframeIntervalUs());
            rtmpLike.send(video(75, true));
            assertEquals(25 * 40_000, sub.keyframeIntervalUs(), "the last interval");
            rtmpLike.close();
            assertEquals(0, sub.keyframeIntervalUs(), "forgotten with the publication");
            StreamHub.Publication encoder = hub.publish("gop", List.of(VIDEO), (track, reason) -> { });
            encoder.send(video(100, true));
            assertEquals(0, sub.keyframeIntervalUs(), "not measured across publications");
            encoder.close();
            sub.close();
        }
    }

    @Test
    void aSubscriberMayWaitForAPublisherAndSeesItLeave() {
        try (StreamHub hub = StreamHub.create()) {
            Recorder early = new Recorder();
            StreamHub.Subscription sub = hub.subscribe("cam", early);
            StreamHub.Publication p = hub.publish("cam", List.of(VIDEO), () -> { });
            p.send(video(0, false)); // no keyframe yet: held back
            p.send(video(1, true));
            p.close();
            assertEquals(List.of("publish cam 1", "v1k", "unpublish"), early.events);
            assertEquals(List.of(), hub.liveStreams());
            sub.close();
            assertEquals("closed", early.events.get(early.events.size() - 1));
        }
    }

    @Test
    void aSecondPublisherIsRejectedUnlessReplacementIsOn() {
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication first = hub.publish("x", List.of(VIDEO), () -> { });
            StreamHubException e = assertThrows(StreamHubException.class, () -> hub.publish("x", List.of(VIDEO), () -> { }));
            assertEquals(StreamHubException.Reason.ALREADY_PUBLISHED, e.reason());
            first.close();
        }
        try (StreamHub hub = StreamHub.builder().replaceExistingPublisher(true).build()) {
            StreamHub.Publication first = hub.publish("x", List.of(VIDEO), () -> { });
            Recorder r = new Recorder();
            hub.subscribe("x", r);
            StreamHub.Publication second = hub.publish("x", List.of(VIDEO), () -> { });
            assertTrue(first.isReplaced());
            assertFalse(first.send(video(0, true)), "a replaced publisher's frames go nowhere");
            assertTrue(second.send(video(1, true)));
            assertEquals(List.of("publish x 1", "unpublish", "publish x 1", "v1k"), r.events);
        }
    }

    @Test
    void boundsAndNamesAreEnforced() {
        try (StreamHub hub = StreamHub.builder().maxStreams(1).maxSubscribersPerStream(1).build()) {
            hub.subscribe("a", new Recorder());
            assertEquals(StreamHubException.Reason.TOO_MANY_SUBSCRIBERS,
                    assertThrows(StreamHubException.class, () -> hub.subscribe("a", new Recorder())).reason());
            hub.publish("a", List.of(VIDEO), () -> { });
            assertEquals(StreamHubException.Reason.TOO_MANY_STREAMS,
                    assertThrows(StreamHubException.class, () -> hub.publish("b", List.of(VIDEO), () -> { })).reason());
            assertEquals(StreamHubException.Reason.INVALID_NAME,
                    assertThrows(StreamHubException.class, () -> hub.publish("bad name\n", List.of(VIDEO), () -> { })).reason());
        }
    }

    @Test
    void subscribersOfNamesNobodyPublishesDoNotBlockPublications() {
        try (StreamHub hub = StreamHub.builder().maxStreams(2).maxWaitingStreams(3).build()) {
            for (int i = 0; i < 3; i++) {
                hub.subscribe("made-up-" + i, new Recorder());
            }
            StreamHubException e = assertThrows(StreamHubException.class, () -> hub.subscribe("made-up-3", new Recorder()));
            assertEquals(StreamHubException.Reason.TOO_MANY_STREAMS, e.reason());
            assertTrue(e.getMessage().contains("maximum of 3 streams waiting for a publisher"), e.getMessage());
            StreamHub.Publication a = hub.publish("a", List.of(VIDEO), () -> { });
            hub.publish("made-up-0", List.of(VIDEO), () -> { }); // a waiting stream going live counts as live
            e = assertThrows(StreamHubException.class, () -> hub.publish("b", List.of(VIDEO), () -> { }));
            assertTrue(e.getMessage().contains("maximum of 2 live streams"), e.getMessage());
            hub.subscribe("made-up-3", new Recorder()); // made-up-0 went live: room for one more waiting name
            a.close();
            hub.publish("b", List.of(VIDEO), () -> { });
        }
    }

    @Test
    void aGopLargerThanTheCacheMakesNewSubscribersWaitForTheNextKeyframe() {
        try (StreamHub hub = StreamHub.builder().gopCache(3, 1 << 20).build()) {
            StreamHub.Publication p = hub.publish("s", List.of(VIDEO), () -> { });
            for (int i = 0; i < 5; i++) {
                p.send(video(i, i == 0));
            }
            Recorder r = new Recorder();
            hub.subscribe("s", r);
            p.send(video(5, false));
            p.send(video(6, true));
            assertEquals(List.of("publish s 1", "v6k"), r.events);
        }
    }

    @Test
    void theHubTransportPublishesAPipelinesFramesAndForwardsKeyframeRequests() {
        try (StreamHub hub = StreamHub.create()) {
            Transport t = hub.transport("pipe");
            AtomicInteger keyframeRequests = new AtomicInteger();
            List<TransportState> states = new ArrayList<>();
            t.open(List.of(VIDEO, AUDIO), new TransportFeedback() {
                @Override
                public void onStateChanged(TransportState state, Throwable cause) {
                    states.add(state);
                }

                @Override
                public void onKeyframeRequest(int trackId, String reason) {
                    assertEquals(0, trackId);
                    keyframeRequests.incrementAndGet();
                }

                @Override
                public void onBandwidthEstimate(BandwidthEstimate estimate) {
                }

                @Override
                public void onWritabilityChanged(boolean writable) {
                }
            });
            Recorder r = new Recorder();
            StreamHub.Subscription sub = hub.subscribe("pipe", r);
            assertTrue(t.send(video(0, true)));
            sub.requestKeyframe();
            assertEquals(1, keyframeRequests.get());
            t.close();
            assertEquals(List.of(TransportState.CONNECTED, TransportState.CLOSED), states);
            assertEquals(List.of("publish pipe 2", "v0k", "unpublish"), r.events);
            assertEquals(1, t.stats().framesSent());
        }
    }

    @Test
    void aHubStreamIsAPipelineSource() throws Exception {
        try (StreamHub hub = StreamHub.create()) {
            io.sluice.core.spi.MediaSource src = hub.source("rec", java.time.Duration.ofSeconds(2), 64);
            Thread publisher = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                StreamHub.Publication p = hub.publish("rec", List.of(VIDEO), () -> { });
                p.send(video(0, true));
                p.send(video(1, false));
                p.close();
            });
            publisher.start();
            assertEquals(List.of(VIDEO), src.open());
            List<Long> got = new ArrayList<>();
            io.sluice.core.MediaFrame f;
            while ((f = src.read()) != null) {
                got.add(((EncodedFrame) f).content().getLong(0));
                f.release();
            }
            assertEquals(List.of(0L, 1L), got);
            src.close();
            publisher.join();
        }
    }

    @Test
    void aNewerTrackInstanceInTheFramesReplacesTheAnnouncedOne() {
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication p = hub.publish("live/b", List.of(VIDEO, AUDIO), () -> { });
            p.send(video(0, true));
            assertTrue(hub.tracks("live/b").orElseThrow().get(0) == VIDEO, "same instance: nothing learned");
            // An ingest sees pts != dts only in the frames, and marks its track.
            TrackInfo reordered = VIDEO.toBuilder().hasBFrames(true).build();
            p.send(new EncodedFrame(reordered, Unpooled.buffer(8).writeLong(1), 120_000, 40_000, false, 0));
            List<TrackInfo> now = hub.tracks("live/b").orElseThrow();
            assertTrue(now.get(0).hasBFrames());
            assertTrue(now.get(1) == AUDIO);
            List<List<TrackInfo>> announced = new ArrayList<>();
            StreamHub.Subscription sub = hub.subscribe("live/b", new StreamSubscriber() {
                @Override
                public void onPublish(String streamName, List<TrackInfo> tracks) {
                    announced.add(tracks);
                }

                @Override
                public void onFrame(EncodedFrame frame) {
                    frame.release();
                }

                @Override
                public void onUnpublish(String streamName) {
                }
            });
            assertTrue(announced.get(0).get(0).hasBFrames(), "a later subscriber is told the current tracks");
            sub.close();
            p.close();
        }
    }
}
