package io.sluice.http.cmaf;

import java.util.Map;
import java.util.TreeMap;

/**
 * The segment boundaries and media sequence numbers shared by the {@link CmafSegmenter}s of the renditions of
 * one rendition ladder, so that a segment with a given media sequence number starts at the same IDR on every
 * rendition (RFC 8216bis §6.2.4: the Media Sequence Numbers of a variant's segments line up with the others';
 * DASH {@code segmentAlignment}). The rungs' IDRs are at the same decode times (µs on the source's clock): the
 * first segmenter to reach an IDR decides whether a segment starts there (by its own rule), and every other
 * segmenter follows that decision when it reaches the same decode time, whatever it would have decided alone.
 * A segmenter that starts mid-segment (a rung whose first IDR is not one of the others') gives its first,
 * shorter segment the number of the segment it lies in.
 *
 * <p>Decisions are kept for the last {@value #KEPT} boundaries; a decode time more than 60 s before the newest
 * decision (the source's clock started again) clears them.
 *
 * <p>Thread-safe: the renditions' segmenters run on different threads.
 */
public final class SegmentAlignment {
    /** Boundaries remembered. */
    static final int KEPT = 64;
    private static final long RESTART_US = 60_000_000L;

    /** Segment start decode time (µs) → media sequence number. */
    private final TreeMap<Long, Long> boundaries = new TreeMap<>();
    /** The latest IDR decode time at which a decision was taken (cut or not), µs. */
    private long decidedUs = Long.MIN_VALUE;
    private long wallOffsetMs = Long.MAX_VALUE;
    /** Segment start decode time (µs) → its program-date-time (ms since the Unix epoch), as first stated. */
    private final TreeMap<Long, Long> programDateTimes = new TreeMap<>();
    /** The number of a segment when none is known (the first, or the first after the clock started again). */
    private long nextSequence;

    /** @param firstSequence the media sequence number of the first segment, &ge; 1 */
    public SegmentAlignment(long firstSequence) {
        if (firstSequence < 1) {
            throw new IllegalArgumentException("firstSequence: " + firstSequence + " (expected: >= 1)");
        }
        this.nextSequence = firstSequence;
    }

    /**
     * Where a segmenter whose epoch begins with an IDR at {@code dtsUs} stands.
     *
     * @param sequence the media sequence number of its first segment
     * @param ruleStartUs the decode time its segment-length rule counts from (the start of the shared segment it lies in), µs
     */
    public record Start(long sequence, long ruleStartUs) {
    }

    /**
     * A segmenter's epoch begins with the IDR at {@code dtsUs} (µs).
     *
     * @param segmentTargetUs the segmenter's segment target, µs: whether an undecided IDR starts a segment
     * @return where it stands, or {@code null} if it lies before every segment another rendition numbered: it must
     *         wait for a later IDR
     */
    public synchronized Start start(long dtsUs, long segmentTargetUs) {
        restartIfBehind(dtsUs);
        Long exact = boundaries.get(dtsUs);
        if (exact != null) {
            return new Start(exact, dtsUs);
        }
        Map.Entry<Long, Long> floor = boundaries.floorEntry(dtsUs);
        if (floor == null) {
            if (!boundaries.isEmpty()) {
                return null;
            }
            record(dtsUs, nextSequence);
            return new Start(nextSequence, dtsUs);
        }
        if (dtsUs > decidedUs) {
            decidedUs = dtsUs; // nobody reached this IDR yet: decide it as a running segmenter would
            if (dtsUs - floor.getKey() >= segmentTargetUs) {
                record(dtsUs, floor.getValue() + 1);
                return new Start(floor.getValue() + 1, dtsUs);
            }
        }
        return new Start(floor.getValue(), floor.getKey());
    }

    /**
     * A running segmenter reached an IDR at {@code dtsUs} (µs).
     *
     * @param ownCut whether its own rule would start a segment there
     * @return the media sequence number of the segment starting there, or -1 if none starts there
     */
    public synchronized long keyframe(long dtsUs, boolean ownCut) {
        restartIfBehind(dtsUs);
        Long exact = boundaries.get(dtsUs);
        if (exact != null) {
            return exact;
        }
        if (dtsUs <= decidedUs) {
            return -1;
        }
        decidedUs = dtsUs;
        if (!ownCut) {
            return -1;
        }
        Map.Entry<Long, Long> floor = boundaries.floorEntry(dtsUs);
        long seq = floor == null ? nextSequence : floor.getValue() + 1;
        record(dtsUs, seq);
        return seq;
    }

    /**
     * Shares the program-date-time mapping: each segmenter offers its own (wall clock − decode time) estimate, the
     * smallest seen by any rendition wins (frames reach a transcoded rung later than the source, never earlier),
     * so the same segment has the same {@code EXT-X-PROGRAM-DATE-TIME} on every rendition.
     *
     * @param offsetMs a segmenter's estimate, ms
     * @return the shared estimate, ms
     */
    public synchronized long wallOffsetMs(long offsetMs) {
        wallOffsetMs = Math.min(wallOffsetMs, offsetMs);
        return wallOffsetMs;
    }

    /**
     * The program-date-time of the segment starting at {@code startUs}: the first rendition to ask states it,
     * the others get the same value, so a segment has one {@code EXT-X-PROGRAM-DATE-TIME} on every rendition
     * (players align renditions by it when they switch). A first segment that starts between boundaries (a rung
     * that joined mid-segment) gets the time of the segment it lies in plus its offset into it.
     *
     * @param startUs decode time of the segment's first sample, µs
     * @param ownMs   what the asking segmenter would state, ms since the Unix epoch
     * @return the shared program-date-time, ms since the Unix epoch
     */
    public synchronized long programDateTimeMs(long startUs, long ownMs) {
        Long known = programDateTimes.get(startUs);
        if (known != null) {
            return known;
        }
        Map.Entry<Long, Long> floor = programDateTimes.floorEntry(startUs);
        long ms = !boundaries.containsKey(startUs) && floor != null ? floor.getValue() + Math.floorDiv(startUs - floor.getKey(), 1000)
                : ownMs;
        programDateTimes.put(startUs, ms);
        while (programDateTimes.size() > KEPT) {
            programDateTimes.pollFirstEntry();
        }
        return ms;
    }

    private void record(long dtsUs, long sequence) {
        boundaries.put(dtsUs, sequence);
        decidedUs = Math.max(decidedUs, dtsUs);
        while (boundaries.size() > KEPT) {
            boundaries.pollFirstEntry();
        }
    }

    private void restartIfBehind(long dtsUs) {
        if (decidedUs != Long.MIN_VALUE && dtsUs < decidedUs - RESTART_US) {
            if (!boundaries.isEmpty()) {
                nextSequence = boundaries.lastEntry().getValue() + 1; // numbers never go back
            }
            boundaries.clear();
            programDateTimes.clear();
            decidedUs = Long.MIN_VALUE;
            wallOffsetMs = Long.MAX_VALUE;
        }
    }
}
