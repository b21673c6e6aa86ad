package io.sluice.http.dash;

import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafSegment;
import io.sluice.http.cmaf.CmafTrack;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Renders the dynamic MPD of one stream for low-latency DASH (ISO/IEC 23009-1; DASH-IF IOP low-latency
 * modes): one Period per CMAF header (epoch), one AdaptationSet per track, in which the video AdaptationSet
 * holds one Representation per rendition (the rungs of a rendition ladder, their segments aligned); a
 * {@code SegmentTemplate} whose {@code $Number$} is the media sequence number, either with
 * {@code @duration} = the segment target ({@link Addressing#NUMBER}) or with a {@code SegmentTimeline}
 * (§5.3.9.6; {@link Addressing#TIMELINE}), so segments cut at IDRs with irregular durations are addressed exactly;
 * {@code availabilityTimeOffset} = segment target − part target with {@code availabilityTimeComplete="false"}
 * (segments are sent with chunked transfer as their chunks are produced), a {@code ServiceDescription}
 * latency target and a {@code UTCTiming} element that points at the server's own clock. Stateless.
 *
 * <p>The timeline lists every complete segment of the epoch in the window with its exact start and duration
 * (track timescale, from the chunks' {@code tfdt} and sample durations), then the segment in progress with a
 * predicted duration (the segment target, or what it holds so far plus one part target if longer), so a
 * player can fetch it while it is produced; the next MPD states its real duration.
 */
public final class DashManifest {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private DashManifest() {
    }

    /** How a Representation's segments are addressed. */
    public enum Addressing {
        /**
         * {@code SegmentTemplate@duration} = the segment target with {@code $Number$}: exact only when every segment
         * lasts the target (a GOP that divides it); what dash.js's low-latency mode is tested with.
         */
        NUMBER,
        /** A {@code SegmentTimeline} with {@code $Number$}: each segment's exact start and duration (irregular GOPs). */
        TIMELINE
    }

    /**
     * One rendition's segments as the MPD describes them.
     *
     * @param path         prefix of its files relative to the MPD ({@code ""}, or {@code "v1/"} for a ladder rung)
     * @param epochStart   the first part of its current epoch (its header, program-date-time)
     * @param segments     its complete segments in the window, oldest first (other epochs' are left out)
     * @param openParts    the parts of its segment in progress
     * @param bandwidthBps measured peak bitrate of the rendition, bit/s
     */
    public record Rendition(String path, CmafPart epochStart, List<CmafSegment> segments, List<CmafPart> openParts,
                            long bandwidthBps) {
        public Rendition {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(epochStart, "epochStart");
            segments = List.copyOf(segments);
            openParts = List.copyOf(openParts);
        }
    }

    /**
     * @param renditions          the renditions, highest first; the first one gives the Period (its epoch's start)
     *                            and the audio
     * @param addressing          how segments are addressed
     * @param availabilityStartMs {@code availabilityStartTime}, ms since the Unix epoch (fixed for the stream's life)
     * @param publishMs           {@code publishTime}, ms since the Unix epoch
     * @param segmentUs           segment target, µs
     * @param partUs              part target (chunk duration), µs
     * @param windowSegments      segments kept ({@code timeShiftBufferDepth})
     * @param utcTimingUrl        absolute URL answering the server's time as ISO 8601 ({@code urn:mpeg:dash:utc:http-iso:2014})
     * @param latencyTargetMs     {@code ServiceDescription} latency target, ms
     * @throws IllegalArgumentException if {@code renditions} is empty
     */
    public static String render(List<Rendition> renditions, Addressing addressing, long availabilityStartMs, long publishMs,
                                long segmentUs, long partUs, int windowSegments, String utcTimingUrl, long latencyTargetMs) {
        return render(renditions, addressing, availabilityStartMs, publishMs, segmentUs, partUs, windowSegments,
                Availability.CHUNKED, "urn:mpeg:dash:utc:http-iso:2014", utcTimingUrl, latencyTargetMs);
    }

    /** When a segment may be requested, which decides the low-latency attributes of the MPD. */
    public enum Availability {
        /**
         * As its first chunk is produced (the server streams it with chunked transfer): {@code availabilityTimeOffset}
         * = segment − part target, {@code availabilityTimeComplete="false"}, a {@code ServiceDescription} latency target.
         */
        CHUNKED,
        /**
         * Once complete (a static origin that segments are pushed to): no {@code availabilityTimeOffset}, no
         * latency target; {@code suggestedPresentationDelay} = 3 segments, {@code minBufferTime} = 1 segment.
         */
        COMPLETE
    }

    /**
     * One rendition addressed by {@link Addressing#NUMBER}, for either {@link Availability} and with any
     * {@code UTCTiming} scheme (what a push to a static origin writes).
     *
     * @param epochStart      the first part of the current epoch (its header, first segment, program-date-time)
     * @param bandwidthBps    measured peak bitrate of the whole stream, bit/s
     * @param availability    whether segments are announced as their chunks are produced or once complete
     * @param utcTimingScheme {@code UTCTiming@schemeIdUri}, e.g. {@code urn:mpeg:dash:utc:http-head:2014}; {@code null}: no
     *                        {@code UTCTiming} element
     * @param utcTimingValue  its {@code value} (a URL, or for {@code urn:mpeg:dash:utc:direct:2014} an xs:dateTime)
     * @param latencyTargetMs {@code ServiceDescription} latency target, ms; only with {@link Availability#CHUNKED}
     * @see #render(List, Addressing, long, long, long, long, int, Availability, String, String, long)
     */
    public static String render(CmafPart epochStart, long availabilityStartMs, long publishMs, long segmentUs, long partUs,
                                int windowSegments, long bandwidthBps, Availability availability, String utcTimingScheme,
                                String utcTimingValue, long latencyTargetMs) {
        return render(List.of(new Rendition("", epochStart, List.of(), List.of(), bandwidthBps)), Addressing.NUMBER,
                availabilityStartMs, publishMs, segmentUs, partUs, windowSegments, availability, utcTimingScheme,
                utcTimingValue, latencyTargetMs);
    }

    /**
     * The general form of {@link #render(List, Addressing, long, long, long, long, int, String, long)}.
     *
     * @param availability    whether segments are announced as their chunks are produced or once complete
     * @param utcTimingScheme {@code UTCTiming@schemeIdUri}; {@code null}: no {@code UTCTiming} element
     * @param utcTimingValue  its {@code value}
     * @param latencyTargetMs {@code ServiceDescription} latency target, ms; only with {@link Availability#CHUNKED}
     * @throws IllegalArgumentException if {@code renditions} is empty
     */
    public static String render(List<Rendition> renditions, Addressing addressing, long availabilityStartMs, long publishMs,
                                long segmentUs, long partUs, int windowSegments, Availability availability,
                                String utcTimingScheme, String utcTimingValue, long latencyTargetMs) {
        boolean chunked = availability == Availability.CHUNKED;
        if (renditions.isEmpty()) {
            throw new IllegalArgumentException("renditions: [] (expected: at least one)");
        }
        Rendition top = renditions.get(0);
        CmafPart epochStart = top.epochStart();
        CmafHeader h = epochStart.header();
        long maxSegmentUs = segmentUs;
        for (CmafSegment seg : addressing == Addressing.TIMELINE ? top.segments() : List.<CmafSegment>of()) {
            maxSegmentUs = Math.max(maxSegmentUs, seg.durationUs());
        }
        StringBuilder sb = new StringBuilder(2048);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011,")
                .append("urn:mpeg:dash:profile:cmaf:2019\" type=\"dynamic\"")
                .append(" availabilityStartTime=\"").append(ISO.format(Instant.ofEpochMilli(availabilityStartMs))).append('"')
                .append(" publishTime=\"").append(ISO.format(Instant.ofEpochMilli(publishMs))).append('"')
                .append(" minimumUpdatePeriod=\"").append(duration(segmentUs)).append('"')
                .append(" timeShiftBufferDepth=\"").append(duration(segmentUs * windowSegments)).append('"')
                .append(" maxSegmentDuration=\"").append(duration(maxSegmentUs)).append('"')
                .append(" minBufferTime=\"").append(duration(chunked ? partUs * 2 : segmentUs)).append('"')
                .append(chunked ? "" : " suggestedPresentationDelay=\"" + duration(3 * segmentUs) + '"').append(">\n");
        if (chunked) {
            sb.append("  <ServiceDescription id=\"0\">\n")
                    .append("    <Latency referenceId=\"0\" target=\"").append(latencyTargetMs).append("\" min=\"")
                    .append(latencyTargetMs / 2).append("\" max=\"").append(latencyTargetMs * 2).append("\"/>\n")
                    .append("    <PlaybackRate min=\"0.9\" max=\"1.1\"/>\n  </ServiceDescription>\n");
        }
        sb.append("  <Period id=\"p").append(h.id()).append("\" start=\"")
                .append(duration((epochStart.programDateTimeMs() - availabilityStartMs) * 1000)).append("\">\n");
        double ato = chunked ? (segmentUs - partUs) / 1e6 : -1; // < 0: no availabilityTimeOffset
        for (CmafTrack t : h.tracks()) {
            CmafPart.TrackChunk first = epochStart.trackChunks().get(t.isoTrackId());
            long pto = first == null ? t.ticks(epochStart.startUs()) : first.baseMediaDecodeTime() - t.primingTicks(); // after the edit
            String type = t.isVideo() ? "video" : "audio";
            sb.append("    <AdaptationSet id=\"").append(t.isoTrackId()).append("\" contentType=\"").append(type)
                    .append("\" mimeType=\"").append(type).append("/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
            for (int r = 0; r < (t.isVideo() ? renditions.size() : 1); r++) {
                Rendition rendition = renditions.get(r);
                CmafTrack rt = r == 0 ? t : rendition.epochStart().header().video();
                if (rt == null || rt.timescale() != t.timescale()) {
                    continue;
                }
                representation(sb, r == 0 ? String.valueOf(rt.isoTrackId()) : r + "-" + rt.isoTrackId(), rendition, rt, pto,
                        addressing, segmentUs, partUs, ato);
            }
            sb.append("    </AdaptationSet>\n");
        }
        sb.append("  </Period>\n");
        if (utcTimingScheme != null) {
            sb.append("  <UTCTiming schemeIdUri=\"").append(utcTimingScheme).append("\" value=\"").append(utcTimingValue)
                    .append("\"/>\n");
        }
        sb.append("</MPD>\n");
        return sb.toString();
    }

    /** The low-latency attributes of a SegmentTemplate; none when {@code ato < 0} (segments announced complete). */
    private static String availability(double ato) {
        return ato < 0 ? "" : " availabilityTimeOffset=\"" + String.format(Locale.ROOT, "%.3f", ato)
                + "\" availabilityTimeComplete=\"false\"";
    }

    private static void representation(StringBuilder sb, String id, Rendition r, CmafTrack t, long pto, Addressing addressing,
                                       long segmentUs, long partUs, double ato) {
        TrackInfo info = t.info();
        int headerId = r.epochStart().header().id();
        int tid = t.isoTrackId();
        sb.append("      <Representation id=\"").append(id).append("\" codecs=\"").append(t.codecsParameter())
                .append("\" bandwidth=\"").append(t.isVideo() ? Math.max(1, r.bandwidthBps())
                        : Math.max(1, info.bitrateBps() > 0 ? info.bitrateBps() : 128_000))
                .append('"');
        if (t.isVideo()) {
            sb.append(" width=\"").append(info.width()).append("\" height=\"").append(info.height()).append('"');
            info.frameRate().ifPresent(fr -> sb.append(" frameRate=\"").append(frameRate(fr)).append('"'));
        } else {
            sb.append(" audioSamplingRate=\"").append(info.sampleRate()).append('"');
        }
        sb.append(">\n");
        if (!t.isVideo()) {
            sb.append("        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"")
                    .append(info.channels()).append("\"/>\n");
        }
        if (addressing == Addressing.NUMBER) {
            sb.append("        <SegmentTemplate timescale=\"").append(t.timescale()).append("\" duration=\"")
                    .append(t.ticks(segmentUs)).append("\" startNumber=\"").append(r.epochStart().sequence())
                    .append("\" presentationTimeOffset=\"").append(pto)
                    .append("\" initialization=\"").append(r.path()).append("init-").append(headerId).append('-').append(tid)
                    .append(".mp4\" media=\"").append(r.path()).append("seg-").append(headerId).append('-').append(tid)
                    .append("-$Number$.m4s\"").append(availability(ato)).append("/>\n      </Representation>\n");
            return;
        }
        // the contiguous run of this epoch's segments that carry the track; $Number$ counts from its first
        List<long[]> timeline = new ArrayList<>(); // {msn, t, d}
        for (CmafSegment seg : r.segments()) {
            long[] span = seg.header().id() == headerId ? span(seg.parts(), tid) : null;
            if (span == null || !timeline.isEmpty() && timeline.get(timeline.size() - 1)[0] != seg.sequence() - 1) {
                timeline.clear();
                if (span == null) {
                    continue;
                }
            }
            timeline.add(new long[] {seg.sequence(), span[0], span[1]});
        }
        List<CmafPart> open = r.openParts().stream().filter(p -> p.header().id() == headerId).toList();
        long[] openSpan = span(open, tid);
        long predicted = t.ticks(segmentUs);
        if (!timeline.isEmpty()) {
            long[] last = timeline.get(timeline.size() - 1);
            long openStart = openSpan != null ? openSpan[0] : last[1] + last[2];
            long held = openSpan != null ? openSpan[1] : 0;
            timeline.add(new long[] {last[0] + 1, openStart, Math.max(predicted, held + t.ticks(partUs))});
        } else if (openSpan != null) {
            timeline.add(new long[] {open.get(0).sequence(), openSpan[0], Math.max(predicted, openSpan[1] + t.ticks(partUs))});
        }
        long startNumber = timeline.isEmpty() ? r.epochStart().sequence() : timeline.get(0)[0];
        sb.append("        <SegmentTemplate timescale=\"").append(t.timescale())
                .append("\" startNumber=\"").append(startNumber)
                .append("\" presentationTimeOffset=\"").append(pto)
                .append("\" initialization=\"").append(r.path()).append("init-").append(headerId).append('-').append(tid)
                .append(".mp4\" media=\"").append(r.path()).append("seg-").append(headerId).append('-').append(tid)
                .append("-$Number$.m4s\"").append(availability(ato)).append(">\n");
        sb.append("          <SegmentTimeline>\n");
        for (long[] e : timeline) {
            sb.append("            <S t=\"").append(e[1]).append("\" d=\"").append(e[2]).append("\"/>\n");
        }
        sb.append("          </SegmentTimeline>\n        </SegmentTemplate>\n      </Representation>\n");
    }

    /** {start, duration} of track {@code tid} in {@code parts} (track timescale), or {@code null} if it has no sample there. */
    private static long[] span(List<CmafPart> parts, int tid) {
        long start = -1;
        long d = 0;
        for (CmafPart p : parts) {
            CmafPart.TrackChunk c = p.trackChunks().get(tid);
            if (c != null) {
                if (start < 0) {
                    start = c.baseMediaDecodeTime();
                }
                d += c.duration();
            }
        }
        return start < 0 ? null : new long[] {start, d};
    }

    /** An ISO 8601 / xs:duration in seconds with ms, e.g. {@code PT2.000S}. */
    static String duration(long us) {
        return String.format(Locale.ROOT, "PT%.3fS", us / 1e6);
    }

    private static String frameRate(Rational r) {
        return r.den() == 1 ? String.valueOf(r.num()) : r.num() + "/" + r.den();
    }

    /** ISO 8601 UTC with ms, the body of the {@code UTCTiming} endpoint. */
    public static String isoTime(long wallClockMs) {
        return ISO.format(Instant.ofEpochMilli(wallClockMs));
    }
}
