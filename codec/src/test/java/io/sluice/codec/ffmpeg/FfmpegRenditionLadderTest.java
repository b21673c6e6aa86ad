package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.spi.RenditionLadder;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real clip is published into a hub and its shared ladder transcodes it; every rung stream is recorded with
 * the {@code file:} transport and checked with ffprobe: the expected picture size, no B-frames, and keyframes
 * at identical PTS on every rung.
 */
class FfmpegRenditionLadderTest {
    /** Records the video of one hub stream into a file (video only: frames come from the ladder's one thread). */
    static final class RungRecorder implements StreamSubscriber {
        final FileTransport file;
        final AtomicInteger frames = new AtomicInteger();
        final CountDownLatch unpublished = new CountDownLatch(1);
        volatile String problem;
        /** Set to ask for a keyframe (as a WebRTC viewer's PLI would) once this many frames have come. */
        volatile int keyframeRequestAt = -1;
        volatile StreamHub.Subscription subscription;
        private boolean open;

        RungRecorder(Path path) {
            file = new FileTransport(URI.create("file:" + path));
        }

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
            if (!open) {
                open = true;
                file.open(tracks.stream().filter(TrackInfo::isVideo).toList(), new RecordingFeedback());
            }
        }

        @Override
        public void onFrame(EncodedFrame f) {
            if (!f.track().isVideo()) {
                f.release();
                return;
            }
            if (f.track().hasBFrames() || f.dtsUs() != f.ptsUs()) {
                problem = "frame with B-frame timing: " + f;
            }
            if (frames.incrementAndGet() == keyframeRequestAt) {
                subscription.requestKeyframe();
            }
            file.send(f);
        }

