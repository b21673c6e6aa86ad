package io.sluice.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.feedback.KeyframeRequestReason;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.time.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The publisher's feedback seam: keyframe requests with track and reason, viewers' estimates. */
class StreamHubFeedbackTest {

    /** Records "trackId reason" per request. */
    static final class Requests implements PublisherFeedback {
        final List<String> seen = new ArrayList<>();

        @Override
        public synchronized void onKeyframeRequest(int trackId, KeyframeRequestReason reason) {
            seen.add(trackId + " " + reason);
        }
    }

    static BandwidthEstimate remb(long bps) {
        return new BandwidthEstimate(BandwidthEstimate.Kind.REMB, bps, 0, 0, 0, 0);
    }

    @Test
    void aPublisherHearsTheTrackAndTheReasonOfEachKeyframeRequest() {
        try (StreamHub hub = StreamHub.create()) {
            Requests requests = new Requests();
            StreamHub.Publication p = hub.publish("s", List.of(StreamHubTest.AUDIO, StreamHubTest.VIDEO), requests);
            StreamHub.Subscription sub = hub.subscribe("s", new StreamHubTest.Recorder());
            sub.requestKeyframe(0, KeyframeRequestReason.PICTURE_LOSS);
            sub.requestKeyframe(0, KeyframeRequestReason.FULL_INTRA_REQUEST);
            sub.requestKeyframe(); // the reason-less call: first video track (0), not the first track (1)
            sub.requestKeyframe(0, null);
            sub.requestKeyframe(7, KeyframeRequestReason.PICTURE_LOSS); // not a track of this publication
            assertEquals(List.of("0 PICTURE_LOSS", "0 FULL_INTRA_REQUEST", "0 UNSPECIFIED", "0 UNSPECIFIED"), requests.seen);
            p.close();
            sub.requestKeyframe(0, KeyframeRequestReason.PICTURE_LOSS); // no publisher: nothing to ask
            assertEquals(4, requests.seen.size());
            sub.close();
        }
    }

    @Test
    void theRunnableFormOfPublishStillRunsForEveryRequest() {
        try (StreamHub hub = StreamHub.create()) {
            AtomicInteger runs = new AtomicInteger();
            StreamHub.Publication p = hub.publish("s", List.of(StreamHubTest.VIDEO), runs::incrementAndGet);
            StreamHub.Subscription sub = hub.subscribe("s", new StreamHubTest.Recorder());
            sub.requestKeyframe();
            sub.requestKeyframe(0, KeyframeRequestReason.PICTURE_LOSS);
            assertEquals(2, runs.get());
            sub.close();
            p.close();
        }
    }

    @Test
    void aViewerJoiningWithoutACachedKeyframeAsksTheLivePublisherForOne() {
        try (StreamHub hub = StreamHub.builder().gopCache(0, 0).build()) {
            Requests requests = new Requests();
            StreamHub.Publication p = hub.publish("s", List.of(StreamHubTest.VIDEO, StreamHubTest.AUDIO), requests);
            StreamHub.Subscription early = hub.subscribe("s", new StreamHubTest.Recorder());
            assertEquals(List.of(), requests.seen, "nothing sent yet: the first frame will be a keyframe anyway");
            p.send(StreamHubTest.video(0, true));
            p.send(StreamHubTest.video(1, false));
            StreamHub.Subscription late = hub.subscribe("s", new StreamHubTest.Recorder());
            assertEquals(List.of("0 NEW_SUBSCRIBER"), requests.seen, "cache off: the late viewer would wait a whole GOP");
            late.close();
            early.close();
            p.close();
        }
        try (StreamHub hub = StreamHub.create()) {
            Requests requests = new Requests();
            StreamHub.Publication p = hub.publish("s", List.of(StreamHubTest.VIDEO), requests);
            p.send(StreamHubTest.video(0, true));
            p.send(StreamHubTest.video(1, false));
            hub.subscribe("s", new StreamHubTest.Recorder()).close();
            assertEquals(List.of(), requests.seen, "the GOP cache starts the viewer at its keyframe");
            p.close();
        }
    }

    @Test
    void thePublisherSeesTheFreshEstimatesOfItsViewers() {
        ManualTicker ticker = new ManualTicker();
        try (StreamHub hub = StreamHub.builder().ticker(ticker).estimateMaxAge(Duration.ofSeconds(5)).build()) {
            StreamHub.Publication p = hub.publish("s", List.of(StreamHubTest.VIDEO), PublisherFeedback.NONE);
            StreamHub.Subscription slow = hub.subscribe("s", new StreamHubTest.Recorder());
            StreamHub.Subscription fast = hub.subscribe("s", new StreamHubTest.Recorder());
            StreamHub.Subscription mid = hub.subscribe("s", new StreamHubTest.Recorder());
            StreamHub.Subscription silent = hub.subscribe("s", new StreamHubTest.Recorder());
            assertEquals(new SubscriberEstimates(4, List.of()), p.subscriberEstimates());
            assertEquals(OptionalLong.empty(), p.subscriberEstimates().minBitrateBps());

            slow.reportEstimate(remb(800_000));
            fast.reportEstimate(remb(6_000_000));
            mid.reportEstimate(remb(2_500_000));
            SubscriberEstimates e = p.subscriberEstimates();
            assertEquals(4, e.subscribers());
            assertEquals(3, e.reporting());
            assertEquals(OptionalLong.of(800_000), e.minBitrateBps());
            assertEquals(OptionalLong.of(2_500_000), e.percentileBitrateBps(50));
            assertEquals(OptionalLong.of(6_000_000), e.percentileBitrateBps(100));
            assertEquals(OptionalLong.of(800_000), e.percentileBitrateBps(0));

            ticker.advanceMillis(4_000);
            fast.reportEstimate(remb(5_000_000)); // renewed; the others are now 4 s old
            ticker.advanceMillis(1_500);          // the others 5.5 s old: stale
            assertEquals(List.of(5_000_000L), bitrates(p.subscriberEstimates()));

            mid.reportEstimate(remb(3_000_000));
            fast.close(); // a closed subscription's estimate leaves with it
            assertEquals(List.of(3_000_000L), bitrates(p.subscriberEstimates()));
            mid.reportEstimate(null); // withdrawn
            assertEquals(new SubscriberEstimates(3, List.of()), p.subscriberEstimates());
            slow.close();
            mid.close();
            silent.close();
            p.close();
        }
    }

    @Test
    void badSettingsAndPercentilesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> StreamHub.builder().estimateMaxAge(Duration.ZERO));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SubscriberEstimates(1, List.of()).percentileBitrateBps(101));
        assertTrue(e.getMessage().contains("101"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SubscriberEstimates(0, List.of(remb(1))));
    }

    private static List<Long> bitrates(SubscriberEstimates e) {
        return e.estimates().stream().map(BandwidthEstimate::bitrateBps).toList();
    }
}
