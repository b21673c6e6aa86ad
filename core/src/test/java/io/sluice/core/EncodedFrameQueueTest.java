package io.sluice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EncodedFrameQueueTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).audio(48000, 2).build();

    static EncodedFrame video(long n, boolean key) {
        return new EncodedFrame(VIDEO, Unpooled.buffer(8).writeLong(n), n * 33_333, key);
    }

    static EncodedFrame audio(long n) {
        return new EncodedFrame(AUDIO, Unpooled.buffer(8).writeLong(n), n * 21_333, true);
    }

    static List<EncodedFrame> drain(EncodedFrameQueue q) throws InterruptedException {
        List<EncodedFrame> out = new ArrayList<>();
        EncodedFrame f;
        while ((f = q.poll(0, TimeUnit.MILLISECONDS)) != null) {
            out.add(f);
        }
        return out;
    }

    @Test
    void videoIsDroppedBeforeAudio() throws InterruptedException {
        EncodedFrameQueue q = new EncodedFrameQueue(4, id -> { });
        q.offer(video(0, true));
        q.offer(audio(0));
        q.offer(video(1, false));
        q.offer(audio(1));
        assertTrue(q.offer(audio(2)));
        List<EncodedFrame> out = drain(q);
        // The only queued GOP (frames 0, 1) went; all three audio frames stayed.
        assertEquals(3, out.size());
        assertTrue(out.stream().allMatch(f -> f.mediaType() == MediaType.AUDIO));
        assertEquals(2, q.dropped());
        out.forEach(EncodedFrame::release);
    }

    @Test
    void audioIsDroppedOldestFirstWhenNoVideoIsQueued() throws InterruptedException {
        EncodedFrameQueue q = new EncodedFrameQueue(2, id -> { });
        q.offer(audio(0));
        q.offer(audio(1));
        q.offer(audio(2));
        List<EncodedFrame> out = drain(q);
        assertEquals(List.of(21_333L, 42_666L), out.stream().map(EncodedFrame::ptsUs).toList());
        out.forEach(EncodedFrame::release);
    }

    @Test
    void afterADropNoFrameArrivesWithoutItsReferenceUntilTheNextKeyframe() throws InterruptedException {
        List<Integer> keyframeRequests = new ArrayList<>();
        EncodedFrameQueue q = new EncodedFrameQueue(3, keyframeRequests::add);
        q.offer(video(0, true));
        q.offer(video(1, false));
        q.offer(video(2, false));
        assertFalse(q.offer(video(3, false)), "P-frame after an evicted GOP must be dropped");
        assertFalse(q.offer(video(4, false)));
        assertEquals(List.of(0), keyframeRequests);
        assertTrue(q.offer(video(5, true)));
        assertTrue(q.offer(video(6, false)));
        List<EncodedFrame> out = drain(q);
        assertEquals(List.of(5L * 33_333, 6L * 33_333), out.stream().map(EncodedFrame::ptsUs).toList());
        out.forEach(EncodedFrame::release);
        assertEquals(5, q.dropped());
    }

    @Test
    void evictionStopsAtTheNextQueuedKeyframe() throws InterruptedException {
        EncodedFrameQueue q = new EncodedFrameQueue(4, id -> { });
        q.offer(video(0, true));
        q.offer(video(1, false));
        q.offer(video(2, true));
        q.offer(video(3, false));
        assertTrue(q.offer(video(4, false)));
        List<EncodedFrame> out = drain(q);
        assertEquals(List.of(2L, 3L, 4L), out.stream().map(f -> f.ptsUs() / 33_333).toList());
        out.forEach(EncodedFrame::release);
    }

    /** Random offers against a small queue: the consumer must be able to decode everything it gets. */
    @Test
    void randomLoadNeverYieldsADanglingFrame() throws InterruptedException {
        Random rnd = new Random(42);
        EncodedFrameQueue q = new EncodedFrameQueue(16, id -> { });
        long n = 0;
        boolean haveReference = false;
        long lastVideo = -1;
        for (int round = 0; round < 20_000; round++) {
            int r = rnd.nextInt(10);
            if (r < 6) {
                q.offer(video(n, n % 30 == 0));
                n++;
            } else if (r < 8) {
                q.offer(audio(round));
            } else {
                EncodedFrame f = q.poll(0, TimeUnit.MILLISECONDS);
                if (f != null) {
                    if (f.mediaType() == MediaType.VIDEO) {
                        long idx = f.ptsUs() / 33_333;
                        if (f.isKeyframe()) {
                            haveReference = true;
                        } else {
                            assertTrue(haveReference && idx == lastVideo + 1,
                                    "P-frame " + idx + " after " + lastVideo + " has no reference");
                        }
                        lastVideo = idx;
                    }
                    f.release();
                }
            }
        }
        drain(q).forEach(EncodedFrame::release);
        assertTrue(q.dropped() > 0, "the load must have caused drops");
    }

    @Test
    void putWaitsForRoomAndClearReleasesEverything() throws Exception {
        EncodedFrameQueue q = new EncodedFrameQueue(2, id -> { });
        q.put(audio(0));
        q.put(audio(1));
        Thread producer = new Thread(() -> {
            try {
                q.put(audio(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        producer.join(100);
        assertTrue(producer.isAlive(), "put must wait while full");
        EncodedFrame first = q.poll(1, TimeUnit.SECONDS);
        first.release();
        producer.join(2000);
        assertFalse(producer.isAlive());
        assertEquals(2, q.size());
        q.clear();
        assertEquals(0, q.size());
        assertNull(q.poll(0, TimeUnit.MILLISECONDS));
        assertEquals(0, q.dropped());
    }

    @Test
    void skipToNewestKeyframeStartsALiveBacklogAtThePresent() throws InterruptedException {
        EncodedFrameQueue q = new EncodedFrameQueue(100, id -> { });
        for (int n = 0; n < 40; n++) { // 1.3 s of video, keyframes at 0 and 30, audio between
            q.offer(video(n, n % 30 == 0));
            q.offer(audio(n));
        }
        assertEquals(0, q.skipToNewestKeyframe(2_000_000), "a backlog under the span stays");
        assertEquals(60, q.skipToNewestKeyframe(500_000), "video 0..29 and their audio go");
        assertEquals(60, q.dropped());
        List<EncodedFrame> left = drain(q);
        assertEquals(20, left.size());
        assertTrue(left.get(0).isKeyframe() && left.get(0).ptsUs() == 30 * 33_333, "starts at the newest keyframe");
        left.forEach(EncodedFrame::release);
        q.offer(video(0, false));
        q.offer(video(40, false));
        assertEquals(0, q.skipToNewestKeyframe(0), "no keyframe to start at: nothing dropped");
        q.clear();
    }
}