        @Override
        public void onUnpublish(String streamName) {
            file.close();
            unpublished.countDown();
        }
    }

    /** Publishes every frame of {@code clip} into {@code pub} as fast as it reads (the ladder's queue holds them). */
    static void publishAll(MediaSource source, StreamHub.Publication pub) throws InterruptedException {
        MediaFrame f;
        while ((f = source.read()) != null) {
            pub.send((EncodedFrame) f);
        }
    }

    static MediaSource openEncoded(String clip, List<TrackInfo> tracksOut) {
        MediaSource source = MediaSources.open(TestMedia.input(clip));
        List<TrackInfo> tracks = source.open();
        Map<Integer, Delivery> sel = new HashMap<>();
        tracks.forEach(t -> sel.put(t.trackId(), Delivery.ENCODED));
        source.select(sel);
        tracksOut.addAll(tracks);
        return source;
    }

    static List<String> keyframePts(Path file) {
        List<String> keys = new ArrayList<>();
        for (String line : Ffprobe.entries(file, "v:0", "packet=pts_time,flags")) {
            String[] p = line.split(",");
            if (p[1].startsWith("K")) {
                keys.add(p[0]);
            }
        }
        return keys;
    }

    @Test
    void aClipWithBFramesGetsALadderOfBFrameFreeRungsWithAlignedKeyframes(@TempDir Path tmp) throws Exception {
        List<TrackInfo> tracks = new ArrayList<>();
        try (StreamHub hub = StreamHub.create();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).queueFrames(10_000).build();
             MediaSource source = openEncoded(TestMedia.FLOWER, tracks)) {
            assertTrue(tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow().hasBFrames());
            StreamHub.Publication pub = hub.publish("live/flower", tracks, () -> { });
            RenditionLadder.Lease lease = ladder.acquire("live/flower");
            List<RenditionLadder.Rung> rungs = lease.rungs();
            System.out.println("ladder of a 960x540 source with B-frames: " + rungs);
            assertEquals(List.of(960, 854, 640, 426), rungs.stream().map(RenditionLadder.Rung::width).toList());
            assertEquals(List.of(540, 480, 360, 240), rungs.stream().map(RenditionLadder.Rung::height).toList());
            assertFalse(rungs.get(0).passthrough(), "B-frames: the top rung is transcoded");
            try (RenditionLadder.Lease second = ladder.acquire("live/flower")) {
                assertEquals(rungs, second.rungs(), "a second consumer joins the same ladder");
            }
            assertEquals(List.of("live/flower"), ladder.runningLadders(), "still held by the first lease");

            List<RungRecorder> recorders = new ArrayList<>();
            for (RenditionLadder.Rung r : rungs) {
                RungRecorder rec = new RungRecorder(tmp.resolve(r.height() + "p.mp4"));
                recorders.add(rec);
                rec.subscription = hub.subscribe(r.streamName(), rec);
            }
            recorders.get(2).keyframeRequestAt = 45; // a viewer of the 360p rung asks for a keyframe at 1.5 s
            publishAll(source, pub);
            pub.close(); // the ladder still encodes what it has queued and what the decoder holds, then ends the rungs
            for (RungRecorder rec : recorders) {
                assertTrue(rec.unpublished.await(120, TimeUnit.SECONDS), "rung streams end after the source");
                assertNull(rec.problem, rec.problem);
            }
            lease.close();
            assertEquals(List.of(), ladder.runningLadders());

            List<String> reference = null;
            for (int i = 0; i < rungs.size(); i++) {
                RenditionLadder.Rung r = rungs.get(i);
                Path file = tmp.resolve(r.height() + "p.mp4");
                Map<String, String> info = Ffprobe.stream(file, "v:0", "codec_name,width,height,has_b_frames,nb_read_frames");
                List<String> types = Ffprobe.entries(file, "v:0", "frame=pict_type");
                List<String> keys = keyframePts(file);
                System.out.printf("rung %s: %s, keyframes at %s s%n", r.streamName(), info, keys);
                assertEquals("h264", info.get("codec_name"));
                assertEquals(String.valueOf(r.width()), info.get("width"));
                assertEquals(String.valueOf(r.height()), info.get("height"));
                assertEquals("0", info.get("has_b_frames"), "no reordering in the rung");
                assertFalse(types.contains("B"), "no B picture in " + r.streamName());
                assertEquals("150", info.get("nb_read_frames"), "every source picture, none dropped: " + info);
                assertEquals(4, keys.size(), "5 s at a 2 s GOP: keyframes at 0, 2, 4 s, and one asked for at 1.5 s: " + keys);
                if (reference == null) {
                    reference = keys;
                } else {
                    assertEquals(reference, keys, "keyframes at the same PTS as on " + rungs.get(0).streamName());
                }
            }
        }
    }

    @Test
    void aClipWithoutBFramesIsItsOwnTopRungAndLowerRungsFollowItsKeyframes(@TempDir Path tmp) throws Exception {
        List<TrackInfo> tracks = new ArrayList<>();
        try (StreamHub hub = StreamHub.create();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).heights(180).queueFrames(10_000).build();
             MediaSource source = openEncoded(TestMedia.RABBIT, tracks)) {
            StreamHub.Publication pub = hub.publish("live/rabbit", tracks, () -> { });
            RenditionLadder.Lease lease = ladder.acquire("live/rabbit");
            List<RenditionLadder.Rung> rungs = lease.rungs();
            assertEquals(2, rungs.size(), rungs.toString());
            assertTrue(rungs.get(0).passthrough());
            assertEquals("live/rabbit", rungs.get(0).streamName());
            assertEquals(240, rungs.get(1).width());
            assertEquals(180, rungs.get(1).height());
            RungRecorder source240 = new RungRecorder(tmp.resolve("source.mp4"));
            RungRecorder rung180 = new RungRecorder(tmp.resolve("180p.mp4"));
            hub.subscribe("live/rabbit", source240);
            hub.subscribe(rungs.get(1).streamName(), rung180);
            publishAll(source, pub);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (rung180.frames.get() < source240.frames.get() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            pub.close();
            assertTrue(rung180.unpublished.await(10, TimeUnit.SECONDS));
            lease.close();
            List<String> sourceKeys = keyframePts(tmp.resolve("source.mp4"));
            List<String> rungKeys = keyframePts(tmp.resolve("180p.mp4"));
            System.out.printf("source keyframes %s, 180p rung keyframes %s%n", sourceKeys, rungKeys);
            assertEquals(2, sourceKeys.size(), "the rabbit clip's IDRs (0 s and 5 s)");
            assertEquals(sourceKeys, rungKeys, "the rung's IDRs are at the source's keyframes");
        }
    }

    @Test
    void aStreamThatIsNotLiveOrNotH264IsRefused() {
        try (StreamHub hub = StreamHub.create(); FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).build()) {
            assertThrows(IllegalStateException.class, () -> ladder.acquire("nothing"));
            TrackInfo vp8 = TrackInfo.builder(0, io.sluice.core.Codec.VP8).resolution(320, 240).build();
            try (StreamHub.Publication p = hub.publish("vp8", List.of(vp8), () -> { })) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ladder.acquire("vp8"));
                assertTrue(e.getMessage().contains("expected: H.264"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> FfmpegRenditionLadder.builder(hub).heights(7));
            assertThrows(IllegalArgumentException.class, () -> FfmpegRenditionLadder.builder(hub).maxLadders(0));
        }
    }

    @Test
    void theNumberOfRunningLaddersIsBoundedAndALeaveFreesASlot() {
        TrackInfo h264 = TrackInfo.builder(0, io.sluice.core.Codec.H264).resolution(320, 240).hasBFrames(true).build();
        try (StreamHub hub = StreamHub.create();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).maxLadders(1).build();
             StreamHub.Publication a = hub.publish("a", List.of(h264), () -> { });
             StreamHub.Publication b = hub.publish("b", List.of(h264), () -> { })) {
            RenditionLadder.Lease la = ladder.acquire("a");
            assertEquals(List.of("a~240p"), la.rungs().stream().map(RenditionLadder.Rung::streamName).toList());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ladder.acquire("b"));
            assertTrue(e.getMessage().contains("limit 1"), e.getMessage());
            la.close();
            try (RenditionLadder.Lease lb = ladder.acquire("b")) {
                assertEquals(List.of("b"), ladder.runningLadders());
            }
            assertThrows(IllegalArgumentException.class, () -> FfmpegRenditionLadder.builder(hub).maxRungs(0));
        }
    }

    /**
     * A viewer that leaves and comes back at once (a WHEP reconnect) while the stopped ladder's thread still has
     * frames to finish: the new lease waits for the old thread to unpublish its rungs instead of failing with
     * "already being published".
     */
    @Test
    void aLeaseTakenWhileTheLastOneIsStillStoppingGetsAFreshLadder() throws Exception {
        List<TrackInfo> tracks = new ArrayList<>();
        try (StreamHub hub = StreamHub.create();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).queueFrames(10_000).build();
             MediaSource source = openEncoded(TestMedia.FLOWER, tracks)) {
            StreamHub.Publication pub = hub.publish("live/flower", tracks, () -> { });
            List<EncodedFrame> frames = new ArrayList<>();
            MediaFrame f;
            while ((f = source.read()) != null) {
                frames.add((EncodedFrame) f);
            }
            try {
                for (int i = 0; i < 3; i++) {
                    RenditionLadder.Lease lease = ladder.acquire("live/flower");
                    for (EncodedFrame e : frames) {
                        pub.send(e.retainedDuplicate()); // queued: the ladder's thread is busy after the lease closes
                    }
                    lease.close();
                }
                try (RenditionLadder.Lease last = ladder.acquire("live/flower")) {
                    assertEquals(List.of("live/flower"), ladder.runningLadders());
                    assertTrue(hub.tracks(last.rungs().get(0).streamName()).isPresent());
                }
            } finally {
                frames.forEach(EncodedFrame::release);
                pub.close();
            }
        }
    }
}
