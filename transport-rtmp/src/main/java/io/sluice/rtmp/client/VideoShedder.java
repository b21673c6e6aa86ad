package io.sluice.rtmp.client;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * When the RTMP client stops sending video to keep a send backlog short that the rate controller cannot answer, and
 * when video starts again. Sans-IO: the caller passes the queued media on each tick and asks, for each video frame
 * leaving its buffer, whether it goes to the wire.
 *
 * <p>The rate controller ({@code io.sluice.abr.tcp.SendQueueController}) cuts the encoder at 200 ms of queued media,
 * and the queue drains within about a second and a half of that (the cut, then the encoder's lag). It cannot answer
 * when the path carries less than the pipeline's minimum (the lowest video rung plus audio and framing: ~0.29 Mbit/s
 * with the defaults, while a cellular uplink can carry 0.2 for seconds). Then the queue grows until the transport's
 * backlog limit (2 s) drops everything queued. This class sheds only video, and sooner:
 * <ul>
 *   <li><b>Shed</b> when at least {@code shedQueueUs} (1 s) of media waits, the queue has stayed above
 *       {@code resumeQueueUs} (200 ms, the controller's cut level) for {@code answerUs} (1.5 s: the controller's
 *       cut and the encoder's lag behind it), and the bytes queued are more than {@code growthWindowUs} (500 ms) ago:
 *       the controller had its chance and the queue still grows. Bytes, not media time: after a cut, the media
 *       queued at the old rate drains slower than it was made, so the media time queued keeps growing for seconds
 *       while the bytes queued already shrink; the bytes tell whether the encoder now makes less than the path
 *       carries. From then every video frame is dropped, keyframes too; audio is
 *       never dropped here (0.14 Mbit/s of AAC fits where the video does not, and a player keeps playing sound).</li>
 *   <li><b>Resume</b> once the queue is back to {@code resumeQueueUs}: the caller asks the encoder for a keyframe, and
 *       each video track starts again at its next keyframe (its non-key frames before that are dropped: their
 *       references were shed).</li>
 * </ul>
 * A queue that still grows 1.5 s after passing 200 ms is past what any cut can drain soon, so shedding there costs a
 * freeze only where the path could not carry the lowest rung; a step down the controller answers (RFC 8867 §5.1's
 * 2.5 → 0.6 Mbit/s) shrinks its queue before then and sheds nothing.
 *
 * <p>Times are ns on the caller's monotonic clock ({@code nowNanos}), queued media in µs. Not thread-safe: one owner
 * (the transport's event loop).
 */
final class VideoShedder {
    /** Default queued media from which video is shed: 1 s (5 × the controller's cut level). */
    static final long DEFAULT_SHED_QUEUE_US = 1_000_000;
    /** Default queued media at which video resumes, and above which the controller is answering: 200 ms. */
    static final long DEFAULT_RESUME_QUEUE_US = 200_000;
    /** Default time the controller gets to answer a queue (its cut, then the encoder's lag): 1.5 s. */
    static final long DEFAULT_ANSWER_US = 1_500_000;
    /** Default span over which the queue must have grown: 500 ms (2.5 reports, longer than a keyframe's burst). */
    static final long DEFAULT_GROWTH_WINDOW_US = 500_000;

    /** What the caller does after {@link #onQueue}. */
    enum Action {
        /** Nothing changes. */
        NONE,
        /** Video is shed from now on: drop queued video as it leaves the buffer (and say so). */
        SHED,
        /** The queue drained: ask the encoder for a keyframe of each video track; each resumes at its next keyframe. */
        RESUME
    }

    private final long shedQueueUs;
    private final long resumeQueueUs;
    private final long answerNanos;
    private final long growthWindowNanos;
    private final Set<Integer> videoTracks;
    private final Set<Integer> awaitingKeyframe = new HashSet<>();
    /** {timeNanos, queuedBytes} of the reports within {@link #growthWindowNanos}, plus the newest one older. */
    private final ArrayDeque<long[]> history = new ArrayDeque<>();
    private boolean shedding;
    /** Since when the queue has stayed above {@link #resumeQueueUs}, ns; {@code Long.MIN_VALUE} if it is not. */
    private long overSinceNanos = Long.MIN_VALUE;
    private long sheds;

    /**
     * @param videoTracks     ids of the video tracks (they resume each at its own keyframe)
     * @param shedQueueUs     queued media from which video is shed, µs, &gt; {@code resumeQueueUs}
     * @param resumeQueueUs   queued media at which video resumes, µs, &gt; 0
     * @param answerUs        how long the queue must have stayed above {@code resumeQueueUs} first, µs, &ge; 0
     * @param growthWindowUs  the bytes queued must be more than this long ago, µs, &gt; 0
     * @throws IllegalArgumentException if a bound is out of range
     */
    VideoShedder(Set<Integer> videoTracks, long shedQueueUs, long resumeQueueUs, long answerUs, long growthWindowUs) {
        if (resumeQueueUs <= 0 || shedQueueUs <= resumeQueueUs || answerUs < 0 || growthWindowUs <= 0) {
            throw new IllegalArgumentException("shedQueueUs " + shedQueueUs + ", resumeQueueUs " + resumeQueueUs
                    + ", answerUs " + answerUs + ", growthWindowUs " + growthWindowUs
                    + " (expected: 0 < resumeQueueUs < shedQueueUs, answerUs >= 0, growthWindowUs > 0)");
        }
        this.videoTracks = Set.copyOf(videoTracks);
        this.shedQueueUs = shedQueueUs;
        this.resumeQueueUs = resumeQueueUs;
        this.answerNanos = answerUs * 1000;
        this.growthWindowNanos = growthWindowUs * 1000;
    }

    /** With the defaults and a shed threshold of {@code shedQueueUs}. */
    static VideoShedder withDefaults(Set<Integer> videoTracks, long shedQueueUs) {
        return new VideoShedder(videoTracks, shedQueueUs, Math.min(DEFAULT_RESUME_QUEUE_US, shedQueueUs / 2),
                DEFAULT_ANSWER_US, DEFAULT_GROWTH_WINDOW_US);
    }

    /**
     * The queue now; call on every tick (100 ms) while connected.
     *
     * @param nowNanos caller's monotonic time, ns
     * @param queuedUs    media waiting to leave (the send buffer, and the network's standing queue), µs
     * @param queuedBytes bytes waiting in the send buffer (the transport's and the socket layer's)
     * @return what the caller does now
     */
    Action onQueue(long nowNanos, long queuedUs, long queuedBytes) {
        long agoBytes = queueAgo(nowNanos);
        history.addLast(new long[] {nowNanos, queuedBytes});
        if (queuedUs > resumeQueueUs) {
            if (overSinceNanos == Long.MIN_VALUE) {
                overSinceNanos = nowNanos;
            }
        } else {
            overSinceNanos = Long.MIN_VALUE;
        }
        if (shedding) {
            if (queuedUs <= resumeQueueUs) {
                shedding = false;
                awaitingKeyframe.addAll(videoTracks);
                return Action.RESUME;
            }
            return Action.NONE;
        }
        if (queuedUs >= shedQueueUs && overSinceNanos != Long.MIN_VALUE && nowNanos - overSinceNanos >= answerNanos
                && agoBytes >= 0 && queuedBytes > agoBytes) {
            shedding = true;
            sheds++;
            awaitingKeyframe.clear();
            return Action.SHED;
        }
        return Action.NONE;
    }

    /** The bytes queued {@link #growthWindowNanos} ago (the newest report at least that old); -1 if none is that old. */
    private long queueAgo(long nowNanos) {
        while (history.size() >= 2) {
            long[] first = history.pollFirst();
            if (nowNanos - history.peekFirst()[0] < growthWindowNanos) {
                history.addFirst(first); // the newest report at least that old
                break;
            }
        }
        long[] oldest = history.peekFirst();
        return oldest != null && nowNanos - oldest[0] >= growthWindowNanos ? oldest[1] : -1;
    }

    /**
     * Whether a video frame leaving the buffer goes to the wire.
     *
     * @param trackId  its track id
     * @param keyframe whether it is a keyframe
     * @return {@code false} while shedding, and after it for a track's non-key frames until its first keyframe
     */
    boolean admitVideo(int trackId, boolean keyframe) {
        if (shedding) {
            return false;
        }
        if (awaitingKeyframe.isEmpty() || !awaitingKeyframe.contains(trackId)) {
            return true;
        }
        if (keyframe) {
            awaitingKeyframe.remove(trackId);
            return true;
        }
        return false;
    }

    /** {@code true} from a {@link Action#SHED} to the next {@link Action#RESUME}. */
    boolean shedding() {
        return shedding;
    }

    /** How many times video was shed. */
    long sheds() {
        return sheds;
    }

    /** A new connection: forget the queue's history and any shedding (the caller resumes video at keyframes itself). */
    void reset() {
        shedding = false;
        awaitingKeyframe.clear();
        history.clear();
        overSinceNanos = Long.MIN_VALUE;
    }
}
