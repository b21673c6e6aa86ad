package io.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.events.SessionInfo;
import io.sluice.core.hub.PublisherFeedback;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import java.util.List;
import org.junit.jupiter.api.Test;

class HubMetricsTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240).build();

    static final StreamSubscriber DISCARD = new StreamSubscriber() {
        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
        }

        @Override
        public void onFrame(EncodedFrame frame) {
            frame.release();
        }

        @Override
        public void onUnpublish(String streamName) {
        }

        @Override
        public void onClosed(String streamName) {
        }
    };

    static void send(StreamHub.Publication p, int bytes, boolean key) {
        p.send(new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(new byte[bytes]), 0, key));
    }

    static double value(SluiceMetrics m, String series) {
        return PrometheusScrapeTest.sample(m.scrape(), series);
    }

    @Test
    void deliveredBytesNeverGoBackWhenViewersLeaveAndCountWhatTheyGotBetweenScrapes() {
        try (StreamHub hub = StreamHub.create(); SluiceMetrics m = SluiceMetrics.builder(hub).build()) {
            StreamHub.Publication p = hub.publish("s", List.of(VIDEO), PublisherFeedback.NONE, new SessionInfo("rtmp", "192.0.2.1:1"));
            StreamHub.Subscription a = hub.subscribe("s", DISCARD, new SessionInfo("whep", "192.0.2.2:2"));
            send(p, 100, true);
            String delivered = "sluice_stream_delivered_bytes_total{stream=\"s\"}";
            assertEquals(100, value(m, delivered));
            assertEquals(1, value(m, "sluice_hub_viewers{protocol=\"whep\"}"));

            StreamHub.Subscription b = hub.subscribe("s", DISCARD); // starts with the cached keyframe: 100
            send(p, 10, false); // a and b: 10 each
            a.close();          // leaves with 110, 10 of them not yet scraped
            assertEquals(100 + 100 + 10 + 10, value(m, delivered));

            StreamHub.Subscription c = hub.subscribe("s", DISCARD); // 110 from the cache (keyframe + delta)
            c.close();                                              // joined and left between scrapes
            b.close();
            assertEquals(330, value(m, delivered));
            assertEquals(1, value(m, "sluice_hub_events_total{event=\"play_stopped\",protocol=\"whep\"}"));
            assertEquals(2, value(m, "sluice_hub_events_total{event=\"play_stopped\",protocol=\"hub\"}"));
            assertEquals(110, value(m, "sluice_stream_ingest_bytes_total{protocol=\"rtmp\",stream=\"s\"}"));
            p.close();
        }
    }

    @Test
    void viewerFreezesCountByProtocolAndEndWithTheSubscription() {
        try (StreamHub hub = StreamHub.create(); SluiceMetrics m = SluiceMetrics.builder(hub).build()) {
            StreamHub.Subscription a = hub.subscribe("s", DISCARD, new SessionInfo("whep", "192.0.2.2:2"));
            a.reportFreezes(2, 900_000);
            a.reportFreezes(0, 900_000); // nothing new: ignored
            a.reportFreezes(1, 1_200_000);
            assertEquals(3, value(m, "sluice_viewer_freezes_total{protocol=\"whep\"}"));
            assertEquals(2, value(m, "sluice_hub_events_total{event=\"viewer_freeze\",protocol=\"whep\"}"));
            a.close();
            a.reportFreezes(5, 2_000_000); // after close: ignored
            assertEquals(3, value(m, "sluice_viewer_freezes_total{protocol=\"whep\"}"));
        }
    }
}
