package io.sluice.http.push;

import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafSegment;
import io.sluice.http.cmaf.CmafSegmenter;
import io.sluice.http.cmaf.CmafTrack;
import io.sluice.http.dash.DashManifest;
import io.sluice.http.hls.HlsMediaPlaylist;
import io.sluice.http.hls.HlsMultivariantPlaylist;
import io.sluice.http.hls.PlaylistAnswer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what to write to the origin and in which order as a stream's CMAF segmenter produces output, sans-IO:
 * segmenter outputs and the time go in, steps of {@link OriginWrite}s come out of {@link #poll}; nothing here
 * reads a clock or touches the network. Every write of a step may run at once; a step starts only when the
 * one before it has settled, which gives the order a static origin needs:
 * <ol>
 *   <li>a new CMAF header's init segments ({@code init-<h>.mp4} for HLS, {@code init-<h>-<track>.mp4} for DASH)
 *       and the complete segment ({@code seg-<msn>.m4s} muxed for HLS, {@code seg-<h>-<track>-<msn>.m4s} per
 *       track for DASH);</li>
 *   <li>then the files that name them: the plain HLS media playlist {@code media.m3u8} (RFC 8216bis §4.4, no
 *       parts, {@code #EXT-X-ENDLIST} once the publisher left) and the DASH MPD {@code manifest.mpd} (dynamic,
 *       {@link DashManifest.Availability#COMPLETE});</li>
 *   <li>then the multivariant playlist {@code index.m3u8}, which names {@code media.m3u8}, when it changed;</li>
 *   <li>{@code delete grace} after a segment left the window (and so the playlists), its files are deleted, and
 *       an init segment no segment of the window uses any more.</li>
 * </ol>
 * Not pushed, because a static origin cannot do it: LL-HLS parts, blocking playlist reload, delta updates and
 * preload hints (they need the server to hold requests and know what is being produced), and LL-DASH chunked
 * transfer of a segment in progress ({@code availabilityTimeOffset}); a plain origin serves what exists, so
 * segments are announced once complete.
 *
 * <p>Not thread-safe: {@link OriginPush} confines it to its lock.
 */
final class OriginPushPlanner {
    static final String PLAYLIST = "application/vnd.apple.mpegurl";
    static final String MPD = "application/dash+xml";
    static final String MP4 = "video/mp4";
    static final String SEGMENT = "video/iso.segment";

    private record Window(long msn, int headerId, List<String> paths) {
    }

    private record DueDelete(long dueNanos, List<OriginWrite> writes) {
    }

    private final long segmentTargetUs;
    private final long partTargetUs;
    private final int windowSegments;
    private final long deleteGraceNanos;
    private final String utcTimingScheme;
    private final String utcTimingValue;
    private final HlsMediaPlaylist playlist;
    private final ArrayDeque<List<OriginWrite>> ready = new ArrayDeque<>();
    private final ArrayDeque<DueDelete> deletes = new ArrayDeque<>();
    private final ArrayDeque<Window> window = new ArrayDeque<>();
    private final Set<Integer> pushedHeaders = new HashSet<>();
    private final Map<Integer, List<CmafTrack>> headerTracks = new HashMap<>();
    /**
     * Parts of the segment in progress: this planner owns their references (handed over by {@link #onOutput}) and
     * releases them once the segment's writes are made (they are heap copies); the playlist keeps the records only.
     */
    private final List<CmafPart> openParts = new ArrayList<>();
    private boolean closed;
    /** The first part of the current epoch, for the MPD's timing only (its buffer may be released). */
    private CmafPart epochStart;
    private long availabilityStartMs = -1;
    private String lastMultivariant;
    private boolean ended;

    /**
     * @param segmentTargetUs  the segmenter's segment target, µs
     * @param partTargetUs     the segmenter's part target, µs
     * @param windowSegments   segments named by the playlists and kept at the origin, 4..1000
     * @param deleteGraceNanos how long a segment stays at the origin after it left the playlists, ns, &ge; 0
     * @param utcTimingScheme  the MPD's {@code UTCTiming@schemeIdUri}; {@code null}: {@code urn:mpeg:dash:utc:direct:2014}
     *                         with the time the MPD was made
     * @param utcTimingValue   its value (ignored without a scheme)
     */
    OriginPushPlanner(long segmentTargetUs, long partTargetUs, int windowSegments, long deleteGraceNanos,
                      String utcTimingScheme, String utcTimingValue) {
        if (deleteGraceNanos < 0) {
            throw new IllegalArgumentException("deleteGraceNanos: " + deleteGraceNanos + " (expected: >= 0)");
        }
        this.segmentTargetUs = segmentTargetUs;
        this.partTargetUs = partTargetUs;
        this.windowSegments = windowSegments;
        this.deleteGraceNanos = deleteGraceNanos;
        this.utcTimingScheme = utcTimingScheme;
        this.utcTimingValue = utcTimingValue;
        this.playlist = new HlsMediaPlaylist(segmentTargetUs, partTargetUs, windowSegments);
    }

    /**
     * Takes one output of the segmenter ({@link CmafSegmenter.KeyframeWanted} is the caller's business and ignored).
     * A {@link CmafSegmenter.PartReady}'s reference passes to this planner, which releases it once its segment's
     * writes are made (heap copies) or at {@link #close}.
     *
     * @param nowNanos the monotonic time now, ns (delete deadlines)
     * @param wallMs   the wall-clock time now, ms since the Unix epoch (the MPD's {@code publishTime})
     */
    void onOutput(CmafSegmenter.Output output, long nowNanos, long wallMs) {
        if (output instanceof CmafSegmenter.PartReady p) {
            if (closed) {
                p.part().release();
                return;
            }
            openParts.add(p.part());
            playlist.onPart(p.part());
            if (epochStart == null || epochStart.header().id() != p.part().header().id()) {
                epochStart = p.part();
            }
            if (availabilityStartMs < 0) {
                availabilityStartMs = p.part().programDateTimeMs();
            }
        } else if (output instanceof CmafSegmenter.SegmentReady s && !closed) {
            try {
                onSegment(s.segment(), nowNanos, wallMs);
            } finally {
                releaseOpenParts(); // its bytes are copied into the writes
            }
        }
    }

    private void releaseOpenParts() {
        for (CmafPart p : openParts) {
            p.release();
        }
        openParts.clear();
    }

    /** Releases the parts of the segment in progress; later parts are released as they come. Idempotent. */
    void close() {
        closed = true;
        releaseOpenParts();
    }

    /** Copies {@code b}'s readable bytes into {@code out} at {@code at} (indexes unchanged); returns the end. */
    private static int copy(io.netty.buffer.ByteBuf b, byte[] out, int at) {
        b.getBytes(b.readerIndex(), out, at, b.readableBytes());
        return at + b.readableBytes();
    }

    private void onSegment(CmafSegment s, long nowNanos, long wallMs) {
        playlist.onSegment(s);
        ended = false;
        CmafHeader h = s.header();
        List<OriginWrite> media = new ArrayList<>();
        if (pushedHeaders.add(h.id())) {
            headerTracks.put(h.id(), h.tracks());
            media.add(OriginWrite.put(hlsInit(h.id()), h.bytes(), MP4));
            for (CmafTrack t : h.tracks()) {
                media.add(OriginWrite.put(dashInit(h.id(), t.isoTrackId()), h.trackInit(t.isoTrackId()), MP4));
            }
        }
        List<String> paths = new ArrayList<>();
        media.add(OriginWrite.put(hlsSegment(s.sequence()), s.bytes(), SEGMENT));
        paths.add(hlsSegment(s.sequence()));
        for (CmafTrack t : h.tracks()) {
            int length = 0;
            for (CmafPart p : s.parts()) {
                CmafPart.TrackChunk c = p.trackChunks().get(t.isoTrackId());
                length += c == null ? 0 : c.length();
            }
            byte[] track = new byte[length]; // the track's chunks, copied once from the parts' buffers
            int at = 0;
            for (CmafPart p : s.parts()) {
                CmafPart.TrackChunk c = p.trackChunks().get(t.isoTrackId());
                if (c != null) {
                    at = copy(c.payload(), track, copy(c.head(), track, at));
                }
            }
            String path = dashSegment(h.id(), t.isoTrackId(), s.sequence());
            media.add(OriginWrite.put(path, track, SEGMENT));
            paths.add(path);
        }
        ready.add(media);
        window.add(new Window(s.sequence(), h.id(), paths));
        addPlaylists(wallMs);
        List<OriginWrite> gone = new ArrayList<>();
        while (window.size() > windowSegments) {
            Window w = window.removeFirst();
            w.paths.forEach(p -> gone.add(OriginWrite.delete(p)));
            if (w.headerId != h.id() && window.stream().noneMatch(x -> x.headerId == w.headerId) && pushedHeaders.remove(w.headerId)) {
                gone.add(OriginWrite.delete(hlsInit(w.headerId)));
                for (CmafTrack t : headerTracks(w.headerId)) {
                    gone.add(OriginWrite.delete(dashInit(w.headerId, t.isoTrackId())));
                }
            }
        }
        if (!gone.isEmpty()) {
            deletes.add(new DueDelete(nowNanos + deleteGraceNanos, gone));
        }
    }

    private List<CmafTrack> headerTracks(int id) {
        List<CmafTrack> t = headerTracks.remove(id);
        return t == null ? List.of() : t;
    }

    private void addPlaylists(long wallMs) {
        PlaylistAnswer a = playlist.plainAnswer(0, 0);
        if (!(a instanceof PlaylistAnswer.Ok ok) || epochStart == null) {
            return;
        }
        CmafHeader h = playlist.currentHeader();
        String mediaText = ended ? ok.body() + "#EXT-X-ENDLIST\n" : ok.body();
        String mpd = DashManifest.render(epochStart, availabilityStartMs, wallMs, segmentTargetUs, partTargetUs, windowSegments,
                playlist.peakBitrateBps(), DashManifest.Availability.COMPLETE,
                utcTimingScheme != null ? utcTimingScheme : "urn:mpeg:dash:utc:direct:2014",
                utcTimingScheme != null ? utcTimingValue : DashManifest.isoTime(wallMs), 0);
        ready.add(List.of(OriginWrite.putPlaylist("media.m3u8", mediaText, PLAYLIST), OriginWrite.putPlaylist("manifest.mpd", mpd, MPD)));
        // BANDWIDTH is the peak measured: re-pushed when it or the header changes, not with every new average
        String multivariant = HlsMultivariantPlaylist.render(h, playlist.peakBitrateBps(), playlist.averageBitrateBps(), "media.m3u8");
        String key = h.id() + "/" + playlist.peakBitrateBps();
        if (!key.equals(lastMultivariant)) {
            lastMultivariant = key;
            ready.add(List.of(OriginWrite.putPlaylist("index.m3u8", multivariant, PLAYLIST)));
        }
    }

    /** The publisher left: the media playlist is pushed again with {@code #EXT-X-ENDLIST}. Idempotent until the next segment. */
    void onEnd(long wallMs) {
        playlist.onUnpublish();
        if (!ended && !window.isEmpty()) {
            ended = true;
            addPlaylists(wallMs);
        }
    }

    /**
     * The next step: every segment and playlist step in order, then deletes that are due at {@code nowNanos}.
     *
     * @return its writes (any order among them), or {@code null} if nothing is to be done now
     */
    List<OriginWrite> poll(long nowNanos) {
        if (!ready.isEmpty()) {
            return ready.removeFirst();
        }
        DueDelete d = deletes.peekFirst();
        if (d != null && nowNanos - d.dueNanos >= 0) {
            deletes.removeFirst();
            return d.writes;
        }
        return null;
    }

    /** When the next delete is due, ns on the caller's clock, or {@link Long#MAX_VALUE} if none is pending. */
    long nextDeleteNanos() {
        DueDelete d = deletes.peekFirst();
        return d == null ? Long.MAX_VALUE : d.dueNanos;
    }

    /** Deletes not yet due, dropped (at close: the files of the last window stay at the origin). */
    int dropPendingDeletes() {
        int n = deletes.stream().mapToInt(d -> d.writes.size()).sum();
        deletes.clear();
        return n;
    }

    static String hlsInit(int headerId) {
        return "init-" + headerId + ".mp4";
    }

    static String hlsSegment(long msn) {
        return "seg-" + msn + ".m4s";
    }

    static String dashInit(int headerId, int trackId) {
        return "init-" + headerId + "-" + trackId + ".mp4";
    }

    static String dashSegment(int headerId, int trackId, long msn) {
        return "seg-" + headerId + "-" + trackId + "-" + msn + ".m4s";
    }
}
