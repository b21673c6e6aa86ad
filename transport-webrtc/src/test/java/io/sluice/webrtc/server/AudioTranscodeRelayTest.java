package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegFrameTranscoderFactory;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The shared AAC→Opus transcoding of a WHEP stream: one per stream for any number of viewers, off
 * the caller's thread, ended by the last viewer or the publication. Real clip, real FFmpeg.
 */
class AudioTranscodeRelayTest {
    /** Collects the Opus PTS (µs) a viewer receives and the threads it receives them on. */
    static final class Viewer implements AudioTranscodeRelay.Listener {
        final List<Long> pts = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<Codec> codecs = new CopyOnWriteArrayList<>();

        @Override
        public void onTranscodedAudio(EncodedFrame frame) {
            try {
                pts.add(frame.ptsUs());
                codecs.add(frame.codec());
                threads.add(Thread.currentThread().getName());
            } finally {
                frame.release();
            }
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    static TrackInfo audioTrack(StreamHub hub, String stream) {
        return hub.tracks(stream).orElseThrow().stream().filter(TrackInfo::isAudio).findFirst().orElseThrow();
    }

    @Test
    void oneTranscodingPerStreamSharedByViewersAndEndedByTheLast() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).build();
             ClipPublisher pub = new ClipPublisher(hub, "aac", ClipPublisher.RABBIT, 3, false)) {
            WhepChromiumTest.awaitLive(hub, "aac");
            TrackInfo aac = audioTrack(hub, "aac");
            assertEquals(Codec.AAC, aac.codec());
            int subscribersBefore = hub.subscriberCount("aac");
            Viewer a = new Viewer();
            Viewer b = new Viewer();
            AudioTranscodeRelay ra = server.acquireAudioRelay("aac", aac, a);
            AudioTranscodeRelay rb = server.acquireAudioRelay("aac", aac, b);
            assertNotNull(ra);
            assertSame(ra, rb, "second viewer shares the first one's transcoding");
            assertEquals(1, server.audioTranscodings());
            assertEquals(subscribersBefore + 1, hub.subscriberCount("aac"), "one hub subscription for both viewers");

            await(() -> a.pts.size() >= 50 && b.pts.size() >= 50, "Opus frames: " + a.pts.size() + ", " + b.pts.size());
            assertTrue(a.codecs.stream().allMatch(c -> c == Codec.OPUS), "codecs " + a.codecs);
            assertTrue(a.threads.stream().allMatch(t -> t.startsWith("sluice-webrtc-transcode-")), "threads " + a.threads);
            // both get the same frames (b joined right after a: same PTS from b's first frame on)
            int from = a.pts.indexOf(b.pts.get(0));
            assertTrue(from >= 0, "b's first PTS in a's: " + b.pts.get(0));
            // the lists still grow on the transcode thread: compare copies taken once both hold enough
            await(() -> a.pts.size() >= from + 40, "a holds " + (from + 40) + " frames");
            List<Long> aPts = List.copyOf(a.pts);
            List<Long> bPts = List.copyOf(b.pts);
            assertEquals(aPts.subList(from, from + 40), bPts.subList(0, 40));
            for (int i = 1; i < 40; i++) {
                assertEquals(20_000, aPts.get(i) - aPts.get(i - 1), 1, "Opus PTS step at " + i + ": " + aPts);
            }
            long[] counters = ra.counters();
            assertTrue(counters[0] > 0 && counters[1] > 0, "counters " + java.util.Arrays.toString(counters));

            server.releaseAudioRelay(ra, a);
            assertEquals(1, server.audioTranscodings(), "b still watches");
            int bCount = b.pts.size();
            await(() -> b.pts.size() > bCount + 10, "b keeps receiving");

            server.releaseAudioRelay(rb, b);
            assertEquals(0, server.audioTranscodings(), "last viewer left");
            ra.join(5000);
            await(() -> hub.subscriberCount("aac") == subscribersBefore, "relay unsubscribed");
            assertTrue(ra.isEnded());
        }
    }

    @Test
    void endsWithThePublication() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).transcoderFactory(new FfmpegFrameTranscoderFactory()).build()) {
            Viewer v = new Viewer();
            AudioTranscodeRelay r;
            try (ClipPublisher pub = new ClipPublisher(hub, "aac", ClipPublisher.RABBIT, 3, false)) {
                WhepChromiumTest.awaitLive(hub, "aac");
                r = server.acquireAudioRelay("aac", audioTrack(hub, "aac"), v);
                await(() -> v.pts.size() >= 10, "Opus frames: " + v.pts.size());
            }
            await(r::isEnded, "relay ended with the publication");
            assertEquals(0, server.audioTranscodings());
            r.join(5000);
            int n = v.pts.size();
            server.releaseAudioRelay(r, v); // a viewer leaving later: harmless
            Thread.sleep(100);
            assertEquals(n, v.pts.size());
        }
    }

    @Test
    void failingTranscoderLeavesViewersWithoutAudio() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).transcoderFactory((input, codec) -> {
                 throw new IllegalStateException("no codec here");
             }).build();
             ClipPublisher pub = new ClipPublisher(hub, "aac", ClipPublisher.RABBIT, 3, false)) {
            WhepChromiumTest.awaitLive(hub, "aac");
            Viewer v = new Viewer();
            AudioTranscodeRelay r = server.acquireAudioRelay("aac", audioTrack(hub, "aac"), v);
            Thread.sleep(1000);
            assertEquals(List.of(), v.pts);
            assertEquals(0, r.counters()[1]);
            assertEquals(1, server.audioTranscodings(), "a failed relay stays (no retry per viewer)");
            server.releaseAudioRelay(r, v);
            assertEquals(0, server.audioTranscodings());
        }
    }
}
