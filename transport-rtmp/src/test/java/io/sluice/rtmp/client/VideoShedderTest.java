package io.sluice.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link VideoShedder} in simulated time: a publisher's send queue (30 fps video, AAC at 128 kbit/s) drained by a
 * path of a given capacity, ticked every 100 ms as the RTMP client ticks it, with an encoder that answers a keyframe
 * request with the next frame.
 */
class VideoShedderTest {
    static final int VIDEO = 1;
    static final long TICK_US = 100_000;
    static final long VIDEO_INTERVAL_US = 33_333;
    static final long AUDIO_INTERVAL_US = 21_333; // 1024 samples at 48 kHz
    static final long AUDIO_BPS = 128_000;

    /** One frame through the simulated queue. */
    record Frame(boolean video, boolean keyframe, long dtsUs, int bytes) {
    }

    /** What a run produced. */
    static final class Run {
        final List<long[]> sentVideo = new ArrayList<>(); // {dtsUs, sentUs, keyframe 0/1}
        int audioOffered;
        int audioSent;
        int videoDropped;
        long maxQueuedUs;
        final List<long[]> sheds = new ArrayList<>(); // {timeUs, queuedUs}
        final List<long[]> resumes = new ArrayList<>(); // {timeUs, queuedUs}
        long firstOverCutUs = -1; // when the queue first passed 200 ms

        long maxVideoDelayUs(long fromUs, long toUs) {
            return sentVideo.stream().filter(v -> v[0] >= fromUs && v[0] < toUs).mapToLong(v -> v[1] - v[0]).max().orElse(0);
        }
    }

    /**
     * Runs {@code durationUs} of media: video at {@code videoBps.applyAsLong(t)} (a keyframe every 2 s, and on request,
     * {@code keyframeFactor} × a frame's size), audio at 128 kbit/s, a path of {@code capacityBps.applyAsLong(t)}.
     * Frames leave the queue in order at the path's rate; a video frame {@link VideoShedder#admitVideo} refuses is
     * dropped as it reaches the head (as the client drops it as it leaves its buffer).
     */
    static Run simulate(VideoShedder shedder, long durationUs, LongUnaryOperator videoBps, LongUnaryOperator capacityBps,
                        int keyframeFactor) {
        Run run = new Run();
        ArrayDeque<Frame> queue = new ArrayDeque<>();
        double headLeft = -1; // bytes of the head frame still to send; -1: not started
        long newestOfferedDts = -1;
        long newestGoneDts = -1;
        long nextVideo = 0;
        long nextAudio = 0;
        long nextKeyframe = 0;
        boolean keyframeRequested = false;
        for (long t = 0; t < durationUs; t += 1000) {
            if (t >= nextVideo) {
                boolean key = t >= nextKeyframe || keyframeRequested;
                if (key) {
                    nextKeyframe = t + 2_000_000;
                    keyframeRequested = false;
                }
                int size = (int) (videoBps.applyAsLong(t) * VIDEO_INTERVAL_US / 8_000_000);
                queue.addLast(new Frame(true, key, t, key ? size * keyframeFactor : size));
                newestOfferedDts = t;
                nextVideo += VIDEO_INTERVAL_US;
            }
            if (t >= nextAudio) {
                queue.addLast(new Frame(false, false, t, (int) (AUDIO_BPS * AUDIO_INTERVAL_US / 8_000_000)));
                run.audioOffered++;
                newestOfferedDts = t;
                nextAudio += AUDIO_INTERVAL_US;
            }
            double budget = capacityBps.applyAsLong(t) / 8_000.0; // bytes per ms
            while (!queue.isEmpty() && budget > 0) {
                Frame f = queue.peekFirst();
                if (headLeft < 0) {
                    if (f.video() && !shedder.admitVideo(VIDEO, f.keyframe())) {
                        queue.pollFirst();
                        run.videoDropped++;
                        newestGoneDts = Math.max(newestGoneDts, f.dtsUs());
                        continue;
                    }
                    headLeft = f.bytes();
                }
                double n = Math.min(budget, headLeft);
                headLeft -= n;
                budget -= n;
                if (headLeft <= 0) {
                    queue.pollFirst();
                    headLeft = -1;
                    newestGoneDts = Math.max(newestGoneDts, f.dtsUs());
                    if (f.video()) {
                        run.sentVideo.add(new long[] {f.dtsUs(), t + 1000, f.keyframe() ? 1 : 0});
                    } else {
                        run.audioSent++;
                    }
                }
            }
            if (t % TICK_US == 0 && t > 0) {
                long queuedUs = queue.isEmpty() || newestGoneDts < 0 ? 0 : Math.max(0, newestOfferedDts - newestGoneDts);
                run.maxQueuedUs = Math.max(run.maxQueuedUs, queuedUs);
                if (queuedUs > 200_000 && run.firstOverCutUs < 0) {
                    run.firstOverCutUs = t;
                }
                long queuedBytes = queue.stream().mapToLong(Frame::bytes).sum() - (headLeft < 0 ? 0 : queue.peekFirst().bytes() - (long) headLeft);
                switch (shedder.onQueue(t * 1000, queuedUs, queuedBytes)) {
                    case SHED -> run.sheds.add(new long[] {t, queuedUs});
                    case RESUME -> {
                        run.resumes.add(new long[] {t, queuedUs});
                        keyframeRequested = true;
                    }
                    case NONE -> {
                    }
                }
            }
        }
        return run;
    }

