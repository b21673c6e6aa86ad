package io.sluice.http.cmaf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Cuts a live stream of encoded frames into CMAF segments and chunks (ISO/IEC 23000-19 §7.3), sans-IO:
 * frames and the wall clock go in, {@link Output}s come out of {@link #poll()}; no thread, no clock read.
 *
 * <p>Cutting rules. The <em>primary</em> track (the first video track, else the first audio track) decides
 * every boundary. A segment begins at a sync sample of the primary track (an IDR for video) and ends at the
 * first sync sample at least {@link Builder#segmentTarget segment target} after its start; a chunk ends
 * before the primary-track frame that would make it longer than the {@link Builder#partTarget part
 * target}, or at the segment's end. So every chunk is at most the part target long (if frames arrive at
 * least every 15 % of it, non-final chunks are at least 85 % of it), and every segment and independent
 * chunk starts at an IDR. Other tracks' samples go into the chunk whose span holds their decode time, or
 * the next one if they arrive late.
 *
 * <p>Other tracks cover the chunk. A chunk is emitted once every other track that delivered a sample in its
 * span has delivered one at or after its end, so each such track's samples reach the chunk's end (the last
 * one lasts until its successor's decode time) and no chunk ends with its audio short of its video. A muxed
 * player buffers only where every track has data: hls.js (1.4), whose audio and video share one
 * {@code SourceBuffer}, finds the buffered end short of the segment's end, takes the segment as the one still
 * to play, sees its parts loaded and loads nothing more (a stall of seconds, until the part tags slide out of
 * the playlist). A publisher that interleaves by decode time (FFmpeg, OBS over RTMP) sends the audio frame
 * after the cut just after the video keyframe that makes it, so the wait is under one audio frame. The wait is
 * bounded: a chunk is emitted anyway once the primary track is a part target past its end (the other track
 * lags by more, or stopped), its last sample of each other track then held for the next chunk as before.
 *
 * <p>Time. Core's µs are converted to each track's timescale from absolute values ({@link CmafTrack#ticks}),
 * sample durations are differences of converted decode times, so there is no rounding drift. A primary
 * frame whose segment reached the target without a keyframe yields {@link KeyframeWanted} once per segment.
 *
 * <p>Tracks. {@link #start} begins an epoch: a new {@link CmafHeader}, and a discontinuity before the next
 * segment if one came before. A frame whose {@link TrackInfo} differs from the epoch's (a new codec
 * configuration) ends the epoch and starts another with the new track in place.
 *
 * <p>Not thread-safe; confine to one thread (or lock).
 */
public final class CmafSegmenter {
    /** What {@link #poll()} returns. */
    public sealed interface Output permits HeaderReady, PartReady, SegmentReady, KeyframeWanted {
    }

    /** A new init segment; the parts that follow decode with it. */
    public record HeaderReady(CmafHeader header) implements Output {
    }

    /** A chunk is complete; the part's buffer reference is the poller's (see {@link #poll()}). */
    public record PartReady(CmafPart part) implements Output {
    }

    /** A segment is complete; its last part came just before as {@link PartReady}. */
    public record SegmentReady(CmafSegment segment) implements Output {
    }

    /** The current segment reached its target without a keyframe: ask the publisher for one. */
    public record KeyframeWanted() implements Output {
    }

    private final long segmentTargetUs;
    private final long partTargetUs;
    private final ArrayDeque<Output> outputs = new ArrayDeque<>();

    private CmafHeader header;
    private int nextHeaderId;
    private Map<Integer, TrackState> tracks = Map.of();
    private TrackState primary;
    /** Media sequence numbers start at 1: hls.js (1.4) takes a playlist ending at segment 0 as not blockable. */
    private long nextSequence = 1;
    private long fragmentSequence = 1;
    private boolean discontinuityPending;
    private boolean started;
    private long offsetUs;
    private long wallOffsetMs;
    private long segStartUs;
    /** Where the segment-length rule counts from: {@link #segStartUs}, or the shared segment's start when aligned. */
    private long cutBaseUs;
    private final SegmentAlignment alignment;
    private long partStartUs;
    private long lastPrimaryDtsUs;
    private long lastIntervalUs;
    private boolean partIndependent;
    private boolean keyframeWantedSent;
    private final List<CmafPart> segmentParts = new ArrayList<>();
    /** Chunks cut (boundaries decided) but not yet emitted: waiting for the other tracks to reach their end. */
    private final ArrayDeque<Cut> cuts = new ArrayDeque<>();
    private long droppedFrames;
    private long longParts;
    private boolean flushing;

    private static final class TrackState {
        final CmafTrack track;
        final List<Sample> pending = new ArrayList<>();
        /** Decode time of the newest sample pushed, µs; {@link Long#MIN_VALUE} before the first. */
        long lastDtsUs = Long.MIN_VALUE;
        /** Duration of the newest sample whose successor was known, track ticks; 0 before the first. */
        long lastDurationTicks;

        TrackState(CmafTrack track) {
            this.track = track;
        }
    }

    /**
     * A chunk whose boundaries are decided: {@code [partStartUs, boundaryUs)}, µs.
     *
     * @param alignedSequence the media sequence number the next segment takes (ladder alignment), or -1
     */
    private record Cut(long partStartUs, long boundaryUs, boolean endsSegment, boolean independent, long segStartUs,
                       long alignedSequence) {
    }

    private CmafSegmenter(Builder b) {
        this.segmentTargetUs = b.segmentTargetUs;
        this.partTargetUs = b.partTargetUs;
        this.alignment = b.alignment;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Segment target, µs. */
    public long segmentTargetUs() {
        return segmentTargetUs;
    }

    /** Part (chunk) target, µs: no chunk is longer. */
    public long partTargetUs() {
        return partTargetUs;
    }

    /**
     * Starts an epoch with {@code tracks} (unsupported tracks, e.g. VP8 or opaque ones, are left out).
     * Whatever the previous epoch still held is flushed first, and the next segment is marked as a
     * discontinuity.
     *
     * @throws IllegalArgumentException if no track can be segmented
     */
    public void start(List<TrackInfo> tracks) {
        finish();
        List<CmafTrack> usable = new ArrayList<>();
        Map<Integer, TrackState> states = new HashMap<>();
        TrackState video = null;
        TrackState audio = null;
        for (TrackInfo t : tracks) {
            if (!CmafTrack.isSupported(t) || states.containsKey(t.trackId())) {
                continue;
            }
            CmafTrack ct = new CmafTrack(t, usable.size() + 1);
            usable.add(ct);
            TrackState st = new TrackState(ct);
            states.put(t.trackId(), st);
            if (t.isVideo() && video == null) {
                video = st;
            } else if (t.isAudio() && audio == null) {
                audio = st;
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("tracks: " + tracks + " (expected: at least one H.264, H.265, AAC or Opus track)");
        }
        this.tracks = states;
        this.primary = video != null ? video : audio;
        this.header = new CmafHeader(nextHeaderId++, usable, CmafBoxes.initSegment(usable));
        this.discontinuityPending = header.id() > 0;
        this.started = false;
        outputs.add(new HeaderReady(header));
    }

    /** The current header, {@code null} before {@link #start}. */
    public CmafHeader header() {
        return header;
    }

    /**
     * Adds one frame. Frames before the first primary-track sync sample of an epoch are dropped, as are
     * frames of tracks the epoch does not carry.
     *
     * @param frame       borrowed: its payload is copied, the caller keeps and releases the frame
     * @param wallClockMs the wall-clock time at which the frame arrived, ms since the Unix epoch; program-date-time
     *                    is the decode time plus the smallest (wall clock − decode time) of the epoch's primary
     *                    frames so far, as frames can arrive late (a GOP cache burst) but never early
     * @throws IllegalStateException if {@link #start} was never called
     */
    public void push(EncodedFrame frame, long wallClockMs) {
        if (header == null) {
            throw new IllegalStateException("push before start");
        }
        TrackState st = tracks.get(frame.trackId());
        if (st == null) {
            droppedFrames++;
            return;
        }
        if (frame.track() != st.track.info() && !frame.track().equals(st.track.info())) {
            List<TrackInfo> next = new ArrayList<>();
            for (CmafTrack t : header.tracks()) {
                next.add(t.info().trackId() == frame.trackId() ? frame.track() : t.info());
            }
            start(next);
            st = tracks.get(frame.trackId());
        }
        long dts = frame.dtsUs();
        if (!started) {
            if (st != primary || !frame.isKeyframe()) {
                droppedFrames++;
                return;
            }
            if (alignment != null) {
                SegmentAlignment.Start at = alignment.start(dts, segmentTargetUs);
                if (at == null) {
                    droppedFrames++; // before every segment the other renditions numbered
                    return;
                }
                nextSequence = Math.max(nextSequence, at.sequence());
                cutBaseUs = at.ruleStartUs();
            } else {
                cutBaseUs = dts;
            }
            started = true;
            offsetUs = dts < 0 ? (Math.floorDiv(dts, 1_000_000L) - 1) * 1_000_000L : 0; // whole seconds: converting shifted times stays exact
            wallOffsetMs = Long.MAX_VALUE;
            segStartUs = dts;
            partStartUs = dts;
            lastPrimaryDtsUs = dts;
            lastIntervalUs = 0;
            partIndependent = true;
            keyframeWantedSent = false;
        }
        if (dts - offsetUs < 0 || (!st.pending.isEmpty() && dts < st.pending.get(st.pending.size() - 1).dtsUs())) {
            droppedFrames++; // before the epoch's time origin, or decode order going backwards
            return;
        }
        if (st == primary) {
            // frames never arrive early, only late (a GOP cache burst, jitter): the smallest offset is the live one
            wallOffsetMs = Math.min(wallOffsetMs, wallClockMs - Math.floorDiv(dts, 1000));
            if (alignment != null) {
                wallOffsetMs = alignment.wallOffsetMs(wallOffsetMs);
            }
        }
        if (st == primary && dts > lastPrimaryDtsUs) {
            long interval = dts - lastPrimaryDtsUs;
            long inSegment = dts - cutBaseUs;
            long inPart = dts - partStartUs;
            boolean cut = frame.isKeyframe() && inSegment >= segmentTargetUs - interval / 2;
            long alignedSequence = -1;
            if (alignment != null && frame.isKeyframe()) {
                alignedSequence = alignment.keyframe(dts, cut);
                cut = alignedSequence >= 0;
            }
            if (cut) {
                cut(dts, true, alignedSequence);
            } else if (inPart + interval > partTargetUs) {
                cut(dts, false, -1);
            }
            if (frame.isKeyframe() && partStartUs == dts) {
                partIndependent = true;
            }
            if (!frame.isKeyframe() && inSegment >= segmentTargetUs && !keyframeWantedSent && primary.track.isVideo()) {
                keyframeWantedSent = true;
                outputs.add(new KeyframeWanted());
            }
            lastIntervalUs = interval;
            lastPrimaryDtsUs = dts;
        }
        byte[] data = ByteBufUtil.getBytes(frame.content());
        st.pending.add(new Sample(dts, frame.ptsUs(), frame.isKeyframe() || !st.track.isVideo(), data));
        st.lastDtsUs = dts;
        emitCuts(false);
    }

    /**
     * Ends the epoch: chunks waiting for other tracks are emitted, what is held becomes a last (short) part and
     * segment, the primary track's last sample lasting as long as the one before it. Idempotent.
     */
    public void finish() {
        if (header == null || !started) {
            started = false;
            return;
        }
        emitCuts(true);
        if (!primary.pending.isEmpty()) {
            flushing = true;
            cut(lastPrimaryDtsUs + Math.max(lastIntervalUs, 1), true, -1);
            emitCuts(true);
            flushing = false;
        }
        started = false;
    }

    /**
     * The next output, or {@code null} if none is pending. A {@link PartReady}'s part comes with one reference to its
     * buffer, which the caller now owns and releases once ({@link CmafPart#release()}) when it no longer serves the
     * part; a {@link SegmentReady} carries none of its own (its parts are those of the {@code PartReady}s before it).
     */
    public Output poll() {
        return outputs.poll();
    }

    /** Frames dropped so far (before a keyframe, unknown track, time going backwards). */
    public long droppedFrames() {
        return droppedFrames;
    }

    /** Parts that came out longer than the part target (a gap in the primary track). */
    public long longParts() {
        return longParts;
    }

    /** Decides a chunk boundary at {@code boundaryUs}: the next chunk's timing starts there; the chunk is queued. */
    private void cut(long boundaryUs, boolean endsSegment, long alignedSequence) {
        cuts.add(new Cut(partStartUs, boundaryUs, endsSegment, partIndependent, segStartUs, alignedSequence));
        partStartUs = boundaryUs;
        partIndependent = false;
        if (endsSegment) {
            segStartUs = boundaryUs;
            cutBaseUs = boundaryUs;
            partIndependent = true;
            keyframeWantedSent = false;
        }
        emitCuts(false);
    }

    /** Emits the queued chunks whose other tracks reached their end (see the class doc), or all if {@code force}. */
    private void emitCuts(boolean force) {
        while (!cuts.isEmpty()) {
            Cut c = cuts.peek();
            if (!force && !othersReached(c) && lastPrimaryDtsUs < c.boundaryUs() + partTargetUs) {
                return;
            }
            cuts.poll();
            emit(c);
        }
    }

    /** Whether every other track that delivered a sample in {@code c}'s span has one at or after its end. */
    private boolean othersReached(Cut c) {
        for (TrackState st : tracks.values()) {
            if (st != primary && st.lastDtsUs >= c.partStartUs() && st.lastDtsUs < c.boundaryUs()) {
                return false;
            }
        }
        return true;
    }

    private void emit(Cut c) {
        long partStartUs = c.partStartUs();
        long boundaryUs = c.boundaryUs();
        List<SampleRun> runs = new ArrayList<>();
        for (CmafTrack t : header.tracks()) {
            TrackState st = tracks.get(t.info().trackId());
            SampleRun run = takeRun(st, boundaryUs, st == primary);
            if (run != null) {
                runs.add(run);
            }
        }
        long durationUs = boundaryUs - partStartUs;
        if (durationUs > partTargetUs) {
            longParts++;
        }
        if (!runs.isEmpty()) {
            CmafPart part = part(fragmentSequence++, runs, partStartUs, durationUs, c.independent(),
                    segmentParts.isEmpty() ? segmentWallMs(c.segStartUs()) : wallMs(partStartUs));
            segmentParts.add(part);
            outputs.add(new PartReady(part));
        }
        if (c.endsSegment() && !segmentParts.isEmpty()) {
            CmafSegment seg = new CmafSegment(header, nextSequence++, c.segStartUs(), boundaryUs - c.segStartUs(),
                    discontinuityPending, segmentWallMs(c.segStartUs()), segmentParts);
            discontinuityPending = false;
            segmentParts.clear();
            outputs.add(new SegmentReady(seg));
        }
        if (c.endsSegment()) {
            nextSequence = Math.max(nextSequence, c.alignedSequence());
        }
    }

    /**
     * Writes a chunk once into one direct buffer: per track what its single-track chunk needs besides the samples
     * ({@code prft}, and with more than one track its {@code moof} and {@code mdat} header), then the muxed chunk
     * ({@code moof}, {@code mdat} header, every track's samples). The part's views of it are described in
     * {@link CmafPart}; the one reference goes with the part to the caller of {@link #poll()}.
     */
    private CmafPart part(long seq, List<SampleRun> runs, long partStartUs, long durationUs, boolean independent, long pdtMs) {
        byte[] muxHead = CmafBoxes.fragmentHead(seq, runs);
        int muxLength = muxHead.length + CmafBoxes.payloadBytes(runs);
        boolean single = runs.size() == 1; // its single-track chunk is the muxed one: a prft before it is all it needs
        byte[][] heads = new byte[runs.size()][];
        int headsLength = 0;
        for (int i = 0; i < runs.size(); i++) {
            SampleRun r = runs.get(i);
            byte[] prft = CmafBoxes.prft(r.track().isoTrackId(), wallMs(r.track().isVideo() ? partStartUs
                    : offsetUs + (r.baseMediaDecodeTime() - r.track().primingTicks()) * 1_000_000 / r.track().timescale()),
                    r.baseMediaDecodeTime());
            if (single) {
                heads[i] = prft;
            } else {
                byte[] own = CmafBoxes.fragmentHead(seq, List.of(r));
                heads[i] = java.util.Arrays.copyOf(prft, prft.length + own.length);
                System.arraycopy(own, 0, heads[i], prft.length, own.length);
            }
            headsLength += heads[i].length;
        }
        ByteBuf buf = Unpooled.directBuffer(headsLength + muxLength, headsLength + muxLength);
        for (byte[] h : heads) {
            buf.writeBytes(h);
        }
        buf.writeBytes(muxHead);
        for (SampleRun r : runs) {
            r.writePayloads(buf);
        }
        ByteBuf muxed = buf.slice(headsLength, muxLength);
        Map<Integer, CmafPart.TrackChunk> chunks = new HashMap<>();
        int headAt = 0;
        int payloadAt = headsLength + muxHead.length;
        for (int i = 0; i < runs.size(); i++) {
            SampleRun r = runs.get(i);
            long runDuration = 0;
            for (long d : r.durations()) {
                runDuration += d;
            }
            ByteBuf head = buf.slice(headAt, heads[i].length);
            ByteBuf payload = single ? muxed : buf.slice(payloadAt, r.payloadBytes());
            headAt += heads[i].length;
            payloadAt += r.payloadBytes();
            chunks.put(r.track().isoTrackId(), new CmafPart.TrackChunk(r.baseMediaDecodeTime(), runDuration, head, payload));
        }
        return new CmafPart(header, nextSequence, segmentParts.size(), partStartUs, durationUs, independent, pdtMs, muxed, chunks);
    }

    /** The program-date-time of a segment starting at {@code segStartUs}: shared with the other renditions when aligned. */
    private long segmentWallMs(long segStartUs) {
        return alignment == null ? wallMs(segStartUs) : alignment.programDateTimeMs(segStartUs, wallMs(segStartUs));
    }

    private long wallMs(long us) {
        return wallOffsetMs + Math.floorDiv(us, 1000);
    }

    /** Removes from {@code st} the samples that belong before {@code boundaryUs} and whose duration is known. */
    private SampleRun takeRun(TrackState st, long boundaryUs, boolean isPrimary) {
        List<Sample> p = st.pending;
        int n = 0;
        while (n < p.size() && p.get(n).dtsUs() < boundaryUs) {
            n++;
        }
        if (flushing) {
            n = p.size();
        } else if (!isPrimary && n == p.size()) {
            n--; // the last one's duration is known only when the next arrives
        }
        if (n <= 0) {
            return null;
        }
        CmafTrack t = st.track;
        List<Sample> taken = new ArrayList<>(p.subList(0, n));
        long[] durations = new long[n];
        for (int i = 0; i < n; i++) {
            long end = i + 1 < p.size() ? p.get(i + 1).dtsUs() : boundaryUs;
            durations[i] = Math.max(0, t.ticks(end - offsetUs) - t.ticks(taken.get(i).dtsUs() - offsetUs));
        }
        if (flushing && !isPrimary && n > 1) {
            durations[n - 1] = durations[n - 2]; // the stream's last sample: as long as the one before
        } else if (flushing && !isPrimary && st.lastDurationTicks > 0) {
            durations[n - 1] = st.lastDurationTicks; // alone in its chunk (the track stopped before): the same
        }
        if (!flushing) {
            st.lastDurationTicks = durations[n - 1];
        }
        p.subList(0, n).clear();
        // composition offsets are relative, so the epoch offset cancels out; decode times are shifted by it
        // an AAC track's media times run ahead of the source's by the priming its edit list skips, so that its
        // presentation times (media time − priming) are the source's times
        return new SampleRun(t, t.ticks(taken.get(0).dtsUs() - offsetUs) + t.primingTicks(), taken, durations);
    }

    /** Configuration; setters validate at once. */
    public static final class Builder {
        private long segmentTargetUs = 2_000_000;
        private long partTargetUs = 250_000;
        private SegmentAlignment alignment;

        private Builder() {
        }

        /**
         * Segment boundaries and media sequence numbers shared with the segmenters of the other renditions of a
         * ladder (whose IDRs are at the same decode times); default none: this segmenter decides alone.
         */
        public Builder alignment(SegmentAlignment alignment) {
            this.alignment = java.util.Objects.requireNonNull(alignment, "alignment");
            return this;
        }

        /** Segment target (HLS target duration), 100 ms..60 s; default 2 s. */
        public Builder segmentTarget(Duration d) {
            long us = toUs(d);
            if (us < 100_000 || us > 60_000_000) {
                throw new IllegalArgumentException("segmentTarget: " + d + " (expected: 100 ms..60 s)");
            }
            segmentTargetUs = us;
            return this;
        }

        /** Part (chunk) target, the LL-HLS {@code PART-TARGET}, 20 ms..segment target; default 250 ms. */
        public Builder partTarget(Duration d) {
            long us = toUs(d);
            if (us < 20_000 || us > 60_000_000) {
                throw new IllegalArgumentException("partTarget: " + d + " (expected: 20 ms..60 s)");
            }
            partTargetUs = us;
            return this;
        }

        private static long toUs(Duration d) {
            Objects.requireNonNull(d, "duration");
            return d.toNanos() / 1000;
        }

        /** @throws IllegalStateException if the part target exceeds the segment target */
        public CmafSegmenter build() {
            if (partTargetUs > segmentTargetUs) {
                throw new IllegalStateException("partTarget " + partTargetUs + " µs > segmentTarget " + segmentTargetUs + " µs");
            }
            return new CmafSegmenter(this);
        }
    }
}
