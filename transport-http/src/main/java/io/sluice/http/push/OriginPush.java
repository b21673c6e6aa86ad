package io.sluice.http.push;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.time.Ticker;
import io.sluice.http.cmaf.CmafSegmenter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes one stream as plain HLS and DASH to an {@link OriginWriter} (an HTTP origin or CDN ingest by
 * {@code PUT}/{@code DELETE}, or a directory), so that a static web server or cache serves it: init segments,
 * complete segments, {@code media.m3u8}, {@code index.m3u8} and {@code manifest.mpd} under the writer's
 * prefix, each segment before the playlists that name it, and segments that left the window deleted after a
 * grace period. What is and is not pushed, and why: {@link OriginPushPlanner}.
 *
 * <pre>{@code
 * OriginPush push = OriginPush.builder(OriginWriter.http(URI.create("http://origin:8081/live/cam/"))).build();
 * push.subscribe(hub, "live/cam");      // or feed it: start(tracks), push(frame), finish()
 * // players: http://origin:8081/live/cam/index.m3u8, .../manifest.mpd
 * push.close();                         // pushes the last segment and #EXT-X-ENDLIST, waits up to closeTimeout
 * }</pre>
 *
 * <p><b>Bounds and failures.</b> At most {@link Builder#maxInFlight} writes run at once; a write that fails
 * with no answer, a 5xx, 408 or 429 is tried again up to {@link Builder#maxRetries} times with exponential
 * backoff from {@link Builder#retryBackoff}; other statuses (403, 405, 413…) fail at once. A failed write is
 * logged at WARN with its URL and status (then at most once per 10 s while failures go on), counted, kept as
 * {@link OriginPushStats#lastFailure()}, and the push goes on with the next step: a failing origin never
 * blocks the publisher or other outputs of the hub. When more than {@link Builder#maxQueuedBytes} wait (the
 * origin is slower than the stream), the oldest waiting steps are dropped and counted.
 *
 * <p><b>Threads.</b> Frames are segmented on the caller's thread (the hub's publisher thread) under this
 * object's lock; writes start on one scheduler thread ({@link Builder#executor}, default one daemon thread of
 * its own) and complete on the writer's threads. Thread-safe.
 */
public final class OriginPush implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OriginPush.class);
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    private final OriginWriter writer;
    private final boolean ownWriter;
    private final ScheduledExecutorService executor;
    private final boolean ownExecutor;
    private final Ticker ticker;
    private final int maxInFlight;
    private final long maxQueuedBytes;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final Duration closeTimeout;
    private final String name;
    private final CmafSegmenter segmenter;
    private final OriginPushPlanner planner;

    // under this object's lock
    private final ArrayDeque<List<OriginWrite>> queue = new ArrayDeque<>();
    private final ArrayDeque<OriginWrite> toStart = new ArrayDeque<>();
    private int unsettled;
    private boolean currentIsMedia;
    private int inFlight;
    private long queuedBytes;
    private int queuedWrites;
    private ScheduledFuture<?> deleteTimer;
    private long deleteTimerDue;
    private boolean unsupported;
    private boolean closed;
    private StreamHub.Subscription subscription;
    private Runnable keyframeRequester;
    private long succeeded;
    private long failed;
    private long dropped;
    private long retries;
    private long bytesWritten;
    private long segmentsPushed;
    private OriginWriteException lastFailure;
    private long lastWarnNanos;
    private long failuresSinceWarn;
    private boolean failing;
    private long lastDropWarnNanos;

    private OriginPush(Builder b) {
        this.writer = b.writer;
        this.ownWriter = b.ownWriter;
        this.ownExecutor = b.executor == null;
        this.executor = b.executor != null ? b.executor : newScheduler();
        this.ticker = b.ticker;
        this.maxInFlight = b.maxInFlight;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.maxRetries = b.maxRetries;
        this.retryBackoff = b.retryBackoff;
        this.closeTimeout = b.closeTimeout;
        this.name = writer.location("");
        this.segmenter = CmafSegmenter.builder().segmentTarget(b.segmentTarget).partTarget(b.partTarget).build();
        long grace = b.deleteGrace != null ? b.deleteGrace.toNanos() : (b.windowSegments + 1L) * b.segmentTarget.toNanos();
        this.planner = new OriginPushPlanner(segmenter.segmentTargetUs(), segmenter.partTargetUs(), b.windowSegments, grace,
                b.utcTimingScheme, b.utcTimingValue);
    }

    /** One daemon thread, {@code sluice-push}, that starts writes and waits out retries and delete deadlines. */
    static ScheduledExecutorService newScheduler() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-push");
            t.setDaemon(true);
            return t;
        });
    }

    /** A push to {@code writer}, which the push closes with itself (see {@link Builder#closeWriter}). */
    public static Builder builder(OriginWriter writer) {
        return new Builder(writer);
    }

    /** Where the files go: the writer's location of its prefix, e.g. {@code http://origin:8081/live/cam/}. */
    public String location() {
        return name;
    }

    // ---------------------------------------------------------------- frames in

    /**
     * The publisher (re)starts with {@code tracks}: a new CMAF header; a discontinuity after an earlier one.
     * Tracks that cannot be segmented (e.g. VP8) are left out; with none left, frames are ignored and a WARN says so.
     */
    public synchronized void start(List<TrackInfo> tracks) {
        if (closed) {
            return;
        }
        try {
            segmenter.start(tracks);
            unsupported = false;
        } catch (IllegalArgumentException e) {
            unsupported = true;
            log.warn("push to {}: {}", name, e.getMessage());
        }
        drain();
    }

    /**
     * One frame, in decode order per track.
     *
     * @param frame borrowed: the caller keeps ownership and releases it; its payload is copied into the segment
     */
    public synchronized void push(EncodedFrame frame) {
        if (unsupported || closed || segmenter.header() == null) {
            return;
        }
        segmenter.push(frame, ticker.wallClockMicros() / 1000);
        drain();
    }

    /** The publisher left: the segment in progress is pushed, then the media playlist with {@code #EXT-X-ENDLIST}. */
    public synchronized void finish() {
        if (closed) {
            return;
        }
        segmenter.finish();
        drain();
        planner.onEnd(ticker.wallClockMicros() / 1000);
        plan();
    }

    /** Who is asked for a keyframe when a segment reached its target without one; default nobody. */
    public synchronized OriginPush keyframeRequester(Runnable requester) {
        this.keyframeRequester = requester;
        return this;
    }

    /**
     * Subscribes to {@code stream} of {@code hub} and pushes it from now on, through publisher reconnects (each a
     * discontinuity and a new init segment) until {@link #close()}; keyframe requests go to its publisher.
     *
     * @return this
     * @throws IllegalStateException if already subscribed or closed
     */
    public OriginPush subscribe(StreamHub hub, String stream) {
        synchronized (this) {
            if (subscription != null || closed) {
                throw new IllegalStateException("subscribe: push to " + name + " is " + (closed ? "closed" : "already subscribed"));
            }
        }
        StreamHub.Subscription s = hub.subscribe(stream, new StreamSubscriber() {
            @Override
            public void onPublish(String streamName, List<TrackInfo> tracks) {
                start(tracks);
            }

            @Override
            public void onFrameBorrowed(EncodedFrame frame) {
                push(frame);
            }

            @Override
            public void onFrame(EncodedFrame frame) {
                try {
                    push(frame);
                } finally {
                    frame.release();
                }
            }

            @Override
            public void onUnpublish(String streamName) {
                finish();
            }
        });
        synchronized (this) {
            subscription = s;
            if (keyframeRequester == null) {
                keyframeRequester = s::requestKeyframe;
            }
            if (closed) {
                s.close();
            }
        }
        return this;
    }

    /** Under the lock: segmenter outputs to the planner, then planner steps to the queue. */
    private void drain() {
        CmafSegmenter.Output o;
        while ((o = segmenter.poll()) != null) {
            if (o instanceof CmafSegmenter.KeyframeWanted) {
                if (keyframeRequester != null) {
                    keyframeRequester.run();
                }
            } else {
                planner.onOutput(o, ticker.nanoTime(), ticker.wallClockMicros() / 1000);
            }
        }
        plan();
    }

    /** Under the lock: moves the planner's steps that are due into the queue and arms the delete timer. */
    private void plan() {
        long now = ticker.nanoTime();
        boolean added = false;
        List<OriginWrite> step;
        while ((step = planner.poll(now)) != null) {
            enqueue(step);
            added = true;
        }
        long due = planner.nextDeleteNanos();
        if (due != Long.MAX_VALUE && !closed && (deleteTimer == null || deleteTimer.isDone() || due < deleteTimerDue)) {
            if (deleteTimer != null) {
                deleteTimer.cancel(false);
            }
            deleteTimerDue = due;
            deleteTimer = executor.schedule(() -> {
                synchronized (OriginPush.this) {
                    deleteTimer = null;
                    plan();
                }
            }, Math.max(0, due - now), TimeUnit.NANOSECONDS);
        }
        if (added) {
            executor.execute(this::pump);
        }
    }

    private void enqueue(List<OriginWrite> step) {
        for (OriginWrite w : step) { // a newer playlist replaces a queued one that has not started
            if (w.playlist()) {
                for (Iterator<List<OriginWrite>> it = queue.iterator(); it.hasNext(); ) {
                    List<OriginWrite> older = it.next();
                    if (older.stream().anyMatch(x -> x.playlist() && x.path().equals(w.path()))) {
                        List<OriginWrite> kept = new ArrayList<>(older.size());
                        for (OriginWrite x : older) {
                            if (x.playlist() && x.path().equals(w.path())) {
                                queuedBytes -= x.bytes();
                                queuedWrites--;
                            } else {
                                kept.add(x);
                            }
                        }
                        if (kept.isEmpty()) {
                            it.remove();
                        } else {
                            older.clear();
                            older.addAll(kept);
                        }
                    }
                }
            }
        }
        queue.add(new ArrayList<>(step));
        for (OriginWrite w : step) {
            queuedBytes += w.bytes();
            queuedWrites++;
        }
        long now = ticker.nanoTime();
        while (queuedBytes > maxQueuedBytes && queue.size() > 1) {
            List<OriginWrite> old = queue.removeFirst();
            for (OriginWrite w : old) {
                queuedBytes -= w.bytes();
                queuedWrites--;
                dropped++;
            }
            if (now - lastDropWarnNanos >= WARN_EVERY_NANOS || lastDropWarnNanos == 0) {
                lastDropWarnNanos = now;
                log.warn("push to {}: the origin is slower than the stream, over {} bytes wait: dropped {} writes so far"
                        + " (players miss those segments)", name, maxQueuedBytes, dropped);
            }
        }
    }

    // ---------------------------------------------------------------- writes out

    /** Starts what may start: the current step's writes up to the in-flight bound, or the next step. */
    private void pump() {
        List<OriginWrite> start = new ArrayList<>();
        synchronized (this) {
            if (unsettled == 0 && toStart.isEmpty()) {
                List<OriginWrite> next = queue.pollFirst();
                if (next == null) {
                    notifyAll(); // idle
                    return;
                }
                toStart.addAll(next);
                unsettled = next.size();
                currentIsMedia = next.stream().anyMatch(w -> w.path().startsWith("seg-") && w.method() == OriginWrite.Method.PUT);
            }
            while (inFlight < maxInFlight && !toStart.isEmpty()) {
                start.add(toStart.removeFirst());
                inFlight++;
            }
        }
        for (OriginWrite w : start) {
            attempt(w, 0);
        }
    }

    private void attempt(OriginWrite w, int tries) {
        java.util.concurrent.CompletableFuture<Void> f;
        try {
            f = w.method() == OriginWrite.Method.PUT ? writer.put(w.path(), w.body(), w.type()) : writer.delete(w.path());
        } catch (RuntimeException e) {
            f = java.util.concurrent.CompletableFuture.failedFuture(new OriginWriteException(w.method().name(),
                    writer.location(w.path()), 0, false, e.toString(), e));
        }
        f.whenComplete((ok, failure) -> {
            if (failure == null) {
                settled(w, null);
                return;
            }
            OriginWriteException e = failure instanceof OriginWriteException owe ? owe
                    : failure.getCause() instanceof OriginWriteException owe2 ? owe2
                    : new OriginWriteException(w.method().name(), writer.location(w.path()), 0, true, failure.toString(), failure);
            boolean again;
            synchronized (this) {
                again = e.retryable() && tries < maxRetries && !(closed && executor.isShutdown());
                if (again) {
                    retries++;
                }
            }
            if (again) {
                long delayMs = Math.min(retryBackoff.toMillis() << tries, 8_000);
                log.debug("push: {} (try {} of {}, again in {} ms)", e.getMessage(), tries + 1, maxRetries + 1, delayMs);
                try {
                    executor.schedule(() -> attempt(w, tries + 1), delayMs, TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException closedNow) {
                    // fall through: given up
                }
            }
            settled(w, e);
        });
    }

    private void settled(OriginWrite w, OriginWriteException e) {
        synchronized (this) {
            inFlight--;
            unsettled--;
            queuedWrites--;
            queuedBytes -= w.bytes();
            if (e == null) {
                succeeded++;
                bytesWritten += w.bytes();
                if (failing) {
                    failing = false;
                    log.info("push to {}: the origin takes writes again ({} failed before)", name, failed);
                }
            } else {
                failed++;
                lastFailure = e;
                long now = ticker.nanoTime();
                if (!failing || now - lastWarnNanos >= WARN_EVERY_NANOS) {
                    log.warn("push: {} (given up after {} tries{}); the stream goes on", e.getMessage(),
                            e.retryable() ? maxRetries + 1 : 1, failuresSinceWarn > 0 ? ", " + failuresSinceWarn + " more failed since the last warning" : "");
                    lastWarnNanos = now;
                    failuresSinceWarn = 0;
                } else {
                    failuresSinceWarn++;
                }
                failing = true;
            }
            if (unsettled == 0 && currentIsMedia) {
                segmentsPushed++;
            }
        }
        try {
            executor.execute(this::pump);
        } catch (java.util.concurrent.RejectedExecutionException closedNow) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** A snapshot of the counters. */
    public synchronized OriginPushStats stats() {
        return new OriginPushStats(succeeded, failed, dropped, retries, bytesWritten, queuedWrites, queuedBytes, segmentsPushed,
                lastFailure);
    }

    /**
     * Waits until every queued write has settled (deletes not yet due do not count).
     *
     * @return {@code false} if writes still wait after {@code timeout}
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (queuedWrites > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    /**
     * Ends the subscription (if any), pushes the segment in progress and the final playlists
     * ({@code #EXT-X-ENDLIST}), waits up to {@link Builder#closeTimeout} for the queue, then stops. Deletes that
     * are not due yet are dropped: the files of the last window stay at the origin. Idempotent.
     */
    @Override
    public void close() {
        StreamHub.Subscription s;
        synchronized (this) {
            if (closed) {
                return;
            }
            s = subscription;
        }
        if (s != null) {
            s.close();
        }
        finish();
        synchronized (this) {
            closed = true;
            if (deleteTimer != null) {
                deleteTimer.cancel(false);
            }
            planner.close(); // the parts of a segment still in progress (none after finish, unless it failed)
            int n = planner.dropPendingDeletes();
            if (n > 0) {
                log.debug("push to {}: {} deletes not due yet are dropped at close", name, n);
            }
        }
        try {
            if (!awaitIdle(closeTimeout)) {
                OriginPushStats st = stats();
                log.warn("push to {}: {} writes ({} bytes) still waiting after {} ms at close; dropped", name, st.queuedWrites(),
                        st.queuedBytes(), closeTimeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownExecutor) {
            executor.shutdownNow();
        }
        if (ownWriter) {
            writer.close();
        }
    }

    @Override
    public String toString() {
        return "OriginPush{" + name + '}';
    }

    /** Configures an {@link OriginPush}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final OriginWriter writer;
        private boolean ownWriter = true;
        private Duration segmentTarget = Duration.ofSeconds(2);
        private Duration partTarget = Duration.ofMillis(500);
        private int windowSegments = 6;
        private Duration deleteGrace;
        private int maxInFlight = 4;
        private long maxQueuedBytes = 32L << 20;
        private int maxRetries = 3;
        private Duration retryBackoff = Duration.ofMillis(250);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private ScheduledExecutorService executor;
        private Ticker ticker = Ticker.system();
        private String utcTimingScheme;
        private String utcTimingValue;

        private Builder(OriginWriter writer) {
            this.writer = Objects.requireNonNull(writer, "writer");
        }

        /** Segment target (HLS {@code EXT-X-TARGETDURATION}, DASH segment duration), 1..60 s; default 2 s. */
        public Builder segmentTarget(Duration d) {
            if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("segmentTarget: " + d + " (expected: 1..60 s)");
            }
            segmentTarget = d;
            return this;
        }

        /**
         * Chunk duration inside a segment (each chunk a {@code moof}+{@code mdat}), 50 ms..segment target; default
         * 500 ms. Parts are not pushed on their own; smaller chunks only cost a little overhead.
         */
        public Builder partTarget(Duration d) {
            if (d.compareTo(Duration.ofMillis(50)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("partTarget: " + d + " (expected: 50 ms..60 s)");
            }
            partTarget = d;
            return this;
        }

        /** Segments the playlists name (and the origin keeps, plus the grace), 4..1000; default 6. */
        public Builder windowSegments(int n) {
            if (n < 4 || n > 1000) {
                throw new IllegalArgumentException("windowSegments: " + n + " (expected: 4..1000)");
            }
            windowSegments = n;
            return this;
        }

        /**
         * How long a segment stays at the origin after it left the playlists, before its {@code DELETE}, 0..1 h;
         * default (window + 1) × segment target, so a player holding an older playlist still finds every segment
         * it names (RFC 8216 §6.2.2).
         */
        public Builder deleteGrace(Duration d) {
            if (d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("deleteGrace: " + d + " (expected: 0..1 h)");
            }
            deleteGrace = d;
            return this;
        }

        /** Writes in flight at once, 1..64; default 4. */
        public Builder maxInFlight(int n) {
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("maxInFlight: " + n + " (expected: 1..64)");
            }
            maxInFlight = n;
            return this;
        }

        /** Body bytes that may wait for the origin before the oldest steps are dropped, 1 MiB..1 GiB; default 32 MiB. */
        public Builder maxQueuedBytes(long n) {
            if (n < (1L << 20) || n > (1L << 30)) {
                throw new IllegalArgumentException("maxQueuedBytes: " + n + " (expected: 1048576..1073741824)");
            }
            maxQueuedBytes = n;
            return this;
        }

        /**
         * Retries of a write that failed with no answer, 5xx, 408, 425 or 429, 0..10; default 3. The waits double
         * from {@code backoff} (100 ms..10 s, default 250 ms), at most 8 s.
         */
        public Builder retries(int maxRetries, Duration backoff) {
            if (maxRetries < 0 || maxRetries > 10) {
                throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: 0..10)");
            }
            if (backoff.compareTo(Duration.ofMillis(100)) < 0 || backoff.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("backoff: " + backoff + " (expected: 100 ms..10 s)");
            }
            this.maxRetries = maxRetries;
            this.retryBackoff = backoff;
            return this;
        }

        /** How long {@link OriginPush#close()} waits for the last writes, 0..60 s; default 5 s. */
        public Builder closeTimeout(Duration d) {
            if (d.isNegative() || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("closeTimeout: " + d + " (expected: 0..60 s)");
            }
            closeTimeout = d;
            return this;
        }

        /**
         * The MPD's {@code UTCTiming} (DASH-IF IOP §4.7), e.g. {@code ("urn:mpeg:dash:utc:http-head:2014",
         * "https://cdn.example/live/cam/manifest.mpd")}: any HTTP server's {@code Date} header does. Default
         * {@code urn:mpeg:dash:utc:direct:2014} with the time the MPD was made (a cached MPD makes players late,
         * never early).
         */
        public Builder dashUtcTiming(String schemeIdUri, String value) {
            if (schemeIdUri == null || !schemeIdUri.startsWith("urn:mpeg:dash:utc:") || value == null || value.isBlank()
                    || value.matches(".*[\"<>&].*")) {
                throw new IllegalArgumentException("dashUtcTiming: '" + schemeIdUri + "' '" + value
                        + "' (expected: a urn:mpeg:dash:utc:* scheme and a value without \" < > &)");
            }
            utcTimingScheme = schemeIdUri;
            utcTimingValue = value;
            return this;
        }

        /** Whether {@link OriginPush#close()} closes the writer; default {@code true} (not for a shared one). */
        public Builder closeWriter(boolean close) {
            ownWriter = close;
            return this;
        }

        /** The scheduler writes start on and retries wait on, shared and not shut down by the push; default one thread of its own. */
        public Builder executor(ScheduledExecutorService executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** The clock (delete grace, program-date-time); default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** @throws IllegalStateException if the part target exceeds the segment target */
        public OriginPush build() {
            if (partTarget.compareTo(segmentTarget) > 0) {
                throw new IllegalStateException("partTarget " + partTarget + " > segmentTarget " + segmentTarget);
            }
            return new OriginPush(this);
        }
    }
}