    static VideoShedder defaults() {
        return VideoShedder.withDefaults(Set.of(VIDEO), VideoShedder.DEFAULT_SHED_QUEUE_US);
    }

    /**
     * The mahimahi ATT-LTE uplink's outage: 1 Mbit/s, then 0.2 Mbit/s for 6 s while the pipeline sends its minimum
     * (150 kbit/s of video and 128 of audio), then 1 Mbit/s again.
     */
    @Test
    void shedsVideoKeepsAudioAndResumesAtAKeyframeWhenTheMinimumDoesNotFit() {
        VideoShedder shedder = defaults();
        Run run = simulate(shedder, 20_000_000, t -> t < 5_000_000 ? 600_000 : 150_000,
                t -> t >= 5_000_000 && t < 11_000_000 ? 200_000 : 1_000_000, 3);

        assertFalse(run.sheds.isEmpty(), "video shed");
        long[] first = run.sheds.get(0);
        assertTrue(first[1] >= VideoShedder.DEFAULT_SHED_QUEUE_US, "shed at " + first[1] / 1000 + " ms queued");
        assertTrue(first[0] - run.firstOverCutUs >= VideoShedder.DEFAULT_ANSWER_US,
                "shed " + (first[0] - run.firstOverCutUs) / 1000 + " ms after the queue passed 200 ms");
        assertTrue(run.maxQueuedUs <= 1_150_000, "queue peaked at " + run.maxQueuedUs / 1000 + " ms");
        assertTrue(run.audioOffered - run.audioSent <= 1, "audio frames sent: " + run.audioSent + " of " + run.audioOffered); // the last may still be queued
        assertTrue(run.videoDropped > 0);

        assertFalse(run.resumes.isEmpty(), "a keyframe requested once the queue drained");
        for (long[] r : run.resumes) {
            assertTrue(r[1] <= VideoShedder.DEFAULT_RESUME_QUEUE_US, "resumed at " + r[1] / 1000 + " ms queued");
            long[] next = run.sentVideo.stream().filter(v -> v[1] > r[0]).findFirst().orElseThrow();
            assertEquals(1, next[2], "the first video frame sent after resuming at " + r[0] / 1000 + " ms is a keyframe");
        }
        for (long[] s : run.sheds) {
            // nothing sent between a shed and its resume
            long resume = run.resumes.stream().mapToLong(r -> r[0]).filter(r -> r > s[0]).min().orElse(Long.MAX_VALUE);
            assertTrue(run.sentVideo.stream().noneMatch(v -> v[0] > s[0] && v[1] > s[0] && v[1] < resume),
                    "no video sent while shedding from " + s[0] / 1000 + " ms");
        }
        long lastResume = run.resumes.get(run.resumes.size() - 1)[0];
        assertTrue(lastResume < 12_000_000, "video resumed " + lastResume / 1000 + " ms (capacity back at 11 s)");
        assertTrue(run.sentVideo.stream().filter(v -> v[0] >= 13_000_000).count() >= 6 * 29, "full frame rate after the outage");
        assertTrue(run.maxVideoDelayUs(0, 20_000_000) <= 1_400_000,
                "video waited at most " + run.maxVideoDelayUs(0, 20_000_000) / 1000 + " ms");
        assertTrue(run.maxVideoDelayUs(13_000_000, 20_000_000) <= 100_000, "no delay left after the outage");
    }

    /** A path that carries the stream, with keyframes 4 × a frame's size every 2 s: nothing shed, every frame sent. */
    @Test
    void shedsNothingOnAPathThatCarriesTheStream() {
        VideoShedder shedder = defaults();
        Run run = simulate(shedder, 30_000_000, t -> 250_000, t -> 420_000, 4);
        assertEquals(0, shedder.sheds());
        assertEquals(0, run.videoDropped);
        assertTrue(run.sentVideo.size() >= 29 * 30, "video frames sent: " + run.sentVideo.size());
    }

    /**
     * A step down the rate controller answers (RFC 8867 §5.1's 2.5 → 0.6 Mbit/s): the encoder keeps 2.2 Mbit/s for
     * 0.4 s (two reports, then the cut) and reaches the cut's 0.3 Mbit/s over the next second (x264's lag). The media
     * queued passes 1 s and keeps growing for seconds (what was made at 2.2 Mbit/s drains at 0.6), but the bytes queued
     * shrink from 1.3 s after the step: nothing shed.
     */
    @Test
    void shedsNothingWhenTheControllerAnswersAStepDown() {
        VideoShedder shedder = defaults();
        long step = 5_000_000;
        LongUnaryOperator video = t -> t < step + 400_000 ? 2_200_000
                : t < step + 1_400_000 ? 2_200_000 - (t - step - 400_000) * 1_900_000 / 1_000_000 : 300_000;
        Run run = simulate(shedder, 20_000_000, video, t -> t < step ? 2_500_000 : 600_000, 3);
        assertTrue(run.maxQueuedUs >= VideoShedder.DEFAULT_SHED_QUEUE_US,
                "the queue passed the shed threshold (else this shows nothing): " + run.maxQueuedUs / 1000 + " ms");
        assertEquals(0, shedder.sheds());
        assertEquals(0, run.videoDropped);
    }

    @Test
    void rejectsBoundsOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new VideoShedder(Set.of(1), 200_000, 200_000, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new VideoShedder(Set.of(1), 1_000_000, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new VideoShedder(Set.of(1), 1_000_000, 200_000, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new VideoShedder(Set.of(1), 1_000_000, 200_000, 0, 0));
    }
}
