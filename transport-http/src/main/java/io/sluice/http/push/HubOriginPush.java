package io.sluice.http.push;

import io.sluice.core.events.StreamEvent;
import io.sluice.core.events.StreamEventListener;
import io.sluice.core.hub.StreamHub;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes every stream of a {@link StreamHub} to one origin, each under its own name: hub stream {@code live/cam}
 * goes to {@code <writer>/live/cam/index.m3u8}, {@code media.m3u8}, {@code manifest.mpd} and its segments (see
 * {@link OriginPush}). A stream is pushed from when it is first published (or from {@link #start()} if it is
 * live then) until {@link #close()}, through publisher reconnects: the media sequence goes on after a
 * discontinuity, and segments of an ended stream's last window stay at the origin (its playlist ends with
 * {@code #EXT-X-ENDLIST}). This is what {@code SluiceServer.Builder.originPush} runs.
 *
 * <p>One scheduler thread of its own serves every stream's push; writes run on the writer's threads.
 * Thread-safe.
 */
public final class HubOriginPush implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HubOriginPush.class);

    private final StreamHub hub;
    private final OriginWriter writer;
    private final boolean ownWriter;
    private final Predicate<String> streams;
    private final Consumer<OriginPush.Builder> perStream;
    private final ScheduledExecutorService executor;
    private final Map<String, OriginPush> pushes = new ConcurrentHashMap<>();
    private final StreamEventListener listener = this::onEvent;
    private boolean started;
    private boolean closed;

    private HubOriginPush(Builder b) {
        this.hub = b.hub;
        this.writer = b.writer;
        this.ownWriter = b.ownWriter;
        this.streams = b.streams;
        this.perStream = b.perStream;
        this.executor = OriginPush.newScheduler();
    }

    /** Pushes {@code hub}'s streams to {@code writer}, which this closes with itself unless {@link Builder#closeWriter}. */
    public static Builder builder(StreamHub hub, OriginWriter writer) {
        return new Builder(hub, writer);
    }

    /**
     * Starts pushing the streams live now and every stream published later.
     *
     * @return this
     * @throws IllegalStateException if started or closed before
     */
    public synchronized HubOriginPush start() {
        if (started || closed) {
            throw new IllegalStateException("start: push to " + writer.location("") + " is " + (closed ? "closed" : "started"));
        }
        started = true;
        hub.addEventListener(listener);
        for (String s : hub.liveStreams()) {
            add(s);
        }
        return this;
    }

    private void onEvent(StreamEvent e) {
        if (e instanceof StreamEvent.Published p) {
            try {
                executor.execute(() -> add(p.stream())); // not on the publisher's thread: subscribing takes the hub's locks
            } catch (java.util.concurrent.RejectedExecutionException closedNow) {
                // closing
            }
        }
    }

    private synchronized void add(String stream) {
        if (closed || pushes.containsKey(stream) || !streams.test(stream)) {
            return;
        }
        OriginWriter under;
        try {
            under = writer.under(stream + "/");
        } catch (IllegalArgumentException e) {
            log.warn("not pushing stream '{}' to {}: its name is not a path the origin takes ({})", stream, writer.location(""),
                    e.getMessage());
            return;
        }
        OriginPush.Builder b = OriginPush.builder(under);
        perStream.accept(b);
        OriginPush push = b.executor(executor).closeWriter(true).build();
        pushes.put(stream, push);
        push.subscribe(hub, stream);
        log.info("pushing stream '{}' as HLS and DASH to {}", stream, push.location());
    }

    /** Where the streams go: the writer's location of its root, e.g. {@code http://origin:8081/live/}. */
    public String location() {
        return writer.location("");
    }

    /** The counters of every stream pushed, by stream name. */
    public Map<String, OriginPushStats> stats() {
        Map<String, OriginPushStats> m = new TreeMap<>();
        pushes.forEach((k, v) -> m.put(k, v.stats()));
        return m;
    }

    /** The push of {@code stream}, if it is being pushed. */
    public java.util.Optional<OriginPush> push(String stream) {
        return java.util.Optional.ofNullable(pushes.get(stream));
    }

    /** Stops following the hub, closes every stream's push (each pushes its last segment and playlists), then the writer. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        hub.removeEventListener(listener);
        for (OriginPush p : pushes.values()) {
            p.close();
        }
        executor.shutdownNow();
        if (ownWriter) {
            writer.close();
        }
    }

    @Override
    public String toString() {
        return "HubOriginPush{" + writer.location("") + '}';
    }

    /** Configures a {@link HubOriginPush}. Not thread-safe. */
    public static final class Builder {
        private final StreamHub hub;
        private final OriginWriter writer;
        private boolean ownWriter = true;
        private Predicate<String> streams = s -> true;
        private Consumer<OriginPush.Builder> perStream = b -> { };

        private Builder(StreamHub hub, OriginWriter writer) {
            this.hub = Objects.requireNonNull(hub, "hub");
            this.writer = Objects.requireNonNull(writer, "writer");
        }

        /** Which streams to push, by name; default all. */
        public Builder streams(Predicate<String> filter) {
            this.streams = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /**
         * Settings of every stream's {@link OriginPush}, e.g. {@code b -> b.windowSegments(10)}; the writer, executor
         * and {@code closeWriter} are this push's own and set after it.
         */
        public Builder perStream(Consumer<OriginPush.Builder> configure) {
            this.perStream = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /** Whether {@link HubOriginPush#close()} closes the writer; default {@code true}. */
        public Builder closeWriter(boolean close) {
            this.ownWriter = close;
            return this;
        }

        public HubOriginPush build() {
            return new HubOriginPush(this);
        }
    }
}
