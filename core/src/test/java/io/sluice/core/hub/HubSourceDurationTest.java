package io.sluice.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.sluice.core.EncodedFrame;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Recording a hub stream that has been live for an hour with {@code duration(1 s)}: the publisher's
 * timestamps start at 3600 s, and the pipeline must record the first second of what it receives,
 * not stop at once because 3600 s &ge; 1 s.
 */
class HubSourceDurationTest {
    static final long HOUR_US = 3_600_000_000L;

    /** Keeps the PTS of every frame it is sent. */
    static final class PtsRecorder implements Transport {
        final List<Long> ptsUs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public URI uri() {
            return URI.create("test://pts");
        }

        @Override
        public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
            feedback.onStateChanged(TransportState.CONNECTED, null);
        }

        @Override
        public boolean send(EncodedFrame frame) {
            ptsUs.add(frame.ptsUs());
            frame.release();
            return true;
        }

        @Override
        public TransportStats stats() {
            return new TransportStats(TransportState.CONNECTED, 0, ptsUs.size(), 0, 0, 0);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aDurationLimitCountsFromTheFirstFrameReceivedNotFromTimestampZero() {
        try (StreamHub hub = StreamHub.create()) {
            StreamHub.Publication publication = hub.publish("live/long", List.of(StreamHubTest.VIDEO), () -> { });
            PtsRecorder recorder = new PtsRecorder();
            try (StreamPipeline recording = StreamPipeline.builder()
                    .source(hub.source("live/long", Duration.ofSeconds(5), 256))
                    .copy(true).noAudio().duration(Duration.ofSeconds(1)).transport(recorder).build()) {
                recording.start();
                for (int n = 0; n < 50; n++) { // 2 s at 25 frame/s, keyframe every second
                    long pts = HOUR_US + n * 40_000L;
                    publication.send(new EncodedFrame(StreamHubTest.VIDEO, Unpooled.buffer(8).writeLong(n), pts, pts, n % 25 == 0, 0));
                }
                publication.close(); // the source ends when the publisher leaves
                recording.completion().orTimeout(10, TimeUnit.SECONDS).join();
            }
            assertEquals(25, recorder.ptsUs.size(), "one second of frames: " + recorder.ptsUs);
            assertEquals(HOUR_US, recorder.ptsUs.get(0), "timestamps pass through unchanged");
            assertEquals(HOUR_US + 24 * 40_000L, recorder.ptsUs.get(24));
        }
    }
}
