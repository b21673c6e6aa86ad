package io.sluice.core.hub;

import static io.sluice.core.hub.StreamHubTest.AUDIO;
import static io.sluice.core.hub.StreamHubTest.VIDEO;
import static io.sluice.core.hub.StreamHubTest.audio;
import static io.sluice.core.hub.StreamHubTest.video;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.events.SessionInfo;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.time.ManualTicker;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamHubEventsTest {
    static final SessionInfo RTMP = new SessionInfo("rtmp", "192.0.2.7:50000");
    static final SessionInfo WHEP = SessionInfo.of("whep", new InetSocketAddress("2001:db8::1", 6000));

    @Test
    void publishPlayStopAndUnpublishAreReportedInOrderWithSessionTimesAndCounts() {
        ManualTicker t = new ManualTicker();
        List<StreamEvent> events = new ArrayList<>();
        try (StreamHub hub = StreamHub.builder().ticker(t).build()) {
            hub.addEventListener(events::add);
            long t0 = t.nanoTime();
            StreamHub.Publication p = hub.publish("live/a", List.of(VIDEO, AUDIO), PublisherFeedback.NONE, RTMP);
            p.send(video(0, true));
            t.advanceMillis(1000);
            StreamHub.Subscription s = hub.subscribe("live/a", new StreamHubTest.Recorder(), WHEP);
            p.send(audio(1));
            t.advanceMillis(2000);
            s.close();
            s.close(); // idempotent: one PlayStopped
            p.close();

            assertEquals(4, events.size(), events.toString());
            StreamEvent.Published pub = assertInstanceOf(StreamEvent.Published.class, events.get(0));
            assertEquals("live/a", pub.stream());
            assertEquals(RTMP, pub.session());
            assertEquals(List.of(VIDEO, AUDIO), pub.tracks());
            assertEquals(t0, pub.atNanos());
            assertEquals(p.id(), pub.sessionId());
            StreamEvent.PlayStarted play = assertInstanceOf(StreamEvent.PlayStarted.class, events.get(1));
            assertEquals("[2001:db8:0:0:0:0:0:1]:6000", play.session().clientAddress());
            assertTrue(play.sessionId() != pub.sessionId());
            StreamEvent.PlayStopped stop = assertInstanceOf(StreamEvent.PlayStopped.class, events.get(2));
            assertEquals(2_000_000_000L, stop.durationNanos());
            assertEquals(2, stop.frames(), "the cached keyframe and the live audio frame");
            assertEquals(16, stop.bytes());
            StreamEvent.Unpublished unpub = assertInstanceOf(StreamEvent.Unpublished.class, events.get(3));
            assertEquals(3_000_000_000L, unpub.durationNanos());
            assertEquals(2, unpub.frames());
            assertEquals(pub.sessionId(), unpub.sessionId());
        }
    }

    @Test
    void snapshotListsPublisherAndViewersAndKickEndsTheChosenSession() {
        List<StreamEvent> events = new ArrayList<>();
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication p = hub.publish("live/b", List.of(VIDEO), PublisherFeedback.NONE, RTMP);
            StreamHubTest.Recorder r1 = new StreamHubTest.Recorder();
            StreamHubTest.Recorder r2 = new StreamHubTest.Recorder();
            hub.subscribe("live/b", r1, WHEP);
            hub.subscribe("live/b", r2);
            p.send(video(0, true));
            hub.addEventListener(events::add);

            StreamSnapshot snap = hub.snapshot("live/b").orElseThrow();
            assertEquals(List.of(VIDEO), snap.tracks());
            assertEquals(RTMP, snap.publisher().orElseThrow().session());
            assertEquals(1, snap.publisher().get().frames());
            assertEquals(2, snap.viewers().size());
            assertEquals(List.of("whep", "hub"), snap.viewers().stream().map(v -> v.session().protocol()).toList());
            assertEquals(8, snap.viewers().get(0).bytes());

            long whepId = snap.viewers().get(0).id();
            assertTrue(hub.kick(whepId));
            assertFalse(hub.kick(whepId), "already gone");
            assertTrue(r1.events.contains("closed"));
            assertFalse(r2.events.contains("closed"));
            assertEquals(1, hub.snapshot("live/b").orElseThrow().viewers().size());

            assertTrue(hub.kick(snap.publisher().get().id()));
            assertFalse(p.send(video(1, true)), "a kicked publication refuses frames");
            assertTrue(r2.events.contains("unpublish"));
            assertEquals(List.of(StreamEvent.PlayStopped.class, StreamEvent.Unpublished.class),
                    events.stream().map(Object::getClass).toList());
            assertTrue(hub.snapshot("live/b").orElseThrow().publisher().isEmpty());
        }
    }

    @Test
    void aReplacedPublisherAndAClosingHubReportTheirEndsAndAFailingListenerHarmsNoOne() {
        List<StreamEvent> events = new ArrayList<>();
        StreamHub hub = StreamHub.builder().replaceExistingPublisher(true).build();
        hub.addEventListener(e -> {
            throw new IllegalStateException("listener bug");
        });
        hub.addEventListener(events::add);
        StreamHub.Publication first = hub.publish("live/c", List.of(VIDEO), PublisherFeedback.NONE, RTMP);
        hub.publish("live/c", List.of(VIDEO), PublisherFeedback.NONE, SessionInfo.IN_PROCESS);
        first.close(); // already replaced: no second Unpublished
        hub.subscribe("live/c", new StreamHubTest.Recorder(), WHEP);
        hub.reportAuthRefused("live/d", RTMP, StreamEvent.Action.PUBLISH, "bad key");
        hub.reportIngestError("live/c", 0, RTMP, "unsupported codec");
        hub.close();
        assertEquals(List.of("Published rtmp", "Unpublished rtmp", "Published hub", "PlayStarted whep",
                        "AuthRefused rtmp", "IngestError rtmp", "Unpublished hub", "PlayStopped whep"),
                events.stream().map(e -> e.getClass().getSimpleName() + " " + e.session().protocol()).toList());
        assertEquals(0, events.get(4).sessionId());
    }

    @Test
    void sessionInfoRejectsProtocolsThatCannotLabelAMetric() {
        assertThrows(IllegalArgumentException.class, () -> new SessionInfo("RTMP", ""));
        assertThrows(IllegalArgumentException.class, () -> new SessionInfo("", ""));
        assertThrows(IllegalArgumentException.class, () -> new SessionInfo("a".repeat(33), ""));
        assertEquals("192.0.2.1:1935", SessionInfo.of("rtmp", new InetSocketAddress("192.0.2.1", 1935)).clientAddress());
    }
}
