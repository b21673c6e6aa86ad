package io.sluice.core.hub;

import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publisher per stream name, many subscribers: the meeting point of ingest (an RTMP or WHIP
 * publisher, or a {@link io.sluice.core.StreamPipeline} through {@link #transport(String)}) and
 * playback (RTMP players, WHEP viewers, recorders) in the embedded server.
 *
 * <h2>GOP cache</h2>
 * Per stream the hub keeps every frame since the last video keyframe (audio included, in arrival
 * order), bounded by {@link Builder#gopCache(int, long)}. A new subscriber first receives
 * {@link StreamSubscriber#onPublish}, then the cached frames, then live frames: it can start
 * decoding at once. If a GOP outgrows the bound, the cache is emptied and new subscribers wait for
 * the next keyframe (their video is held back until then; audio flows).
 *
 * <h2>Bounds</h2>
 * Live streams ({@link Builder#maxStreams}), streams that only have subscribers waiting for a
 * publisher ({@link Builder#maxWaitingStreams}, counted apart so that subscribers of made-up names
 * never block a publication), subscribers per stream and the GOP cache are bounded; names are
 * validated. A second
 * publisher on a live stream is rejected ({@link StreamHubException.Reason#ALREADY_PUBLISHED}) unless
 * the hub is built with {@link Builder#replaceExistingPublisher(boolean)}.
 *
 * <h2>Threads</h2>
 * Thread-safe. Each stream has one lock; {@link Publication#send} and subscriber callbacks run
 * under it, so subscribers see frames in publish order, without gap or duplicate at join time.
 */
public final class StreamHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamHub.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._~/-]{1,256}");

    private final int maxStreams;
    private final int maxWaitingStreams;
    private final int maxSubscribers;
    private final int gopCacheFrames;
    private final long gopCacheBytes;
    private final boolean replacePublisher;
    private final Map<String, Stream> streams = new HashMap<>();
    private boolean closed;

    private StreamHub(Builder b) {
        this.maxStreams = b.maxStreams;
        this.maxWaitingStreams = b.maxWaitingStreams;
        this.maxSubscribers = b.maxSubscribers;
        this.gopCacheFrames = b.gopCacheFrames;
        this.gopCacheBytes = b.gopCacheBytes;
        this.replacePublisher = b.replacePublisher;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A hub with the defaults: 64 streams, 1000 subscribers each, GOP cache 900 frames / 32 MiB, reject second publishers. */
    public static StreamHub create() {
        return builder().build();
    }

    /**
     * Starts publishing {@code name}.
     *
     * @param tracks            the tracks frames will belong to
     * @param keyframeRequester called (from any thread, must not block) when a subscriber needs a
     *                          keyframe sooner than the next one (WebRTC PLI); may be {@code () -> {}}
     * @throws StreamHubException if the name is invalid, the stream is live and replacement is off,
     *                            the hub has too many streams, or it is closed
     */
    public Publication publish(String name, List<TrackInfo> tracks, Runnable keyframeRequester) {
        checkName(name);
        Objects.requireNonNull(keyframeRequester, "keyframeRequester");
        Stream s = streamFor(name, true);
        Publication previous = null;
        Publication p;
        synchronized (s) {
            if (s.publication != null) {
                if (!replacePublisher) {
                    throw new StreamHubException(StreamHubException.Reason.ALREADY_PUBLISHED, "stream '" + name + "' is already being published");
                }
                previous = s.publication;
            }
            p = new Publication(this, s, List.copyOf(tracks), keyframeRequester);
            if (previous != null) {
                previous.replaced = true;
                s.endPublication();
            }
            s.publication = p;
            for (Sub sub : s.subscribers) {
                sub.waitingForKeyframe = true;
                sub.subscriber.onPublish(name, p.tracks);
            }
        }
        log.info("stream '{}' published {}{}", name, tracks, previous != null ? " (replaced the previous publisher)" : "");
        return p;
    }

    /**
     * Subscribes to {@code name}, live or not yet: a subscriber may wait for a publisher.
     *
     * @throws StreamHubException if the name is invalid, the stream has too many subscribers, the
     *                            hub has too many streams, or it is closed
     */
    public Subscription subscribe(String name, StreamSubscriber subscriber) {
        checkName(name);
        Objects.requireNonNull(subscriber, "subscriber");
        Stream s = streamFor(name, false);
        Sub sub = new Sub(s, subscriber);
        synchronized (s) {
            if (s.subscribers.size() >= maxSubscribers) {
                throw new StreamHubException(StreamHubException.Reason.TOO_MANY_SUBSCRIBERS,
                        "stream '" + name + "' has its maximum of " + maxSubscribers + " subscribers");
            }
            s.subscribers.add(sub);
            if (s.publication != null) {
                subscriber.onPublish(name, s.publication.tracks);
                sub.waitingForKeyframe = !s.cacheStartsWithKeyframe;
                for (EncodedFrame f : s.cache) {
                    sub.deliver(f);
                }
            }
        }
        return sub;
    }

    /**
     * Whether a new publisher replaces a live one ({@link Builder#replaceExistingPublisher(boolean)});
     * otherwise it is refused with {@link StreamHubException.Reason#ALREADY_PUBLISHED}. Transports use
     * this to refuse a second publisher before it has sent its track configuration.
     */
    public boolean replacesExistingPublisher() {
        return replacePublisher;
    }

    /**
     * The stream record for {@code name}, created if new.
     *
     * @param publishing whether for a publisher (bounded by the live streams) or a subscriber (a new
     *                   record is bounded by the streams waiting for a publisher)
     * @throws StreamHubException if the hub is closed or already holds its maximum of such streams
     */
    private synchronized Stream streamFor(String name, boolean publishing) {
        if (closed) {
            throw new StreamHubException(StreamHubException.Reason.CLOSED, "hub closed");
        }
        Stream s = streams.get(name);
        if (publishing && (s == null || s.publication == null) || !publishing && s == null) {
            int live = 0;
            for (Stream other : streams.values()) {
                live += other.publication != null ? 1 : 0; // volatile read: a racing publish may overshoot by one
            }
            if (publishing && live >= maxStreams) {
                throw new StreamHubException(StreamHubException.Reason.TOO_MANY_STREAMS,
                        "stream '" + name + "': hub has its maximum of " + maxStreams + " live streams");
            }
            if (!publishing && streams.size() - live >= maxWaitingStreams) {
                throw new StreamHubException(StreamHubException.Reason.TOO_MANY_STREAMS, "stream '" + name
                        + "': hub has its maximum of " + maxWaitingStreams + " streams waiting for a publisher");
            }
        }
        if (s == null) {
            s = new Stream(name);
            streams.put(name, s);
        }
        return s;
    }

    /** Names of the streams with a live publisher, sorted. */
    public synchronized List<String> liveStreams() {
        TreeSet<String> names = new TreeSet<>();
        for (Stream s : streams.values()) {
            synchronized (s) {
                if (s.publication != null) {
                    names.add(s.name);
                }
            }
        }
        return List.copyOf(names);
    }

    /** The tracks of a live stream. */
    public Optional<List<TrackInfo>> tracks(String name) {
        Stream s;
        synchronized (this) {
            s = streams.get(name);
        }
        if (s == null) {
            return Optional.empty();
        }
        synchronized (s) {
            return s.publication == null ? Optional.empty() : Optional.of(s.publication.tracks);
        }
    }

    /** Subscribers of {@code name} now (0 if unknown). */
    public int subscriberCount(String name) {
        Stream s;
        synchronized (this) {
            s = streams.get(name);
        }
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.subscribers.size();
        }
    }

    /**
     * A {@link Transport} that publishes a pipeline's frames into this hub as {@code name}
     * (URI {@code hub:name}). Subscribers' keyframe requests reach the pipeline's encoder through
     * its feedback.
     */
    public Transport transport(String name) {
        checkName(name);
        return new HubTransport(this, name);
    }

    /**
     * A {@link io.sluice.core.spi.MediaSource} that subscribes to {@code name} and delivers its
     * encoded frames (copy mode only: build the pipeline with {@code copy(true)}), e.g. to record a
     * published stream with the {@code file:} transport. {@link io.sluice.core.spi.MediaSource#open()}
     * waits up to {@code waitForPublisher} for a publisher; the source ends when the publisher leaves.
     * It is live: a slow consumer drops GOP-aware in its bounded queue ({@code queueFrames}).
     */
    public io.sluice.core.spi.MediaSource source(String name, java.time.Duration waitForPublisher, int queueFrames) {
        checkName(name);
        return new HubSource(this, name, waitForPublisher, queueFrames);
    }

    /** Ends every publication and subscription and releases the GOP caches. Idempotent. */
    @Override
    public void close() {
        List<Stream> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(streams.values());
            streams.clear();
        }
        for (Stream s : all) {
            synchronized (s) {
                s.endPublication();
                for (Sub sub : s.subscribers) {
                    sub.subscriber.onClosed(s.name);
                }
                s.subscribers.clear();
            }
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new StreamHubException(StreamHubException.Reason.INVALID_NAME,
                    "stream name '" + name + "' (expected: 1..256 characters of [A-Za-z0-9._~/-])");
        }
    }

    private void forgetIfIdle(Stream s) {
        synchronized (this) {
            synchronized (s) {
                if (s.publication == null && s.subscribers.isEmpty() && streams.get(s.name) == s) {
                    streams.remove(s.name);
                }
            }
        }
    }

    private final class Stream {
        final String name;
        final List<Sub> subscribers = new CopyOnWriteArrayList<>();
        final ArrayDeque<EncodedFrame> cache = new ArrayDeque<>();
        long cacheBytes;
        boolean cacheStartsWithKeyframe;
        /** Written under this stream's lock; volatile for the hub's count of live streams. */
        volatile Publication publication;

        Stream(String name) {
            this.name = name;
        }

        /** Under the stream lock. Takes ownership of {@code f}. */
        void send(EncodedFrame f) {
            boolean video = f.mediaType() == MediaType.VIDEO;
            if (video && f.isKeyframe()) {
                clearCache();
                cacheStartsWithKeyframe = true;
            }
            if (cacheStartsWithKeyframe) { // audio-only streams need no cache: every audio frame is a random access point
                cache.addLast(f.retainedDuplicate());
                cacheBytes += f.size();
                if (cache.size() > gopCacheFrames || cacheBytes > gopCacheBytes) {
                    log.debug("stream '{}': GOP larger than the cache ({} frames, {} bytes); cache emptied", name, cache.size(), cacheBytes);
                    clearCache();
                }
            }
            try {
                for (Sub sub : subscribers) {
                    sub.deliver(f);
                }
            } finally {
                f.release();
            }
        }

        void clearCache() {
            EncodedFrame f;
            while ((f = cache.pollFirst()) != null) {
                f.release();
            }
            cacheBytes = 0;
            cacheStartsWithKeyframe = false;
        }

        /** Under the stream lock. */
        void endPublication() {
            if (publication == null) {
                return;
            }
            publication = null;
            clearCache();
            for (Sub sub : subscribers) {
                sub.subscriber.onUnpublish(name);
            }
        }
    }

    /** A live publication; {@link #close()} unpublishes. */
    public static final class Publication implements AutoCloseable {
        private final StreamHub hub;
        private final Stream stream;
        private final List<TrackInfo> tracks;
        private final Runnable keyframeRequester;
        private final AtomicLong frames = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private volatile boolean closed;
        private volatile boolean replaced;

        private Publication(StreamHub hub, Stream stream, List<TrackInfo> tracks, Runnable keyframeRequester) {
            this.hub = hub;
            this.stream = stream;
            this.tracks = tracks;
            this.keyframeRequester = keyframeRequester;
        }

        /** The stream name. */
        public String streamName() {
            return stream.name;
        }

        /** The tracks announced at publish time. */
        public List<TrackInfo> tracks() {
            return tracks;
        }

        /**
         * Fans one frame out to every subscriber and updates the GOP cache.
         *
         * @param frame ownership passes to the hub (released here, also when this publication has ended)
         * @return {@code false} if the publication has ended (closed or replaced)
         */
        public boolean send(EncodedFrame frame) {
            synchronized (stream) {
                if (closed || stream.publication != this) {
                    frame.release();
                    return false;
                }
                frames.incrementAndGet();
                bytes.addAndGet(frame.size());
                stream.send(frame);
                return true;
            }
        }

        /** Whether another publisher took this stream over. */
        public boolean isReplaced() {
            return replaced;
        }

        /** Frames sent so far. */
        public long frames() {
            return frames.get();
        }

        /** Payload bytes sent so far. */
        public long bytes() {
            return bytes.get();
        }

        void requestKeyframe() {
            keyframeRequester.run();
        }

        /** Unpublishes: subscribers get {@link StreamSubscriber#onUnpublish}. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (stream) {
                if (stream.publication == this) {
                    stream.endPublication();
                }
            }
            hub.forgetIfIdle(stream);
            log.info("stream '{}' unpublished after {} frames", stream.name, frames.get());
        }
    }

    /** A subscription; {@link #close()} stops delivery. */
    public interface Subscription extends AutoCloseable {
        String streamName();

        /** Asks the publisher for a keyframe (e.g. on a WebRTC PLI). Rate limiting is the caller's. */
        void requestKeyframe();

        @Override
        void close();
    }

    private final class Sub implements Subscription {
        final Stream stream;
        final StreamSubscriber subscriber;
        boolean waitingForKeyframe;
        private volatile boolean closed;

        Sub(Stream stream, StreamSubscriber subscriber) {
            this.stream = stream;
            this.subscriber = subscriber;
        }

        /**
         * Under the stream lock.
         *
         * @param f borrowed: lent to the subscriber ({@link StreamSubscriber#onFrameBorrowed}), released by the caller
         */
        void deliver(EncodedFrame f) {
            if (f.mediaType() == MediaType.VIDEO) {
                if (waitingForKeyframe && !f.isKeyframe()) {
                    return;
                }
                waitingForKeyframe = false;
            }
            try {
                subscriber.onFrameBorrowed(f);
            } catch (RuntimeException e) {
                log.warn("subscriber of '{}' failed on a frame; it is unsubscribed", stream.name, e);
                close();
            }
        }

        @Override
        public String streamName() {
            return stream.name;
        }

        @Override
        public void requestKeyframe() {
            Publication p;
            synchronized (stream) {
                p = stream.publication;
            }
            if (p != null) {
                p.requestKeyframe();
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (stream) {
                stream.subscribers.remove(this);
            }
            subscriber.onClosed(stream.name);
            forgetIfIdle(stream);
        }
    }

    /** {@code hub:name}: a pipeline publishing into the hub. */
    private static final class HubTransport implements Transport {
        private final StreamHub hub;
        private final String name;
        private final URI uri;
        private volatile Publication publication;
        private volatile TransportFeedback feedback;
        private volatile TransportState state = TransportState.CONNECTING;
        private final AtomicLong dropped = new AtomicLong();

        HubTransport(StreamHub hub, String name) {
            this.hub = hub;
            this.name = name;
            this.uri = URI.create("hub:" + name);
        }

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
            this.feedback = feedback;
            int videoTrack = tracks.stream().filter(TrackInfo::isVideo).mapToInt(TrackInfo::trackId).findFirst().orElse(-1);
            publication = hub.publish(name, tracks, () -> {
                if (videoTrack >= 0) {
                    feedback.onKeyframeRequest(videoTrack, "subscriber of hub stream '" + name + "'");
                }
            });
            state = TransportState.CONNECTED;
            feedback.onStateChanged(state, null);
        }

        @Override
        public boolean send(EncodedFrame frame) {
            Publication p = publication;
            if (p == null) {
                frame.release();
                dropped.incrementAndGet();
                return false;
            }
            if (!p.send(frame)) {
                dropped.incrementAndGet();
                return false;
            }
            return true;
        }

        @Override
        public TransportStats stats() {
            Publication p = publication;
            return new TransportStats(state, p == null ? 0 : p.bytes(), p == null ? 0 : p.frames(), dropped.get(), 0, 0);
        }

        @Override
        public void close() {
            Publication p = publication;
            if (p != null) {
                p.close();
            }
            if (state != TransportState.CLOSED) {
                state = TransportState.CLOSED;
                TransportFeedback f = feedback;
                if (f != null) {
                    f.onStateChanged(state, null);
                }
            }
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private int maxStreams = 64;
        private int maxWaitingStreams = 1024;
        private int maxSubscribers = 1000;
        private int gopCacheFrames = 900;
        private long gopCacheBytes = 32L << 20;
        private boolean replacePublisher;

        private Builder() {
        }

        /**
         * Live streams (with a publisher) at most; a publisher of one more is refused with
         * {@link StreamHubException.Reason#TOO_MANY_STREAMS}. Subscribers waiting on names nobody
         * publishes do not count here.
         *
         * @param maxStreams 1..100000 (default 64)
         */
        public Builder maxStreams(int maxStreams) {
            if (maxStreams < 1 || maxStreams > 100_000) {
                throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: 1..100000)");
            }
            this.maxStreams = maxStreams;
            return this;
        }

        /**
         * Streams that have subscribers but no publisher at most; a subscriber to one more name is
         * refused with {@link StreamHubException.Reason#TOO_MANY_STREAMS}. Publishers are never
         * refused because of them.
         *
         * @param maxWaitingStreams 1..1000000 (default 1024)
         */
        public Builder maxWaitingStreams(int maxWaitingStreams) {
            if (maxWaitingStreams < 1 || maxWaitingStreams > 1_000_000) {
                throw new IllegalArgumentException("maxWaitingStreams: " + maxWaitingStreams + " (expected: 1..1000000)");
            }
            this.maxWaitingStreams = maxWaitingStreams;
            return this;
        }

        /** @param maxSubscribers per stream, 1..1000000 (default 1000) */
        public Builder maxSubscribersPerStream(int maxSubscribers) {
            if (maxSubscribers < 1 || maxSubscribers > 1_000_000) {
                throw new IllegalArgumentException("maxSubscribers: " + maxSubscribers + " (expected: 1..1000000)");
            }
            this.maxSubscribers = maxSubscribers;
            return this;
        }

        /**
         * @param maxFrames frames held per stream, 0..100000 (default 900; 0 disables the cache)
         * @param maxBytes  payload bytes held per stream, 0..1 GiB (default 32 MiB)
         */
        public Builder gopCache(int maxFrames, long maxBytes) {
            if (maxFrames < 0 || maxFrames > 100_000) {
                throw new IllegalArgumentException("maxFrames: " + maxFrames + " (expected: 0..100000)");
            }
            if (maxBytes < 0 || maxBytes > (1L << 30)) {
                throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: 0..1073741824)");
            }
            this.gopCacheFrames = maxFrames;
            this.gopCacheBytes = maxBytes;
            return this;
        }

        /** Whether a new publisher replaces a live one (default {@code false}: it is rejected). */
        public Builder replaceExistingPublisher(boolean replace) {
            this.replacePublisher = replace;
            return this;
        }

        public StreamHub build() {
            return new StreamHub(this);
        }
    }
}
