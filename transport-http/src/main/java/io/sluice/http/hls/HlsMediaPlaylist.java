package io.sluice.http.hls;

import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafSegment;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The sliding window of one stream's CMAF segments and parts, rendered as an LL-HLS media playlist
 * (RFC 8216bis §4.4, Apple's Low-Latency HLS rules) or a plain HLS one, with the blocking reload rules
 * of §6.2.5.2 decided in simulated time: the caller gives the time, nothing here reads a clock.
 *
 * <p>Rules kept: {@code EXT-X-TARGETDURATION} and {@code PART-TARGET} are fixed at construction for the
 * stream's life; {@code PART-HOLD-BACK} = 3 × part target, {@code HOLD-BACK} = 3 × target duration,
 * {@code CAN-SKIP-UNTIL} = 6 × target duration; part tags only for the last 3 target durations (the parts
 * of every segment in the window stay downloadable); a blocking request beyond the last segment + 2, or
 * beyond the last part + the Advance Part Limit, or {@code _HLS_part} without {@code _HLS_msn}, is a 400;
 * one not satisfied within 3 × target duration is a 503.
 *
 * <p>Segment completion one part late (low-latency view only). The newest segment is listed as parts, without its
 * {@code EXTINF} and URI, until the first part of the next segment (or the publisher's leaving) completes it, so
 * the playlist update that adds a segment's last part never also completes that segment. hls.js (1.4.12 and
 * 1.7.4 alike) otherwise sometimes never loads a segment's last part: when the update that lists the last part and
 * completes the segment arrives after the part before it has downloaded but before it is appended, hls.js judges
 * the segment fully buffered against the segment's end as it was when that part's load began (short of the last
 * part), loads nothing until the segment's part tags leave the playlist, then jumps the hole: a freeze of 4-19 s.
 * With the completion a part later, the update adding the last part is an ordinary next-part update, and the one
 * completing the segment adds nothing to it. Clients loading parts see no delay; one that waits for whole segments
 * at the live edge gets each one part duration later. A blocking request for a complete segment
 * ({@code _HLS_msn} alone) is answered once the playlist shows it complete. A blocking request for a segment's
 * last part gets the playlist as it was when that part closed (the segment still in progress), even once the next
 * segment has begun: a client whose reloads lag (a loaded machine) would otherwise get the last part and the
 * segment's completion in one update again. The request's URL names that state, so a cache that keeps the first
 * answer serves the same bytes.
 *
 * <p>Parts and segments are kept as records for their timing: this class never reads their bytes and holds no
 * reference to their buffers (their owner releases them as they leave the window, see {@link CmafPart}).
 *
 * <p>Not thread-safe: the server confines each instance to one lock.
 */
public final class HlsMediaPlaylist {
    private static final DateTimeFormatter PDT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final int targetDurationS;
    private final long partTargetUs;
    private final int windowSegments;
    private final long blockLimitNanos;
    private final int advancePartLimit;
    private final long partsPerSegment;

    private final ArrayDeque<Entry> segments = new ArrayDeque<>();
    private final List<CmafPart> openParts = new ArrayList<>();
    private long nextSequence;
    private long openDiscontinuitySeq;
    private boolean openDiscontinuity;
    private CmafHeader lastHeader;
    private boolean live = true;
    /** The newest complete segment is still listed as parts in the low-latency view (see the class doc). */
    private boolean completionHeld;
    /** The last segment completed: its sequence number and last part index, and the low-latency playlists (full,
     * delta update) as they were before its completion; {@code -1} before the first. */
    private long lastPartStateMsn = -1;
    private int lastPartStateIndex;
    private final String[] lastPartState = new String[2];
    private long totalBytes;
    private long totalUs;
    private long peakBps;
    /**
     * {@link #render} of the current state: [plain, low-latency, low-latency delta update]; cleared when a part or
     * a segment is added. Rendering a 60-segment window took ~0.5 ms, done for every reload before.
     */
    private final String[] rendered = new String[3];

    private record Entry(CmafSegment segment, long discontinuitySeq, boolean discontinuity) {
    }

    /**
     * @param segmentTargetUs the segmenter's segment target, µs; the target duration is it rounded up to whole seconds
     * @param partTargetUs    the segmenter's part target, µs
     * @param windowSegments  complete segments kept in the playlist (and downloadable), 4..1000
     */
    public HlsMediaPlaylist(long segmentTargetUs, long partTargetUs, int windowSegments) {
        if (windowSegments < 4 || windowSegments > 1000) {
            throw new IllegalArgumentException("windowSegments: " + windowSegments + " (expected: 4..1000)");
        }
        if (partTargetUs <= 0 || partTargetUs > segmentTargetUs) {
            throw new IllegalArgumentException("partTargetUs: " + partTargetUs + " (expected: 1.." + segmentTargetUs + ")");
        }
        this.targetDurationS = (int) ((segmentTargetUs + 999_999) / 1_000_000);
        this.partTargetUs = partTargetUs;
        this.windowSegments = windowSegments;
        this.blockLimitNanos = 3L * targetDurationS * 1_000_000_000L;
        this.partsPerSegment = (segmentTargetUs + partTargetUs - 1) / partTargetUs;
        this.advancePartLimit = partTargetUs < 1_000_000 ? (int) Math.ceil(3_000_000.0 / partTargetUs) : 3;
    }

    /** {@code EXT-X-TARGETDURATION}, s. */
    public int targetDurationS() {
        return targetDurationS;
    }

    /** {@code PART-TARGET}, µs. */
    public long partTargetUs() {
        return partTargetUs;
    }

    /** The Advance Part Limit of §6.2.5.2: 3 / part target (s) for part targets under 1 s, else 3. */
    public int advancePartLimit() {
        return advancePartLimit;
    }

    /** A chunk was completed by the segmenter. */
    public void onPart(CmafPart part) {
        if (openParts.isEmpty()) {
            if (completionHeld && !segments.isEmpty()) {
                CmafSegment held = segments.getLast().segment;
                lastPartStateMsn = held.sequence();
                lastPartStateIndex = held.parts().size() - 1;
                lastPartState[0] = render(true, false);
                lastPartState[1] = render(true, true);
            }
            completionHeld = false; // the first part of the next segment completes the one before
            nextSequence = part.sequence();
            openDiscontinuity = lastHeader != null && part.header().id() != lastHeader.id();
            openDiscontinuitySeq = (segments.isEmpty() ? 0 : segments.getLast().discontinuitySeq) + (openDiscontinuity ? 1 : 0);
        }
        lastHeader = part.header();
        openParts.add(part);
        live = true;
        java.util.Arrays.fill(rendered, null);
    }

    /** A segment was completed; its parts came before through {@link #onPart}. */
    public void onSegment(CmafSegment segment) {
        segments.add(new Entry(segment, openDiscontinuitySeq, openDiscontinuity));
        completionHeld = live;
        openParts.clear();
        nextSequence = segment.sequence() + 1;
        long bytes = segment.byteLength();
        totalBytes += bytes;
        totalUs += segment.durationUs();
        if (segment.durationUs() > 0) {
            peakBps = Math.max(peakBps, bytes * 8_000_000 / segment.durationUs());
        }
        while (segments.size() > windowSegments) {
            segments.removeFirst();
        }
        java.util.Arrays.fill(rendered, null);
    }

    /** The publisher left: blocked requests that are not satisfied get 503 at once until it is back. */
    public void onUnpublish() {
        live = false;
        if (completionHeld) {
            completionHeld = false;
            java.util.Arrays.fill(rendered, null);
        }
    }

    /** Media sequence number of the segment in progress (whose parts come next). */
    public long openSequence() {
        return nextSequence;
    }

    /** Whether the publisher is live (not left since the last part). */
    public boolean isLive() {
        return live;
    }

    /** Media sequence number of the oldest complete segment in the window, or {@link #openSequence()} if none. */
    public long firstSequence() {
        return segments.isEmpty() ? nextSequence : segments.getFirst().segment.sequence();
    }

    /** Whether any complete segment exists. */
    public boolean hasSegments() {
        return !segments.isEmpty();
    }

    /** Peak segment bitrate seen, bit/s (HLS {@code BANDWIDTH}); 0 before the first segment. */
    public long peakBitrateBps() {
        return peakBps;
    }

    /** Average bitrate over every segment seen, bit/s (HLS {@code AVERAGE-BANDWIDTH}); 0 before the first. */
    public long averageBitrateBps() {
        return totalUs == 0 ? 0 : totalBytes * 8_000_000 / totalUs;
    }

    /** The header of the newest content, or {@code null} before the first part. */
    public CmafHeader currentHeader() {
        return lastHeader;
    }

    /** The header with {@code id} if a segment or part in the window uses it. */
    public CmafHeader header(int id) {
        if (lastHeader != null && lastHeader.id() == id) {
            return lastHeader;
        }
        for (Entry e : segments) {
            if (e.segment.header().id() == id) {
                return e.segment.header();
            }
        }
        return null;
    }

    /** The complete segment {@code msn} if in the window. */
    public CmafSegment segment(long msn) {
        for (Entry e : segments) {
            if (e.segment.sequence() == msn) {
                return e.segment;
            }
        }
        return null;
    }

    /** Part {@code index} of segment {@code msn} if in the window (complete or open segment). */
    public CmafPart part(long msn, int index) {
        if (msn == nextSequence) {
            return index >= 0 && index < openParts.size() ? openParts.get(index) : null;
        }
        CmafSegment s = segment(msn);
        return s != null && index >= 0 && index < s.parts().size() ? s.parts().get(index) : null;
    }

    /**
     * Answers a request for part {@code index} of segment {@code msn}: the part if it exists, a wait if it is
     * the part the preload hint names (it is sent whole when complete), 404 otherwise, 503 after three
     * target durations or once the publisher left.
     */
    public PlaylistAnswer partAnswer(long msn, int index, long arrivedNanos, long nowNanos) {
        CmafPart p = part(msn, index);
        if (p != null) {
            return new PlaylistAnswer.Part(p);
        }
        boolean hinted = msn == nextSequence && index == openParts.size();
        if (!hinted) {
            return new PlaylistAnswer.Error(404, "no part " + msn + "." + index);
        }
        return waitOr503(arrivedNanos, nowNanos);
    }

    /**
     * Answers a request for the LL-HLS media playlist.
     *
     * @param r        its directives and arrival time
     * @param nowNanos the time now, same clock
     */
    public PlaylistAnswer answer(PlaylistRequest r, long nowNanos) {
        if (r.badReason() != null) {
            return new PlaylistAnswer.Error(400, r.badReason());
        }
        if (r.blocking()) {
            long lastListed = openParts.isEmpty() ? nextSequence - 1 : nextSequence; // a segment with parts listed counts
            if (r.msn() > lastListed + 2) {
                return new PlaylistAnswer.Error(400, "_HLS_msn " + r.msn() + " > last media sequence number " + lastListed + " + 2");
            }
            if (r.part() >= 0 && r.msn() >= nextSequence) {
                long ahead = (r.msn() - nextSequence) * partsPerSegment + r.part() - (openParts.size() - 1);
                if (ahead > advancePartLimit) {
                    return new PlaylistAnswer.Error(400, "_HLS_msn " + r.msn() + " _HLS_part " + r.part() + ": " + ahead
                            + " parts beyond the last part, more than the Advance Part Limit " + advancePartLimit);
                }
            }
            if (!satisfied(r.msn(), r.part())) {
                return waitOr503(r.arrivedNanos(), nowNanos);
            }
            if (answersWithLastPartState(r)) {
                return new PlaylistAnswer.Ok(lastPartState[r.skip() ? 1 : 0]); // see the class doc
            }
        } else if (segments.size() - (completionHeld ? 1 : 0) <= 0) {
            return waitOr503(r.arrivedNanos(), nowNanos); // the first playlist has at least one complete segment
        }
        return new PlaylistAnswer.Ok(render(true, r.skip()));
    }

    /**
     * Whether {@link #answer} gives {@code r} the playlist as it was when a segment's last part closed (see the class
     * doc) rather than the current one: a server that caches rendered answers per state must not cache that one.
     */
    public boolean answersWithLastPartState(PlaylistRequest r) {
        return r.blocking() && r.msn() == lastPartStateMsn && r.part() == lastPartStateIndex;
    }

    /** Answers a request for the plain HLS media playlist (complete segments only, no blocking). */
    public PlaylistAnswer plainAnswer(long arrivedNanos, long nowNanos) {
        if (segments.isEmpty()) {
            return waitOr503(arrivedNanos, nowNanos);
        }
        return new PlaylistAnswer.Ok(render(false, false));
    }

    private PlaylistAnswer waitOr503(long arrivedNanos, long nowNanos) {
        if (!live) {
            return new PlaylistAnswer.Error(503, "the stream is not live");
        }
        long deadline = arrivedNanos + blockLimitNanos;
        if (nowNanos - deadline >= 0) {
            return new PlaylistAnswer.Error(503, "not available within 3 x target duration (" + 3 * targetDurationS + " s)");
        }
        return new PlaylistAnswer.Wait(deadline);
    }

    /** Whether the playlist holds segment {@code msn} complete ({@code part < 0}) or its part {@code part}. */
    boolean satisfied(long msn, int part) {
        if (part < 0) { // complete as the low-latency view shows it
            return segments.size() - (completionHeld ? 1 : 0) > 0
                    && segments.getLast().segment.sequence() - (completionHeld ? 1 : 0) >= msn;
        }
        if (msn < nextSequence) {
            CmafSegment s = segment(msn);
            if (s == null || part < s.parts().size()) {
                return true; // older than the window, or the part exists
            }
            return !openParts.isEmpty() || msn + 1 < nextSequence; // a part beyond the last: the next segment's first
        }
        return msn == nextSequence && part < openParts.size();
    }

    /** Renders the playlist as it is now (rendered once per state and kind). */
    String render(boolean lowLatency, boolean skipRequested) {
        int slot = !lowLatency ? 0 : skipRequested ? 2 : 1;
        String s = rendered[slot];
        if (s == null) {
            s = renderNow(lowLatency, skipRequested);
            rendered[slot] = s;
        }
        return s;
    }

    private String renderNow(boolean lowLatency, boolean skipRequested) {
        StringBuilder sb = new StringBuilder(4096);
        double td = targetDurationS;
        sb.append("#EXTM3U\n#EXT-X-VERSION:").append(lowLatency ? 9 : 7).append('\n');
        sb.append("#EXT-X-TARGETDURATION:").append(targetDurationS).append('\n');
        if (lowLatency) {
            sb.append("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=").append(seconds(6_000_000L * targetDurationS))
                    .append(",PART-HOLD-BACK=").append(seconds(3 * partTargetUs))
                    .append(",HOLD-BACK=").append(seconds(3_000_000L * targetDurationS)).append('\n');
            sb.append("#EXT-X-PART-INF:PART-TARGET=").append(seconds(partTargetUs)).append('\n');
        }
        Entry first = segments.getFirst();
        sb.append("#EXT-X-MEDIA-SEQUENCE:").append(first.segment.sequence()).append('\n');
        sb.append("#EXT-X-DISCONTINUITY-SEQUENCE:").append(first.discontinuitySeq).append('\n');
        sb.append("#EXT-X-INDEPENDENT-SEGMENTS\n");

        // walk back from the live edge: which segments get part tags (last 3 target durations) and which may be skipped
        long openUs = lowLatency ? openParts.stream().mapToLong(CmafPart::durationUs).sum() : 0;
        int n = segments.size();
        int firstWithParts = n;
        int skip = 0;
        long fromEnd = openUs;
        int i = n;
        for (Iterator<Entry> it = segments.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            i--;
            if (fromEnd < 3_000_000L * targetDurationS) {
                firstWithParts = i;
            }
            fromEnd += e.segment.durationUs();
            if (skip == 0 && fromEnd - e.segment.durationUs() > 6_000_000L * targetDurationS) {
                skip = i + 1; // this segment and every older one end more than CAN-SKIP-UNTIL before the edge
            }
        }
        if (!(lowLatency && skipRequested)) {
            skip = 0;
        }
        if (skip > 0) {
            sb.append("#EXT-X-SKIP:SKIPPED-SEGMENTS=").append(skip).append('\n');
        }
        CmafHeader mapped = null;
        i = 0;
        for (Entry e : segments) {
            if (i++ < skip) {
                continue;
            }
            CmafSegment s = e.segment;
            mapped = preamble(sb, e.discontinuity && i > 1, mapped, s.header(), s.programDateTimeMs());
            if (lowLatency && i - 1 >= firstWithParts) {
                for (CmafPart p : s.parts()) {
                    partTag(sb, p);
                }
            }
            if (lowLatency && completionHeld && i == n) {
                break; // listed as parts only until the next segment's first part (see the class doc)
            }
            sb.append("#EXTINF:").append(seconds(s.durationUs())).append(",\n");
            sb.append("seg-").append(s.sequence()).append(".m4s\n");
        }
        if (lowLatency) {
            if (!openParts.isEmpty()) {
                CmafPart p0 = openParts.get(0);
                preamble(sb, openDiscontinuity, mapped, p0.header(), p0.programDateTimeMs());
                for (CmafPart p : openParts) {
                    partTag(sb, p);
                }
            }
            sb.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-").append(nextSequence).append('.').append(openParts.size())
                    .append(".m4s\"\n");
        }
        return sb.toString();
    }

    private static CmafHeader preamble(StringBuilder sb, boolean discontinuity, CmafHeader mapped, CmafHeader header, long pdtMs) {
        if (discontinuity) {
            sb.append("#EXT-X-DISCONTINUITY\n");
        }
        if (mapped == null || mapped.id() != header.id()) {
            sb.append("#EXT-X-MAP:URI=\"init-").append(header.id()).append(".mp4\"\n");
        }
        sb.append("#EXT-X-PROGRAM-DATE-TIME:").append(PDT.format(Instant.ofEpochMilli(pdtMs))).append('\n');
        return header;
    }

    private static void partTag(StringBuilder sb, CmafPart p) {
        sb.append("#EXT-X-PART:DURATION=").append(seconds(p.durationUs())).append(",URI=\"part-").append(p.sequence()).append('.')
                .append(p.index()).append(".m4s\"");
        if (p.independent()) {
            sb.append(",INDEPENDENT=YES");
        }
        sb.append('\n');
    }

    /** The complete segments in the window, oldest first (a copy). */
    public List<CmafSegment> segments() {
        List<CmafSegment> out = new ArrayList<>(segments.size());
        for (Entry e : segments) {
            out.add(e.segment);
        }
        return out;
    }

    /** The parts of the segment in progress ({@link #openSequence()}), in order (a copy). */
    public List<CmafPart> openParts() {
        return List.copyOf(openParts);
    }

    /**
     * This playlist's state as another rendition's {@code EXT-X-RENDITION-REPORT} gives it (RFC 8216bis
     * §4.4.5.4): the media sequence number and index of its last part.
     *
     * @param uri the URI of this playlist relative to the playlist that carries the report
     * @return the report, or {@code null} before the first part
     */
    public RenditionReport renditionReport(String uri) {
        if (!openParts.isEmpty()) {
            return new RenditionReport(uri, nextSequence, openParts.size() - 1);
        }
        if (segments.isEmpty()) {
            return null;
        }
        CmafSegment last = segments.getLast().segment;
        return new RenditionReport(uri, last.sequence(), last.parts().size() - 1);
    }

    /** µs as decimal seconds with 5 digits (truncated, so a rendered duration never exceeds the real one). */
    static String seconds(long us) {
        long tenUs = us / 10;
        return (tenUs / 100_000) + "." + String.format(Locale.ROOT, "%05d", tenUs % 100_000);
    }
}
