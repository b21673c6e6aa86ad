package io.sluice.http.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.dash.DashManifest;
import io.sluice.http.cmaf.CmafSegment;
import io.sluice.http.cmaf.CmafSegmenter;
import io.sluice.http.hls.HlsMediaPlaylist;
import io.sluice.http.hls.HlsMultivariantPlaylist;
import io.sluice.http.hls.PlaylistAnswer;
import io.sluice.http.hls.PlaylistRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hub stream as HLS and DASH: its hub subscription feeds a {@link CmafSegmenter}, whose output fills a
 * {@link HlsMediaPlaylist}; blocked requests wait here and are answered as parts close, at their deadline
 * (503), or when the publisher leaves (503); DASH segment requests are streamed chunk by chunk as the
 * segment's parts close. Everything under this object's lock; answers are written
 * from whichever thread completes them (Netty queues the write on the channel's EventLoop).
 */
final class LiveStream implements StreamSubscriber {
    private static final Logger log = LoggerFactory.getLogger(LiveStream.class);

    /** What a blocked request waits for. */
    enum Kind { MULTIVARIANT_LL, MULTIVARIANT_PLAIN, MEDIA_LL, MEDIA_PLAIN, PART, MPD }

    private final class Waiter {
        final Kind kind;
        final Exchange exchange;
        final PlaylistRequest request;
        final long msn;
        final int part;
        final String utcTimingUrl;
        final String reportPrefix;
        ScheduledFuture<?> timeout;

        Waiter(Kind kind, Exchange exchange, PlaylistRequest request, long msn, int part, String utcTimingUrl, String reportPrefix) {
            this.kind = kind;
            this.exchange = exchange;
            this.request = request;
            this.msn = msn;
            this.part = part;
            this.utcTimingUrl = utcTimingUrl;
            this.reportPrefix = reportPrefix;
        }
    }

    /** A DASH segment request: its chunks go out as the segment's parts close. */
    private static final class Streamer {
        final Exchange exchange;
        final int headerId;
        final int trackId;
        final long msn;
        int sent;
        boolean started;
        ScheduledFuture<?> timeout;

        Streamer(Exchange exchange, int headerId, int trackId, long msn) {
            this.exchange = exchange;
            this.headerId = headerId;
            this.trackId = trackId;
            this.msn = msn;
        }
    }

    private final List<Streamer> streamers = new ArrayList<>();
    private CmafPart epochStart;
    private long availabilityStartMs = -1;

    private final HttpDelivery delivery;
    private final String name;
    private final CmafSegmenter segmenter;
    private final HlsMediaPlaylist playlist;
    private final List<Waiter> waiters = new ArrayList<>();
    private StreamHub.Subscription subscription;
    private boolean unsupported;
    private boolean closed;
    /** The ladder this stream is a rung of, or {@code null} for a stream served alone. */
    private final LadderGroup group;
    /** Its rung index in {@link #group} (0 = highest). */
    private final int rung;
    private int publications;
    private volatile Snapshot snapshot;
    /** Parts, segments and init segments as response bodies, held once off-heap while in the window. */
    private final MediaBodies bodies = new MediaBodies();
    /**
     * Rendered playlists and MPDs (UTF-8) of the current state, by what the rendering depends on besides the state;
     * cleared whenever a part or a segment is added or the publisher leaves. Streams served alone only: a ladder
     * rung's playlists carry the other rungs' rendition reports, which change on their own.
     */
    private final java.util.Map<RenderKey, byte[]> rendered = new java.util.HashMap<>();

    /**
     * What a rendered playlist depends on besides the stream's state.
     *
     * @param kind         the playlist kind
     * @param skip         a delta update ({@code _HLS_skip}) was asked for
     * @param utcTimingUrl the MPD's {@code UTCTiming} URL (it names the request's host), or {@code null}
     */
    private record RenderKey(Kind kind, boolean skip, String utcTimingUrl) {
    }

    /**
     * What the other rungs of a ladder read of this one without its lock, renewed as parts close.
     *
     * @param header     the current header
     * @param peakBps    measured peak segment bitrate, bit/s
     * @param averageBps measured average bitrate, bit/s (0 before the first complete segment)
     * @param report     its state for {@code EXT-X-RENDITION-REPORT} (URI to be set by the reader), or {@code null}
     * @param dash       its DASH timeline, or {@code null} before its first part
     */
    record Snapshot(io.sluice.http.cmaf.CmafHeader header, long peakBps, long averageBps, io.sluice.http.hls.RenditionReport report,
                    DashManifest.Rendition dash) {
    }

    LiveStream(HttpDelivery delivery, String name) {
        this(delivery, name, null, 0);
    }

    /** A rung of {@code group} (aligned with its other rungs), or a stream served alone if {@code group} is {@code null}. */
    LiveStream(HttpDelivery delivery, String name, LadderGroup group, int rung) {
        this.delivery = delivery;
        this.name = name;
        this.group = group;
        this.rung = rung;
        this.segmenter = delivery.newSegmenter(group == null ? null : group.alignment());
        HttpDeliveryConfig c = delivery.config();
        this.playlist = new HlsMediaPlaylist(segmenter.segmentTargetUs(), segmenter.partTargetUs(), c.windowSegments());
    }

    /** The latest snapshot, or {@code null} before the first part. */
    Snapshot snapshot() {
        return snapshot;
    }

    String name() {
        return name;
    }

    void subscribe(StreamHub hub) {
        StreamHub.Subscription s = hub.subscribe(name, this);
        synchronized (this) {
            subscription = s;
            if (closed) {
                s.close();
            }
        }
    }

    private long nowNanos() {
        return delivery.config().ticker().nanoTime();
    }

    // ---- hub side (publisher thread) ----

    @Override
    public synchronized void onPublish(String streamName, List<TrackInfo> tracks) {
        if (group != null && publications++ > 0) {
            group.end(); // a new publisher: the ladder ended with the old one
        }
        try {
            segmenter.start(tracks);
            unsupported = false;
        } catch (IllegalArgumentException e) {
            unsupported = true;
            log.warn("HLS '{}': {}", name, e.getMessage());
        }
        drain();
    }

    @Override
    public void onFrameBorrowed(EncodedFrame frame) {
        synchronized (this) {
            if (unsupported || closed || segmenter.header() == null) {
                return;
            }
            segmenter.push(frame, delivery.config().ticker().wallClockMicros() / 1000);
            drain();
        }
    }

    @Override
    public void onFrame(EncodedFrame frame) {
        try {
            onFrameBorrowed(frame);
        } finally {
            frame.release();
        }
    }

    @Override
    public synchronized void onUnpublish(String streamName) {
        if (group != null) {
            group.end();
        }
        segmenter.finish();
        drain();
        playlist.onUnpublish();
        rendered.clear();
        wake();
    }

    @Override
    public void onClosed(String streamName) {
        close();
    }

    /** Ends the subscription; blocked requests get 503. */
    void close() {
        StreamHub.Subscription s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            playlist.onUnpublish();
            rendered.clear();
            wake();
            bodies.close();
            s = subscription;
        }
        delivery.removed(this);
        if (s != null) {
            s.close();
        }
    }

    private void drain() {
        boolean changed = false;
        CmafSegmenter.Output o;
        while ((o = segmenter.poll()) != null) {
            if (o instanceof CmafSegmenter.PartReady p) {
                playlist.onPart(p.part());
                bodies.onPart(p.part());
                if (epochStart == null || epochStart.header().id() != p.part().header().id()) {
                    epochStart = p.part();
                }
                if (availabilityStartMs < 0) {
                    availabilityStartMs = p.part().programDateTimeMs();
                }
                changed = true;
            } else if (o instanceof CmafSegmenter.SegmentReady s) {
                playlist.onSegment(s.segment());
                bodies.onSegment(s.segment());
                CmafHeader current = playlist.currentHeader();
                bodies.retainFrom(playlist.firstSequence(), current == null ? -1 : current.id(), id -> playlist.header(id) != null);
                changed = true;
            } else if (o instanceof CmafSegmenter.KeyframeWanted && subscription != null) {
                subscription.requestKeyframe();
            }
        }
        if (changed) {
            rendered.clear();
            if (group != null && epochStart != null) {
                snapshot = new Snapshot(playlist.currentHeader(), playlist.peakBitrateBps(), playlist.averageBitrateBps(),
                        playlist.renditionReport("media.m3u8"), dashRendition());
            }
            wake();
        }
    }

    /** This stream's DASH timeline; under the lock, after the first part. */
    private DashManifest.Rendition dashRendition() {
        return new DashManifest.Rendition(group == null ? "" : "v" + rung + "/", epochStart, playlist.segments(),
                playlist.openParts(), playlist.peakBitrateBps());
    }

    /** Answers every waiter whose answer is no longer "wait" and moves every streamer on. Under the lock. */
    private void wake() {
        for (Iterator<Streamer> it = streamers.iterator(); it.hasNext(); ) {
            Streamer st = it.next();
            if (pump(st)) {
                it.remove();
                if (st.timeout != null) {
                    st.timeout.cancel(false);
                }
                delivery.releaseBlockSlot();
            }
        }
        long now = nowNanos();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (!(answer(w, now) instanceof PlaylistAnswer.Wait)) {
                it.remove();
                finishWaiter(w);
            }
        }
    }

    private void finishWaiter(Waiter w) {
        if (w.timeout != null) {
            w.timeout.cancel(false);
        }
        delivery.releaseBlockSlot();
    }

    // ---- HTTP side (EventLoop threads) ----

    /**
     * Serves DASH segment {@code msn} of track {@code trackId} under header {@code headerId}: whole if complete,
     * else chunked as its parts close (also when it has not begun yet but is next); 404 otherwise.
     */
    synchronized void dashSegment(Exchange ex, int headerId, int trackId, long msn, io.netty.util.concurrent.EventExecutor executor) {
        Streamer st = new Streamer(ex, headerId, trackId, msn);
        long open = playlist.openSequence();
        boolean known = playlist.segment(msn) != null || msn == open || msn == open + 1 && playlist.isLive();
        if (!known || closed) {
            ex.error(404, "no segment " + msn + " of track " + trackId);
            return;
        }
        if (pump(st)) {
            return;
        }
        if (!delivery.acquireBlockSlot()) {
            ex.error(503, "too many blocked requests");
            return;
        }
        streamers.add(st);
        st.timeout = executor.schedule(() -> {
            synchronized (LiveStream.this) {
                if (streamers.remove(st)) {
                    if (st.started) {
                        st.exchange.endChunks(true);
                    } else {
                        st.exchange.error(404, "segment " + msn + " did not begin in time");
                    }
                    delivery.releaseBlockSlot();
                }
            }
        }, 3L * playlist.targetDurationS(), TimeUnit.SECONDS);
    }

    /** Sends what is new for {@code st}; {@code true} when its response is complete. Under the lock. */
    private boolean pump(Streamer st) {
        CmafSegment complete = playlist.segment(st.msn);
        while (true) {
            CmafPart p = playlist.part(st.msn, st.sent);
            if (p == null) {
                break;
            }
            if (p.header().id() != st.headerId) {
                if (!st.started) {
                    st.exchange.error(404, "segment " + st.msn + " belongs to another init segment");
                } else {
                    st.exchange.endChunks(true);
                }
                return true;
            }
            if (!st.started) {
                st.started = st.exchange.startChunks(Exchange.MP4, Exchange.IMMUTABLE);
            }
            io.netty.buffer.ByteBuf c = bodies.trackChunk(st.msn, st.sent, st.trackId); // null: no samples of the track
            if (c != null) {
                st.exchange.chunk(c);
            }
            st.sent++;
        }
        if (complete != null || closed || (!playlist.isLive() && st.msn >= playlist.openSequence())) {
            if (st.started) {
                st.exchange.endChunks(complete == null);
            } else {
                st.exchange.error(404, "segment " + st.msn + " was not produced");
            }
            return true;
        }
        return false;
    }

    /** The DASH MPD, waiting (like the first playlist) for a complete segment. */
    synchronized void mpd(Exchange ex, long arrivedNanos, String utcTimingUrl, io.netty.util.concurrent.EventExecutor executor) {
        request(Kind.MPD, ex, PlaylistRequest.plain(arrivedNanos), -1, -1, utcTimingUrl, null, executor);
    }

    /**
     * The per-track init segment for DASH, built once per header and track.
     *
     * @return a new reference the caller must release (a Netty write does), or {@code null} if no content in the
     *         window uses that header or it has no such track
     */
    synchronized io.netty.buffer.ByteBuf trackInit(int headerId, int trackId) {
        CmafHeader h = playlist.header(headerId);
        if (h == null || h.tracks().stream().noneMatch(t -> t.isoTrackId() == trackId)) {
            return null;
        }
        return bodies.trackInit(h, trackId);
    }

    /** Handles one request for {@code file} of this stream. */
    synchronized void request(Kind kind, Exchange ex, PlaylistRequest r, long msn, int part, io.netty.util.concurrent.EventExecutor executor) {
        request(kind, ex, r, msn, part, null, "../v", executor);
    }

    /**
     * Handles one request for {@code file} of this ladder rung.
     *
     * @param reportPrefix the rungs' directory prefix seen from the requested playlist, for its rendition reports
     *                     ({@code "../v"} under {@code v<i>/}, {@code "v"} for the top rung's playlist requested
     *                     beside the multivariant playlist)
     */
    synchronized void request(Kind kind, Exchange ex, PlaylistRequest r, long msn, int part, String reportPrefix,
                              io.netty.util.concurrent.EventExecutor executor) {
        request(kind, ex, r, msn, part, null, reportPrefix, executor);
    }

    private void request(Kind kind, Exchange ex, PlaylistRequest r, long msn, int part, String utcTimingUrl, String reportPrefix,
                         io.netty.util.concurrent.EventExecutor executor) {
        Waiter w = new Waiter(kind, ex, r, msn, part, utcTimingUrl, reportPrefix);
        PlaylistAnswer a = answer(w, r.arrivedNanos());
        if (!(a instanceof PlaylistAnswer.Wait wait)) {
            return;
        }
        if (!delivery.acquireBlockSlot()) {
            ex.error(503, "too many blocked requests");
            return;
        }
        waiters.add(w);
        long delay = Math.max(0, wait.deadlineNanos() - nowNanos());
        w.timeout = executor.schedule(() -> {
            synchronized (LiveStream.this) {
                if (waiters.remove(w)) {
                    if (answer(w, wait.deadlineNanos()) instanceof PlaylistAnswer.Wait) {
                        w.exchange.error(503, "not available in time");
                    }
                    finishWaiter(w);
                }
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    /** The header with {@code id}, or {@code null}. */
    synchronized CmafHeader header(int id) {
        return playlist.header(id);
    }

    synchronized CmafSegment segment(long msn) {
        return playlist.segment(msn);
    }

    /**
     * The body of complete segment {@code msn}: its parts' buffers as one composite, not a copy.
     *
     * @return a new reference the caller must release (a Netty write does), or {@code null} if not in the window
     */
    synchronized io.netty.buffer.ByteBuf segmentBody(long msn) {
        return playlist.segment(msn) == null ? null : bodies.segment(msn);
    }

    /**
     * The body of init segment {@code id}.
     *
     * @return a new reference the caller must release (a Netty write does), or {@code null} if no content in the
     *         window uses that header
     */
    synchronized io.netty.buffer.ByteBuf initBody(int id) {
        CmafHeader h = playlist.header(id);
        return h == null ? null : bodies.init(h);
    }

    /** Computes the answer and, unless it is a wait, sends it. Under the lock. */
    private PlaylistAnswer answer(Waiter w, long now) {
        if (closed && w.kind != Kind.PART) {
            w.exchange.error(404, "stream '" + name + "' is gone");
            return new PlaylistAnswer.Error(404, "gone");
        }
        // the playlist of the moment a segment's last part closed is an answer to one URL, not the state's
        RenderKey key = group != null || w.kind == Kind.PART || w.kind == Kind.MEDIA_LL && playlist.answersWithLastPartState(w.request)
                ? null : new RenderKey(w.kind, w.kind == Kind.MEDIA_LL && w.request.skip(), w.utcTimingUrl);
        byte[] cached = key == null ? null : rendered.get(key);
        PlaylistAnswer a = switch (w.kind) {
            case MEDIA_LL -> {
                PlaylistAnswer m = playlist.answer(w.request, now);
                yield group != null && m instanceof PlaylistAnswer.Ok ok
                        ? new PlaylistAnswer.Ok(ok.body() + group.renditionReports(rung, w.reportPrefix)) : m;
            }
            case MEDIA_PLAIN -> playlist.plainAnswer(w.request.arrivedNanos(), now);
            case PART -> playlist.partAnswer(w.msn, w.part, w.request.arrivedNanos(), now);
            case MULTIVARIANT_LL, MULTIVARIANT_PLAIN -> {
                PlaylistAnswer m = playlist.plainAnswer(w.request.arrivedNanos(), now);
                if (group != null && m instanceof PlaylistAnswer.Ok) {
                    // every rung listed once it has a segment to measure; after a target duration, those that have one
                    boolean waitForAll = now - w.request.arrivedNanos() < playlist.targetDurationS() * 1_000_000_000L;
                    String body = group.multivariant(w.kind == Kind.MULTIVARIANT_LL, waitForAll);
                    yield body != null ? new PlaylistAnswer.Ok(body) : new PlaylistAnswer.Wait(w.request.arrivedNanos()
                            + playlist.targetDurationS() * 1_000_000_000L);
                }
                yield !(m instanceof PlaylistAnswer.Ok) || cached != null ? m
                        : new PlaylistAnswer.Ok(HlsMultivariantPlaylist.render(playlist.currentHeader(),
                        playlist.peakBitrateBps(), playlist.averageBitrateBps(),
                        w.kind == Kind.MULTIVARIANT_LL ? "media.m3u8" : "plain-media.m3u8"));
            }
            case MPD -> {
                PlaylistAnswer m = playlist.plainAnswer(w.request.arrivedNanos(), now);
                yield !(m instanceof PlaylistAnswer.Ok) || cached != null ? m : new PlaylistAnswer.Ok(DashManifest.render(
                        group == null ? List.of(dashRendition()) : group.dashRenditions(),
                        group == null ? DashManifest.Addressing.NUMBER : DashManifest.Addressing.TIMELINE, availabilityStartMs,
                        delivery.config().ticker().wallClockMicros() / 1000, segmenter.segmentTargetUs(), segmenter.partTargetUs(),
                        delivery.config().windowSegments(), w.utcTimingUrl, delivery.config().dashLatencyTarget().toMillis()));
            }
        };
        if (a instanceof PlaylistAnswer.Ok ok) {
            // a blocking response names its msn/part: every later answer to that URL is as good, so caches may keep it;
            // a plain reload changes every part target, so it lives about one part
            String cache = w.request.blocking() ? "public, max-age=" + 6 * playlist.targetDurationS()
                    : w.kind == Kind.MEDIA_PLAIN || w.kind == Kind.MULTIVARIANT_PLAIN ? "public, max-age=1" : "no-cache";
            byte[] body = cached;
            if (body == null) {
                body = ok.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                if (key != null) {
                    rendered.put(key, body);
                }
            }
            w.exchange.bytes(HttpResponseStatus.OK, w.kind == Kind.MPD ? Exchange.MPD : Exchange.PLAYLIST,
                    w.kind == Kind.MPD ? "no-cache" : cache, body);
        } else if (a instanceof PlaylistAnswer.Part) {
            io.netty.buffer.ByteBuf held = bodies.part(w.msn, w.part);
            if (held != null) {
                w.exchange.media(held);
            } else {
                w.exchange.error(404, "stream '" + name + "' is gone"); // its parts were released at close
            }
        } else if (a instanceof PlaylistAnswer.Error e) {
            w.exchange.error(e.status(), e.reason());
        }
        return a;
    }
}
