package io.sluice.http.server;

import io.netty.channel.ChannelHandler;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.time.Ticker;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.http.cmaf.CmafSegmenter;
import io.sluice.http.cmaf.SegmentAlignment;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HLS / Low-Latency HLS delivery of a {@link StreamHub}'s streams over HTTP, as a Netty handler that any
 * HTTP server pipeline can mount ({@link #newHandler}), or standalone with {@link HttpDeliveryServer}.
 *
 * <p>Addresses, for a hub stream {@code <stream>} (which may contain {@code /}):
 * <ul>
 *   <li>{@code /hls/<stream>/index.m3u8}: multivariant playlist of the LL-HLS media playlist {@code media.m3u8}
 *       (blocking reload, parts, delta updates; RFC 8216bis);</li>
 *   <li>{@code /hls/<stream>/plain.m3u8}: multivariant playlist of plain HLS, {@code plain-media.m3u8}, the same
 *       segments without parts or blocking (for caches that cannot hold blocking requests);</li>
 *   <li>{@code init-<n>.mp4}, {@code seg-<msn>.m4s}, {@code part-<msn>.<i>.m4s}: CMAF init segment, segments, parts
 *       (whole, or one byte range with {@code 206}, RFC 9110 §14; held off-heap once and never copied per request);</li>
 *   <li>{@code /hls/<stream>/player.html}: a player page (hls.js from the jar, no CDN).</li>
 * </ul>
 * A stream's segmenter starts with the first request for it while it is published (from the hub's GOP
 * cache), and follows it through publisher reconnects (a discontinuity and a new init segment each).
 *
 * <p>With a {@linkplain Builder#renditionLadder rendition ladder}, {@code index.m3u8} and {@code plain.m3u8} list
 * one variant per rung, highest first, whose files are under {@code /hls/<stream>/v<i>/} (rung {@code i}, 0 =
 * highest; each LL-HLS media playlist carries an {@code EXT-X-RENDITION-REPORT} for every other rung), and the
 * MPD's video AdaptationSet has one Representation per rung (files under {@code /dash/<stream>/v<i>/}).
 *
 * <p>Thread-safe.
 */
public final class HttpDelivery implements AutoCloseable {
    private final StreamHub hub;
    private final HttpDeliveryConfig config;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HttpDelivery.class);
    private final Map<String, LiveStream> streams = new ConcurrentHashMap<>();
    private final Map<String, LadderGroup> groups = new ConcurrentHashMap<>();
    private final RenditionLadder ladder;
    /** Ladder starts in progress, by source stream. */
    private final Map<String, CompletableFuture<Void>> starting = new ConcurrentHashMap<>();
    /** Takes ladder leases off the event loops; {@code null} without a ladder. */
    private final ExecutorService ladderStarter;
    private final AtomicInteger blocked = new AtomicInteger();
    private final HttpDeliveryHandler handler;
    private volatile boolean closed;
    private final byte[] dashPlayerScript;

    private HttpDelivery(StreamHub hub, HttpDeliveryConfig config, byte[] dashPlayerScript, RenditionLadder ladder) {
        this.hub = hub;
        this.ladder = ladder;
        this.ladderStarter = ladder == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sluice-http-ladder-start");
            t.setDaemon(true);
            return t;
        });
        this.config = config;
        this.dashPlayerScript = dashPlayerScript;
        this.handler = new HttpDeliveryHandler(this);
    }

    public static Builder builder(StreamHub hub) {
        return new Builder(hub);
    }

    public HttpDeliveryConfig config() {
        return config;
    }

    /**
     * The handler to add after {@code HttpServerCodec} and {@code HttpObjectAggregator} in a server pipeline;
     * one shared instance. It answers {@code /hls/...} and passes every other request on unchanged, so a
     * server can put its own handler after it.
     */
    public ChannelHandler newHandler() {
        return handler;
    }

    /** dash.js for the DASH player page, or {@code null} if none was configured. */
    byte[] dashPlayerScript() {
        return dashPlayerScript;
    }

    /** Whether {@code path} (no query) is one this delivery answers. */
    public static boolean handles(String path) {
        return path.startsWith("/hls/") || path.startsWith("/dash/");
    }

    /** The live state of {@code name}, started on first use; {@code null} if the stream is not published. */
    LiveStream stream(String name) {
        if (closed) {
            return null;
        }
        LiveStream s = streams.get(name);
        if (s != null) {
            return s;
        }
        if (hub.tracks(name).isEmpty()) {
            return null;
        }
        LiveStream created = new LiveStream(this, name);
        LiveStream raced = streams.putIfAbsent(name, created);
        if (raced != null) {
            return raced;
        }
        created.subscribe(hub);
        return created;
    }

    void removed(LiveStream s) {
        streams.remove(s.name(), s);
    }

    /** @param alignment the boundaries shared with the other rungs of a ladder, or {@code null} */
    CmafSegmenter newSegmenter(SegmentAlignment alignment) {
        CmafSegmenter.Builder b = CmafSegmenter.builder().segmentTarget(config.segmentTarget()).partTarget(config.partTarget());
        if (alignment != null) {
            b.alignment(alignment);
        }
        return b.build();
    }

    /** Whether a rendition ladder is configured. */
    boolean hasLadder() {
        return ladder != null;
    }

    /**
     * The running ladder group of source stream {@code name}, counted as a request (the idle timeout restarts);
     * after its publisher left, the ended group until the stream is published again. {@code null} without a
     * ladder, when no group runs (see {@link #groupStarting}), or when the stream is published again (the old
     * group is replaced by the next {@link #groupStarting}). Never blocks: safe on an event loop.
     */
    LadderGroup group(String name) {
        if (closed || ladder == null) {
            return null;
        }
        // an ended group (its publisher left) still serves its window until the stream is published again
        LadderGroup g = groups.get(name);
        if (g != null && (!g.isEnded() || hub.tracks(name).isEmpty())) {
            g.touch();
            return g;
        }
        return null;
    }

    /**
     * Starts the ladder group of source stream {@code name} when it needs one (published, no running group),
     * off the caller's thread: taking a ladder lease opens native decoders and encoders, which would stall an
     * event loop and every connection on it. Requests for the stream wait on the returned future and then ask
     * {@link #group} again; one start runs per stream, later requests join it.
     *
     * @param executor runs the new group's idle check
     * @return {@code null} if there is nothing to wait for (no ladder, closed, not published, a group runs);
     *         else a future completed (never exceptionally) when the start has ended, with a group in place
     *         or, if the ladder refused the stream (logged), none: the stream is then served alone
     */
    CompletableFuture<Void> groupStarting(String name, EventExecutor executor) {
        if (closed || ladder == null || hub.tracks(name).isEmpty()) {
            return null;
        }
        LadderGroup g = groups.get(name);
        if (g != null && !g.isEnded()) {
            return null;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        CompletableFuture<Void> raced = starting.putIfAbsent(name, f);
        if (raced != null) {
            return raced;
        }
        try {
            ladderStarter.execute(() -> {
                try {
                    open(name, executor);
                } finally {
                    // removed before completion: the requests that go on find the group, not this future
                    starting.remove(name, f);
                    f.complete(null);
                }
            });
        } catch (RejectedExecutionException e) { // closed meanwhile
            starting.remove(name, f);
            f.complete(null);
        }
        return f;
    }

    /** Replaces an ended group and takes the ladder lease; on the ladder starter's thread. */
    private void open(String name, EventExecutor executor) {
        synchronized (groups) {
            LadderGroup g = groups.get(name);
            if (closed || g != null && !g.isEnded() || hub.tracks(name).isEmpty()) {
                return;
            }
            if (g != null) {
                groups.remove(name, g);
                g.close();
            }
            try {
                g = LadderGroup.open(this, hub, ladder, name, executor);
            } catch (RuntimeException e) {
                log.info("stream '{}': no rendition ladder ({}); served as one variant", name, e.toString());
                return;
            }
            groups.put(name, g);
            if (closed) {
                groups.remove(name, g);
                g.close();
            }
        }
    }

    void removed(LadderGroup g) {
        groups.remove(g.source(), g);
    }

    /** Takes a slot for a blocked request; {@code false} if {@link HttpDeliveryConfig#maxBlockedRequests} are held. */
    boolean acquireBlockSlot() {
        if (blocked.incrementAndGet() > config.maxBlockedRequests()) {
            blocked.decrementAndGet();
            return false;
        }
        return true;
    }

    void releaseBlockSlot() {
        blocked.decrementAndGet();
    }

    /** Blocked requests held now, over all streams. */
    public int blockedRequests() {
        return blocked.get();
    }

    /** Ends every stream's subscription; blocked requests are answered 503. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (ladderStarter != null) {
            ladderStarter.shutdown(); // a start under way finishes and sees closed: its group is closed at once
        }
        for (LiveStream s : streams.values()) {
            s.close();
        }
        streams.clear();
        for (LadderGroup g : groups.values()) {
            g.close();
        }
        groups.clear();
    }

    /** Configures an {@link HttpDelivery}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final StreamHub hub;
        private Duration segmentTarget = Duration.ofSeconds(2);
        /*
         * 250 ms. 210 ms (200 ms parts at 24-60 fps, PART-HOLD-BACK 0.63 s) was tried: hls.js 1.4 stalled once in
         * each of two HlsJsChromiumTest runs and measured p50 1.3-1.7 s, no better than 1.2 s with 250 ms
         */
        private Duration partTarget = Duration.ofMillis(250);
        private int windowSegments = 10;
        private int maxBlockedRequests = 10_000;
        private String corsAllowOrigin = "*";
        private Ticker ticker = Ticker.system();
        private Duration dashLatencyTarget = Duration.ofMillis(1000);
        private byte[] dashPlayerScript;
        private RenditionLadder ladder;
        private Duration ladderIdleTimeout = Duration.ofSeconds(30);

        private Builder(StreamHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
        }

        /** Segment target (HLS target duration, rounded up to whole seconds), 1..60 s; default 2 s. */
        public Builder segmentTarget(Duration d) {
            if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("segmentTarget: " + d + " (expected: 1..60 s)");
            }
            segmentTarget = d;
            return this;
        }

        /**
         * Part target (LL-HLS {@code PART-TARGET}, LL-DASH chunk duration), 50 ms..1 s; default 250 ms. Pick a value a
         * little above a whole number of frame intervals: parts close before the frame that would exceed it.
         */
        public Builder partTarget(Duration d) {
            if (d.compareTo(Duration.ofMillis(50)) < 0 || d.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("partTarget: " + d + " (expected: 50 ms..1 s)");
            }
            partTarget = d;
            return this;
        }

        /** Complete segments kept per stream, 4..1000; default 10. */
        public Builder windowSegments(int n) {
            if (n < 4 || n > 1000) {
                throw new IllegalArgumentException("windowSegments: " + n + " (expected: 4..1000)");
            }
            windowSegments = n;
            return this;
        }

        /** Blocked requests held at once over all streams, 1..1000000; default 10000. */
        public Builder maxBlockedRequests(int n) {
            if (n < 1 || n > 1_000_000) {
                throw new IllegalArgumentException("maxBlockedRequests: " + n + " (expected: 1..1000000)");
            }
            maxBlockedRequests = n;
            return this;
        }

        /** {@code Access-Control-Allow-Origin}; default {@code *}. */
        public Builder corsAllowOrigin(String origin) {
            if (origin == null || origin.isBlank()) {
                throw new IllegalArgumentException("corsAllowOrigin: '" + origin + "' (expected: an origin or *)");
            }
            corsAllowOrigin = origin;
            return this;
        }

        /**
         * LL-DASH {@code ServiceDescription} latency target, 200 ms..30 s; default 1 s (four 250 ms chunks: the chunk
         * in progress, the one in flight and two buffered).
         */
        public Builder dashLatencyTarget(Duration d) {
            if (d.compareTo(Duration.ofMillis(200)) < 0 || d.compareTo(Duration.ofSeconds(30)) > 0) {
                throw new IllegalArgumentException("dashLatencyTarget: " + d + " (expected: 200 ms..30 s)");
            }
            dashLatencyTarget = d;
            return this;
        }

        /**
         * dash.js ({@code dash.all.min.js}, e.g. from the {@code dashjs} npm package) for the DASH player page
         * at {@code /dash/<stream>/player.html}; default none (the page then cannot play).
         *
         * @throws java.io.UncheckedIOException if the file cannot be read
         */
        public Builder dashPlayerScript(java.nio.file.Path script) {
            try {
                dashPlayerScript = java.nio.file.Files.readAllBytes(script);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("dashPlayerScript: " + script, e);
            }
            return this;
        }

        /**
         * Serves every stream through {@code ladder}'s rungs (RFC 8216bis §4.4.6.2 variant streams, DASH
         * Representations): the multivariant playlist lists each rung, highest first, as {@code v<i>/media.m3u8},
         * whose LL-HLS playlist reports the others ({@code EXT-X-RENDITION-REPORT}), and the MPD's video
         * AdaptationSet holds one Representation per rung; segments line up across rungs (same media sequence
         * number, same IDR). The ladder's lease is taken by the first request for a stream and released after
         * {@link #ladderIdleTimeout} without one. A stream the ladder refuses (no H.264 video, too many ladders) is
         * served alone, as without a ladder. Default none: one variant per stream. The caller keeps the ladder
         * (and closes it after this delivery).
         */
        public Builder renditionLadder(RenditionLadder ladder) {
            this.ladder = Objects.requireNonNull(ladder, "ladder");
            return this;
        }

        /**
         * How long a stream's ladder lease is held after the last HTTP request for it (HTTP has no session: a
         * player reloads its playlist at least every target duration, so a silence this long means nobody
         * plays), 5 s..1 h; default 30 s.
         */
        public Builder ladderIdleTimeout(Duration d) {
            if (d.compareTo(Duration.ofSeconds(5)) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("ladderIdleTimeout: " + d + " (expected: 5 s..1 h)");
            }
            ladderIdleTimeout = d;
            return this;
        }

        /** The clock; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** @throws IllegalStateException if the part target exceeds the segment target */
        public HttpDelivery build() {
            if (partTarget.compareTo(segmentTarget) > 0) {
                throw new IllegalStateException("partTarget " + partTarget + " > segmentTarget " + segmentTarget);
            }
            return new HttpDelivery(hub, new HttpDeliveryConfig(segmentTarget, partTarget, windowSegments, maxBlockedRequests,
                    corsAllowOrigin, ticker, dashLatencyTarget, ladderIdleTimeout), dashPlayerScript, ladder);
        }
    }
}
