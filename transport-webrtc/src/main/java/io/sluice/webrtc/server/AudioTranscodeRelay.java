package io.sluice.webrtc.server;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.FrameTranscoder;
import io.sluice.core.spi.FrameTranscoderFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One audio transcoding per (hub stream, audio track) shared by every WHEP viewer of that stream:
 * subscribes to the stream, transcodes its audio (AAC from RTMP) to Opus on its own thread, and hands
 * each Opus frame to every {@link Listener}. It keeps the transcoding off the UDP event loop, and
 * the cost does not grow with the viewers.
 *
 * <p>Lifecycle (driven by {@link WebRtcServer}): made when the first viewer of a stream with such
 * audio asks for it; ends when the last viewer leaves ({@link #removeListener}), when the stream's
 * publication ends or is replaced (viewers ask again on the next publication), or when the server
 * closes. A transcoder that cannot be made or fails is logged once; the viewers then get video only.
 *
 * <p>Timestamps: the output stays on the input's media clock (µs PTS, the same clock as the stream's
 * video), shifted only by the codec's framing and priming (see {@link FrameTranscoder}).
 *
 * <p>The GOP cache's audio (delivered while {@link StreamHub#subscribe} runs) is skipped, as by
 * {@link WhepSession}: transcoding starts with live audio, so a viewer gets no burst of old audio.
 *
 * <p>Thread-safe. Hub callbacks only queue (bounded: {@value #MAX_QUEUED_FRAMES} frames, then
 * frames are dropped); the transcoder runs on the relay's daemon thread. Input that waited longer
 * than {@value #MAX_WAIT_MILLIS} ms in the queue (opening FFmpeg for the first time takes that long
 * on a loaded machine) is dropped rather than sent late in a burst: a burst of audio becomes a deep
 * browser jitter buffer, and A/V sync then delays the video as well.
 */
final class AudioTranscodeRelay implements StreamSubscriber {
    private static final Logger log = LoggerFactory.getLogger(AudioTranscodeRelay.class);
    /** Input frames queued for the transcoding thread before frames are dropped (about 2 s of AAC). */
    static final int MAX_QUEUED_FRAMES = 100;
    /** Input older than this when the thread takes it is dropped, ms. */
    static final long MAX_WAIT_MILLIS = 150;
    private static final Object STOP = new Object();

    private record Queued(EncodedFrame frame, long enqueuedNanos) {
    }

    /** Receives the transcoded frames. */
    interface Listener {
        /**
         * One Opus frame, on the relay's thread; must not block.
         *
         * @param frame ownership passes to the listener, which must release it
         */
        void onTranscodedAudio(EncodedFrame frame);
    }

    private final WebRtcServer server;
    private final String key;
    private final String stream;
    private final int trackId;
    private final TrackInfo track;
    private final FrameTranscoderFactory factory;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    private volatile StreamHub.Subscription subscription;
    private volatile boolean ended;
    private volatile Thread subscribingThread;
    private int publications;
    private FrameTranscoder transcoder;
    private boolean failed;
    private volatile long framesIn;
    private volatile long framesOut;
    private volatile long framesDropped;
    private volatile long framesStale;

    /**
     * @param key     the server's map key (stream and track)
     * @param stream  the hub stream
     * @param track   the audio track to transcode (its codec config opens the decoder)
     * @param factory makes the transcoder (on the relay's thread, as it starts)
     */
    AudioTranscodeRelay(WebRtcServer server, String key, String stream, TrackInfo track, FrameTranscoderFactory factory) {
        this.server = server;
        this.key = key;
        this.stream = stream;
        this.track = track;
        this.trackId = track.trackId();
        this.factory = factory;
        this.thread = new Thread(this::run, "sluice-webrtc-transcode-" + stream);
        this.thread.setDaemon(true);
    }

    /** Subscribes and starts the thread. Called once, by the server, under its relay lock. */
    void start(StreamHub hub) {
        thread.start();
        subscribingThread = Thread.currentThread();
        try {
            subscription = hub.subscribe(stream, this);
        } catch (RuntimeException e) {
            log.warn("stream {}: cannot subscribe for audio transcoding: {}", stream, e.toString());
            end();
        } finally {
            subscribingThread = null;
        }
    }

    String key() {
        return key;
    }

    int trackId() {
        return trackId;
    }

    boolean isEnded() {
        return ended;
    }

    /** Under the server's relay lock. */
    void addListener(Listener l) {
        listeners.add(l);
    }

    /** Under the server's relay lock. @return true if no listener is left */
    boolean removeListener(Listener l) {
        listeners.remove(l);
        return listeners.isEmpty();
    }

    /** Input frames transcoded, Opus frames made, input frames dropped (queue full), input frames dropped (stale). */
    long[] counters() {
        return new long[] {framesIn, framesOut, framesDropped, framesStale};
    }

    /** Stops the relay: the thread closes the subscription and the transcoder. Idempotent; never blocks. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        server.relayEnded(this);
        queue.add(STOP);
    }

    /** Waits up to {@code millis} for the thread to finish (server shutdown). */
    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    // ------------------------------------------------------------------ hub callbacks (publisher's thread)

    @Override
    public void onPublish(String streamName, List<TrackInfo> tracks) {
        if (publications++ > 0) {
            end(); // a new publication: viewers ask again, for its tracks
        }
    }

    /** @param frame ownership passes here: queued for the thread (which releases it) or released */
    @Override
    public void onFrame(EncodedFrame frame) {
        if (ended || !frame.track().isAudio() || frame.trackId() != trackId || frame.codec() == Codec.OPUS
                || subscribingThread == Thread.currentThread()) {
            frame.release(); // video, other tracks, or the GOP cache's old audio
            return;
        }
        if (queued.get() >= MAX_QUEUED_FRAMES) {
            framesDropped++;
            frame.release();
            return;
        }
        queued.incrementAndGet();
        queue.add(new Queued(frame, server.ticker.nanoTime()));
    }

    @Override
    public void onUnpublish(String streamName) {
        end();
    }

    @Override
    public void onClosed(String streamName) {
        end();
    }

    // ------------------------------------------------------------------ the thread

    private void run() {
        try {
            openTranscoder(track); // before the first frame: FFmpeg's first open can take a while
            while (true) {
                Object o;
                try {
                    o = queue.poll(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (o == STOP) {
                    break;
                }
                if (o == null) {
                    continue;
                }
                Queued q = (Queued) o;
                queued.decrementAndGet();
                try {
                    if (server.ticker.nanoTime() - q.enqueuedNanos() > TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MILLIS)) {
                        framesStale++;
                    } else {
                        transcode(q.frame());
                    }
                } finally {
                    q.frame().release();
                }
            }
        } finally {
            StreamHub.Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            if (transcoder != null) {
                try {
                    transcoder.close();
                } catch (RuntimeException e) {
                    log.debug("stream {}: closing the audio transcoder: {}", stream, e.toString());
                }
                transcoder = null;
            }
            Object o;
            while ((o = queue.poll()) != null) {
                if (o instanceof Queued q) {
                    q.frame().release();
                }
            }
            log.debug("stream {}: audio transcoding ended ({} frames in, {} out, {} dropped, {} stale)", stream,
                    framesIn, framesOut, framesDropped, framesStale);
        }
    }

    /** @return whether a transcoder is open; on failure it is logged once and the relay passes nothing on */
    private boolean openTranscoder(TrackInfo input) {
        if (failed) {
            return false;
        }
        try {
            transcoder = factory.create(input, Codec.OPUS).orElse(null);
        } catch (RuntimeException e) {
            failed = true;
            log.warn("stream {}: cannot open an audio transcoder from {} to Opus; WHEP viewers get video only", stream,
                    input.codec(), e);
            return false;
        }
        if (transcoder == null) {
            failed = true;
            log.info("stream {}: no transcoder from {} to Opus: WHEP viewers get video only", stream, input.codec());
            return false;
        }
        log.debug("stream {}: transcoding {} audio to Opus for WHEP viewers", stream, input.codec());
        return true;
    }

    /** @param f borrowed */
    private void transcode(EncodedFrame f) {
        if (failed || ended) {
            return;
        }
        framesIn++;
        try {
            if (transcoder == null && !openTranscoder(f.track())) {
                return;
            }
            transcoder.transcode(f, out -> {
                framesOut++;
                try {
                    for (Listener l : listeners) {
                        l.onTranscodedAudio(out.retainedDuplicate());
                    }
                } finally {
                    out.release();
                }
            });
        } catch (RuntimeException e) {
            failed = true;
            log.warn("stream {}: audio transcoding failed; WHEP viewers get video only", stream, e);
        }
    }
}
