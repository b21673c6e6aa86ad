package io.sluice.core.hub;

import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.events.SessionInfo;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.events.StreamEventListener;
import io.sluice.core.feedback.KeyframeRequestReason;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.time.Ticker;
import java.net.URI;
import java.time.Duration;
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
 * Lock order: a stream lock may be held while the hub's table lock is taken (a subscriber that leaves
 * inside a callback), never the reverse: methods that visit every stream copy the table first.
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
    private final Ticker ticker;
    private final long estimateMaxAgeNanos;
    private final Map<String, Stream> streams = new HashMap<>();
    private boolean closed;
    private final List<StreamEventListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong nextSessionId = new AtomicLong();

    private StreamHub(Builder b) {
        this.maxStreams = b.maxStreams;
        this.maxWaitingStreams = b.maxWaitingStreams;
        this.maxSubscribers = b.maxSubscribers;
        this.gopCacheFrames = b.gopCacheFrames;
        this.gopCacheBytes = b.gopCacheBytes;
        this.replacePublisher = b.replacePublisher;
        this.ticker = b.ticker;
        this.estimateMaxAgeNanos = b.estimateMaxAge.toNanos();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A hub with the defaults: 64 streams, 1000 subscribers each, GOP cache 900 frames / 32 MiB, reject second publishers. */
    public static StreamHub create() {
        return builder().build();
    }

    /**
     * Starts publishing {@code name}, with a reason-less keyframe callback: the same as
     * {@link #publish(String, List, PublisherFeedback)} with a feedback that runs
     * {@code keyframeRequester} for every keyframe request, whatever its track and reason.
     *
     * @param tracks            the tracks frames will belong to
     * @param keyframeRequester called (from any thread, must not block) when a subscriber needs a
     *                          keyframe sooner than the next one (WebRTC PLI); may be {@code () -> {}}
     * @throws StreamHubException if the name is invalid, the stream is live and replacement is off,
     *                            the hub has too many streams, or it is closed
     */
    public Publication publish(String name, List<TrackInfo> tracks, Runnable keyframeRequester) {
        Objects.requireNonNull(keyframeRequester, "keyframeRequester");
        return publish(name, tracks, (trackId, reason) -> keyframeRequester.run());
    }

    /**
     * Starts publishing {@code name}.
     *
     * @param tracks   the tracks frames will belong to
     * @param feedback hears subscribers' keyframe requests, with track and reason (see
     *                 {@link PublisherFeedback} for threads); {@link PublisherFeedback#NONE} if the
     *                 publisher cannot act on them
     * @throws StreamHubException if the name is invalid, the stream is live and replacement is off,
     *                            the hub has too many streams, or it is closed
     */
    public Publication publish(String name, List<TrackInfo> tracks, PublisherFeedback feedback) {
        return publish(name, tracks, feedback, SessionInfo.IN_PROCESS);
    }

    /**
     * Starts publishing {@code name} on behalf of {@code session}'s peer: the same as
     * {@link #publish(String, List, PublisherFeedback)}, and {@link StreamEvent.Published} (and
     * {@link StreamEvent.Unpublished} for a replaced publisher) name that peer.
     *
     * @param session the publisher's protocol and address ({@link SessionInfo#IN_PROCESS} for app code)
     * @throws StreamHubException as {@link #publish(String, List, PublisherFeedback)}
     */
    public Publication publish(String name, List<TrackInfo> tracks, PublisherFeedback feedback, SessionInfo session) {
        checkName(name);
        Objects.requireNonNull(feedback, "feedback");
        Objects.requireNonNull(session, "session");
        Stream s = streamFor(name, true);
        Publication previous = null;
        Publication p;
        synchronized (s) {
            if (s.removed) { // dropped from the table since the lookup: look the name up again
                return publish(name, tracks, feedback, session);
            }
            if (s.publication != null) {
                if (!replacePublisher) {
                    throw new StreamHubException(StreamHubException.Reason.ALREADY_PUBLISHED, "stream '" + name + "' is already being published");
                }
                previous = s.publication;
            }
            p = new Publication(this, s, List.copyOf(tracks), feedback, session);
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
        log.info("stream '{}' published {}{}", name, TrackInfo.describe(tracks), previous != null ? " (replaced the previous publisher)" : "");
        if (previous != null) {
            emit(previous.unpublishedEvent());
        }
        emit(new StreamEvent.Published(name, p.id, session, p.tracks, p.startedNanos));
        return p;
    }

    /**
     * Subscribes to {@code name}, live or not yet: a subscriber may wait for a publisher. If the stream
     * is live, has sent video, and the GOP cache holds no keyframe to start the subscriber with (it
     * outgrew the cache, or the cache is off), the publisher gets a keyframe request
     * ({@link KeyframeRequestReason#NEW_SUBSCRIBER}) on its first video track, after this method has
     * released the stream's lock.
     *
     * @throws StreamHubException if the name is invalid, the stream has too many subscribers, the
     *                            hub has too many streams, or it is closed
     */
    public Subscription subscribe(String name, StreamSubscriber subscriber) {
        return subscribe(name, subscriber, SessionInfo.IN_PROCESS);
    }

    /**
     * Subscribes to {@code name} on behalf of {@code session}'s peer: the same as
     * {@link #subscribe(String, StreamSubscriber)}, and {@link StreamEvent.PlayStarted} /
     * {@link StreamEvent.PlayStopped} name that peer.
     *
     * @param session the viewer's protocol and address ({@link SessionInfo#IN_PROCESS} for app code)
     * @throws StreamHubException as {@link #subscribe(String, StreamSubscriber)}
     */
    public Subscription subscribe(String name, StreamSubscriber subscriber, SessionInfo session) {
        checkName(name);
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(session, "session");
        Stream s = streamFor(name, false);
        Sub sub = new Sub(s, subscriber, session);
        Publication needsKeyframe = null;
        synchronized (s) {
            if (s.removed) { // dropped from the table since the lookup: look the name up again
                return subscribe(name, subscriber, session);
            }
            if (s.subscribers.size() >= maxSubscribers) {
                throw new StreamHubException(StreamHubException.Reason.TOO_MANY_SUBSCRIBERS,
                        "stream '" + name + "' has its maximum of " + maxSubscribers + " subscribers");
            }
            s.subscribers.add(sub);
            if (s.publication != null) {
                subscriber.onPublish(name, s.publication.tracks);
                sub.waitingForKeyframe = !s.cacheStartsWithKeyframe;
                if (sub.waitingForKeyframe && s.publication.videoFrames.get() > 0) {
                    needsKeyframe = s.publication;
                }
                for (EncodedFrame f : s.cache) {
                    sub.deliver(f);
                }
            }
        }
        emit(new StreamEvent.PlayStarted(name, sub.id, session, sub.startedNanos));
        if (needsKeyframe != null) {
            needsKeyframe.requestKeyframe(needsKeyframe.firstVideoTrackId(), KeyframeRequestReason.NEW_SUBSCRIBER);
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
    public List<String> liveStreams() {
        List<Stream> all;
        synchronized (this) {
            all = new ArrayList<>(streams.values());
        }
        TreeSet<String> names = new TreeSet<>();
        for (Stream s : all) { // stream locks only after the hub lock is released (lock order: see class doc)
            synchronized (s) {
                if (s.publication != null) {
                    names.add(s.name);
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * The tracks of a live stream: those announced at publish time, each replaced by the newer
     * {@link TrackInfo} instance of the latest frame of that track id (a resolution change, or an ingest
     * that learned only from the frames that the stream has B-frames).
     */
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
        List<StreamEvent> ended = new ArrayList<>();
        for (Stream s : all) {
            synchronized (s) {
                if (s.publication != null) {
                    ended.add(s.publication.unpublishedEvent());
                }
                s.endPublication();
                for (Sub sub : s.subscribers) {
                    sub.closed = true;
                    ended.add(sub.stoppedEvent());
                    sub.subscriber.onClosed(s.name);
                }
                s.subscribers.clear();
            }
        }
        ended.forEach(this::emit);
    }

    // ------------------------------------------------------------------ observability

    /**
     * Registers {@code listener} for every later {@link StreamEvent} of this hub (see
     * {@link StreamEventListener} for threads). Registering the same listener twice delivers twice.
     */
    public void addEventListener(StreamEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Unregisters {@code listener} (one registration); {@code false} if it was not registered. */
    public boolean removeEventListener(StreamEventListener listener) {
        return listeners.remove(listener);
    }

    /**
     * Reports that a server refused {@code session}'s client before it reached the hub
     * ({@link StreamEvent.AuthRefused}, stamped on the hub's ticker). Any thread.
     *
     * @param stream the stream asked for, as the client sent it (not validated)
     */
    public void reportAuthRefused(String stream, SessionInfo session, StreamEvent.Action action, String reason) {
        emit(new StreamEvent.AuthRefused(String.valueOf(stream), 0, session, action, String.valueOf(reason), ticker.nanoTime()));
    }

    /**
     * Reports that a publisher's ingest failed ({@link StreamEvent.IngestError}, stamped on the hub's
     * ticker). Any thread.
     *
     * @param sessionId the publication's {@link Publication#id()}, or 0 if it never went live
     */
    public void reportIngestError(String stream, long sessionId, SessionInfo session, String message) {
        emit(new StreamEvent.IngestError(String.valueOf(stream), sessionId, session, String.valueOf(message), ticker.nanoTime()));
    }

    /** The clock that stamps events and session start times. */
    public Ticker ticker() {
        return ticker;
    }

    /** Every stream the hub knows (live, or with viewers waiting), sorted by name. Any thread. */
    public List<StreamSnapshot> snapshot() {
        List<Stream> all;
        synchronized (this) {
            all = new ArrayList<>(streams.values());
        }
        List<StreamSnapshot> out = new ArrayList<>(all.size());
        for (Stream s : all) { // stream locks only after the hub lock is released (lock order: see class doc)
            out.add(s.snapshot());
        }
        out.sort(java.util.Comparator.comparing(StreamSnapshot::name));
        return out;
    }

    /** One stream, if the hub knows it. Any thread. */
    public Optional<StreamSnapshot> snapshot(String name) {
        Stream s;
        synchronized (this) {
            s = streams.get(name);
        }
        return s == null ? Optional.empty() : Optional.of(s.snapshot());
    }

    /**
     * Ends the publication or subscription with this session id, as if its owner had closed it: a
     * publication's viewers see {@link StreamSubscriber#onUnpublish}, a subscriber
     * {@link StreamSubscriber#onClosed}; the servers close the peer's connection in turn (an RTMP
     * publisher when it next sends, an RTMP player or WHEP viewer at once). Any thread.
     *
     * @return whether a live session had that id
     */
    public boolean kick(long sessionId) {
        List<Stream> all;
        synchronized (this) {
            all = new ArrayList<>(streams.values());
        }
        for (Stream s : all) {
            Publication p = null;
            Sub found = null;
            synchronized (s) {
                if (s.publication != null && s.publication.id == sessionId) {
                    p = s.publication;
                } else {
                    for (Sub sub : s.subscribers) {
                        if (sub.id == sessionId) {
                            found = sub;
                        }
                    }
                }
            }
            if (p != null) {
                log.info("stream '{}': publisher {} ({}) kicked", s.name, sessionId, p.session);
                p.close();
                return true;
            }
            if (found != null) {
                log.info("stream '{}': viewer {} ({}) kicked", s.name, sessionId, found.session);
                found.close();
                return true;
            }
        }
        return false;
    }

    private void emit(StreamEvent event) {
        for (StreamEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("stream event listener {} failed on {}", l, event, e);
            }
        }
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new StreamHubException(StreamHubException.Reason.INVALID_NAME,
                    "stream name '" + name + "' (expected: 1..256 characters of [A-Za-z0-9._~/-])");
        }
    }

    /**
     * Drops {@code s} from the stream table if it has neither publisher nor subscriber. Takes the
     * stream lock, then the hub lock (the one allowed order), so it may run inside a subscriber
     * callback, which already holds the stream lock.
     */
    private void forgetIfIdle(Stream s) {
        synchronized (s) {
            if (s.publication == null && s.subscribers.isEmpty() && !s.removed) {
                s.removed = true;
                synchronized (this) {
                    streams.remove(s.name, s);
                }
            }
        }
    }

    /** Keyframe intervals above this are not reported ({@link Subscription#keyframeIntervalUs()}), µs: 60 s. */
    static final long MAX_KEYFRAME_INTERVAL_US = 60_000_000;

    private final class Stream {
        final String name;
        final List<Sub> subscribers = new CopyOnWriteArrayList<>();
        final ArrayDeque<EncodedFrame> cache = new ArrayDeque<>();
        long cacheBytes;
        boolean cacheStartsWithKeyframe;
        /** PTS of the publication's last video keyframe, µs; MIN_VALUE before one. Under this lock. */
        long lastKeyframePtsUs = Long.MIN_VALUE;
        /** See {@link Subscription#keyframeIntervalUs()}; written under this lock. */
        volatile long keyframeIntervalUs;
        /** Written under this stream's lock; volatile for the hub's count of live streams. */
        volatile Publication publication;
        /** Set under this lock once dropped from the table; publish/subscribe then look the name up again. */
        boolean removed;

        Stream(String name) {
            this.name = name;
        }

        StreamSnapshot snapshot() {
            synchronized (this) {
                Publication p = publication;
                Optional<StreamSnapshot.Session> pub = p == null ? Optional.empty()
                        : Optional.of(new StreamSnapshot.Session(p.id, p.session, p.startedNanos, p.frames.get(), p.bytes.get()));
                List<StreamSnapshot.Session> viewers = new ArrayList<>(subscribers.size());
                for (Sub sub : subscribers) {
                    viewers.add(new StreamSnapshot.Session(sub.id, sub.session, sub.startedNanos, sub.framesDelivered, sub.bytesDelivered));
                }
                return new StreamSnapshot(name, p == null ? List.of() : p.tracks, pub, viewers);
            }
        }

        /** Under the stream lock. Takes ownership of {@code f}. */
        void send(EncodedFrame f) {
            boolean video = f.mediaType() == MediaType.VIDEO;
            if (video && f.isKeyframe()) {
                clearCache();
                cacheStartsWithKeyframe = true;
                long interval = f.ptsUs() - lastKeyframePtsUs;
                if (lastKeyframePtsUs != Long.MIN_VALUE && interval > 0 && interval <= MAX_KEYFRAME_INTERVAL_US) {
                    keyframeIntervalUs = interval;
                }
                lastKeyframePtsUs = f.ptsUs();
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
            lastKeyframePtsUs = Long.MIN_VALUE;
            keyframeIntervalUs = 0;
            for (Sub sub : subscribers) {
                sub.subscriber.onUnpublish(name);
            }
        }
    }

    /** A live publication; {@link #close()} unpublishes. */
    public static final class Publication implements AutoCloseable {
        private final StreamHub hub;
        private final Stream stream;
        private volatile List<TrackInfo> tracks;
        private final PublisherFeedback feedback;
        private final long id;
        private final SessionInfo session;
        private final long startedNanos;
        private final AtomicLong frames = new AtomicLong();
        private final AtomicLong videoFrames = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private volatile boolean closed;
        private volatile boolean replaced;

        private Publication(StreamHub hub, Stream stream, List<TrackInfo> tracks, PublisherFeedback feedback, SessionInfo session) {
            this.hub = hub;
            this.stream = stream;
            this.tracks = tracks;
            this.feedback = feedback;
            this.id = hub.nextSessionId.incrementAndGet();
            this.session = session;
            this.startedNanos = hub.ticker.nanoTime();
        }

        /** The hub's session id of this publication ({@link StreamHub#kick(long)}). */
        public long id() {
            return id;
        }

        StreamEvent.Unpublished unpublishedEvent() {
            long now = hub.ticker.nanoTime();
            return new StreamEvent.Unpublished(stream.name, id, session, frames.get(), bytes.get(), now - startedNanos, now);
        }

        /** The stream name. */
        public String streamName() {
            return stream.name;
        }

        /** The tracks announced at publish time, updated by later frames' track instances (see {@link StreamHub#tracks}). */
        public List<TrackInfo> tracks() {
            return tracks;
        }

        /** Under the stream lock: a frame's newer {@link TrackInfo} instance replaces the announced one of its id. */
        private void noteTrack(TrackInfo t) {
            List<TrackInfo> current = tracks;
            for (int i = 0; i < current.size(); i++) {
                TrackInfo c = current.get(i);
                if (c.trackId() == t.trackId()) {
                    if (c != t) {
                        List<TrackInfo> updated = new ArrayList<>(current);
                        updated.set(i, t);
                        tracks = List.copyOf(updated);
                    }
                    return;
                }
            }
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
                if (frame.mediaType() == MediaType.VIDEO) {
                    videoFrames.incrementAndGet();
                }
                bytes.addAndGet(frame.size());
                noteTrack(frame.track());
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

        /**
         * What this stream's viewers can take now: the estimates their subscriptions reported within
         * {@link Builder#estimateMaxAge(Duration)} on the hub's ticker. Any thread; takes the stream's
         * lock briefly.
         */
        public SubscriberEstimates subscriberEstimates() {
            long now = hub.ticker.nanoTime();
            List<BandwidthEstimate> fresh = new ArrayList<>();
            int subscribers;
            synchronized (stream) {
                subscribers = stream.subscribers.size();
                for (Sub sub : stream.subscribers) {
                    Sub.Reported r = sub.estimate;
                    if (r != null && now - r.atNanos() <= hub.estimateMaxAgeNanos) {
                        fresh.add(r.estimate());
                    }
                }
            }
            return new SubscriberEstimates(subscribers, fresh);
        }

        /** The first video track's id, else the first track's, else -1 (no tracks). */
        int firstVideoTrackId() {
            return tracks.stream().filter(TrackInfo::isVideo).mapToInt(TrackInfo::trackId).findFirst()
                    .orElse(tracks.isEmpty() ? -1 : tracks.get(0).trackId());
        }

        /** Any thread, not under the hub's table lock. Ignores track ids that are not this publication's. */
        void requestKeyframe(int trackId, KeyframeRequestReason reason) {
            if (tracks.stream().noneMatch(t -> t.trackId() == trackId)) {
                log.debug("stream '{}': keyframe request for track {}, which the publisher does not have ({}); ignored",
                        stream.name, trackId, tracks);
                return;
            }
            feedback.onKeyframeRequest(trackId, reason);
        }

        /** Unpublishes: subscribers get {@link StreamSubscriber#onUnpublish}. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            boolean ended = false;
            synchronized (stream) {
                if (stream.publication == this) {
                    stream.endPublication();
                    ended = true;
                }
            }
            hub.forgetIfIdle(stream);
            if (ended) {
                hub.emit(unpublishedEvent());
            }
            log.info("stream '{}' unpublished after {} frames", stream.name, frames.get());
        }
    }

    /** A subscription; {@link #close()} stops delivery. */
    public interface Subscription extends AutoCloseable {
        String streamName();

        /**
         * Asks the publisher for a keyframe on its first video track, reason
         * {@link KeyframeRequestReason#UNSPECIFIED}: the same as
         * {@code requestKeyframe(firstVideoTrack, UNSPECIFIED)}. Kept for callers that know no track.
         */
        void requestKeyframe();

        /**
         * Asks the publisher for a keyframe (e.g. on a WebRTC PLI or FIR). Rate limiting is the
         * publisher's ({@link PublisherFeedback}). Any thread, also inside a subscriber callback; the
         * publisher's feedback runs on this thread. Ignored if no
         * publisher is live or {@code trackId} is not one of its tracks (a request racing a new
         * publication).
         *
         * @param trackId the publication's track that needs the keyframe
         * @param reason  why; {@code null} is taken as {@link KeyframeRequestReason#UNSPECIFIED}
         */
        void requestKeyframe(int trackId, KeyframeRequestReason reason);

        /**
         * Reports what this subscriber's viewer can take (e.g. a WHEP session's REMB or TWCC estimate,
         * an RTMP player's drain rate); it replaces the previous report and counts in
         * {@link Publication#subscriberEstimates()} until it is older than
         * {@link Builder#estimateMaxAge(Duration)} or the subscription closes. Any thread; does not block.
         *
         * @param estimate the viewer's estimate; {@code null} withdraws the previous report
         */
        void reportEstimate(BandwidthEstimate estimate);

        /**
         * Reports freezes this subscriber's player saw ({@link StreamEvent.ViewerFreeze}, stamped on the hub's
         * ticker, sent to the hub's event listeners). Any thread; does not block. Ignored after {@link #close()}.
         *
         * @param freezes                new freezes since the previous report, &ge; 1 (else ignored)
         * @param totalFreezesDurationUs the player's total frozen time so far, µs
         */
        default void reportFreezes(int freezes, long totalFreezesDurationUs) {
        }

        /**
         * The interval between the publication's last two video keyframes, µs (their PTS difference); 0 before it
         * has sent two, or between publications. Any thread.
         */
        default long keyframeIntervalUs() {
            return 0;
        }

        @Override
        void close();
    }

    private final class Sub implements Subscription {
        final Stream stream;
        final StreamSubscriber subscriber;
        final long id = nextSessionId.incrementAndGet();
        final SessionInfo session;
        final long startedNanos = ticker.nanoTime();
        /** Delivered so far; under the stream lock. */
        long framesDelivered;
        long bytesDelivered;
        boolean waitingForKeyframe;
        /** The last {@link #reportEstimate} and when it came (hub ticker, ns); null if none. */
        volatile Reported estimate;
        volatile boolean closed;

        record Reported(BandwidthEstimate estimate, long atNanos) {
        }

        Sub(Stream stream, StreamSubscriber subscriber, SessionInfo session) {
            this.stream = stream;
            this.subscriber = subscriber;
            this.session = session;
        }

        StreamEvent.PlayStopped stoppedEvent() {
            long now = ticker.nanoTime();
            long frames;
            long bytes;
            synchronized (stream) {
                frames = framesDelivered;
                bytes = bytesDelivered;
            }
            return new StreamEvent.PlayStopped(stream.name, id, session, frames, bytes, now - startedNanos, now);
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
            framesDelivered++;
            bytesDelivered += f.size();
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
            Publication p = publication();
            if (p != null) {
                p.requestKeyframe(p.firstVideoTrackId(), KeyframeRequestReason.UNSPECIFIED);
            }
        }

        @Override
        public void requestKeyframe(int trackId, KeyframeRequestReason reason) {
            Publication p = publication();
            if (p != null) {
                p.requestKeyframe(trackId, reason == null ? KeyframeRequestReason.UNSPECIFIED : reason);
            }
        }

        @Override
        public long keyframeIntervalUs() {
            return stream.keyframeIntervalUs;
        }

        @Override
        public void reportFreezes(int freezes, long totalFreezesDurationUs) {
            if (freezes >= 1 && !closed) {
                emit(new StreamEvent.ViewerFreeze(stream.name, id, session, freezes, Math.max(0, totalFreezesDurationUs),
                        ticker.nanoTime()));
            }
        }

        @Override
        public void reportEstimate(BandwidthEstimate estimate) {
            this.estimate = estimate == null ? null : new Reported(estimate, ticker.nanoTime());
        }

        private Publication publication() {
            synchronized (stream) {
                return stream.publication;
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
            emit(stoppedEvent());
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
            publication = hub.publish(name, tracks, (PublisherFeedback) (trackId, reason) ->
                    feedback.onKeyframeRequest(trackId, "subscriber of hub stream '" + name + "': " + reason));
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
        private Ticker ticker = Ticker.system();
        private Duration estimateMaxAge = Duration.ofSeconds(5);

        private Builder() {
        }

        /** The clock that ages subscribers' estimates; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * How long a subscriber's {@linkplain Subscription#reportEstimate reported estimate} counts in
         * {@link Publication#subscriberEstimates()} without being renewed (a viewer that stopped
         * reporting is left out); default 5 s.
         *
         * @param maxAge &gt; 0
         * @throws IllegalArgumentException if zero or negative
         */
        public Builder estimateMaxAge(Duration maxAge) {
            if (maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("estimateMaxAge: " + maxAge + " (expected: > 0)");
            }
            this.estimateMaxAge = maxAge;
            return this;
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
