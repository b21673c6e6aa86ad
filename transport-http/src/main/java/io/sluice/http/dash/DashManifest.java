package io.sluice.http.dash;

import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafTrack;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Renders the dynamic MPD of one stream for low-latency DASH (ISO/IEC 23009-1; DASH-IF IOP low-latency
 * modes): one Period per CMAF header (epoch), one AdaptationSet per track, a number-based
 * {@code SegmentTemplate} whose {@code $Number$} is the media sequence number, {@code availabilityTimeOffset}
 * = segment duration − part target with {@code availabilityTimeComplete="false"} (segments are sent with
 * chunked transfer as their chunks are produced), a {@code ServiceDescription} latency target and a
 * {@code UTCTiming} element that points at the server's own clock. Stateless.
 *
 * <p>Number-based addressing assumes every segment lasts the segment target: publish with a GOP that
 * divides it (e.g. 1 or 2 s for 2 s segments).
 */
public final class DashManifest {
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private DashManifest() {
    }

    /**
     * @param epochStart          the first part of the current epoch (its header, first segment, program-date-time)
     * @param availabilityStartMs {@code availabilityStartTime}, ms since the Unix epoch (fixed for the stream's life)
     * @param publishMs           {@code publishTime}, ms since the Unix epoch
     * @param segmentUs           segment duration, µs
     * @param partUs              part target (chunk duration), µs
     * @param windowSegments      segments kept ({@code timeShiftBufferDepth})
     * @param bandwidthBps        measured peak bitrate of the whole stream, bit/s
     * @param utcTimingUrl        absolute URL answering the server's time as ISO 8601 ({@code urn:mpeg:dash:utc:http-iso:2014})
     * @param latencyTargetMs     {@code ServiceDescription} latency target, ms
     */
    public static String render(CmafPart epochStart, long availabilityStartMs, long publishMs, long segmentUs, long partUs,
                                int windowSegments, long bandwidthBps, String utcTimingUrl, long latencyTargetMs) {
        CmafHeader h = epochStart.header();
        StringBuilder sb = new StringBuilder(2048);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011,")
                .append("urn:mpeg:dash:profile:cmaf:2019\" type=\"dynamic\"")
                .append(" availabilityStartTime=\"").append(ISO.format(Instant.ofEpochMilli(availabilityStartMs))).append('"')
                .append(" publishTime=\"").append(ISO.format(Instant.ofEpochMilli(publishMs))).append('"')
                .append(" minimumUpdatePeriod=\"").append(duration(segmentUs)).append('"')
                .append(" timeShiftBufferDepth=\"").append(duration(segmentUs * windowSegments)).append('"')
                .append(" maxSegmentDuration=\"").append(duration(segmentUs)).append('"')
                .append(" minBufferTime=\"").append(duration(partUs * 2)).append("\">\n");
        sb.append("  <ServiceDescription id=\"0\">\n")
                .append("    <Latency referenceId=\"0\" target=\"").append(latencyTargetMs).append("\" min=\"")
                .append(latencyTargetMs / 2).append("\" max=\"").append(latencyTargetMs * 2).append("\"/>\n")
                .append("    <PlaybackRate min=\"0.9\" max=\"1.1\"/>\n  </ServiceDescription>\n");
        sb.append("  <Period id=\"p").append(h.id()).append("\" start=\"")
                .append(duration((epochStart.programDateTimeMs() - availabilityStartMs) * 1000)).append("\">\n");
        double ato = (segmentUs - partUs) / 1e6;
        for (CmafTrack t : h.tracks()) {
            CmafPart.TrackChunk first = epochStart.trackChunks().get(t.isoTrackId());
            long pto = first == null ? t.ticks(epochStart.startUs()) : first.baseMediaDecodeTime() - t.primingTicks(); // after the edit
            TrackInfo info = t.info();
            String type = t.isVideo() ? "video" : "audio";
            sb.append("    <AdaptationSet id=\"").append(t.isoTrackId()).append("\" contentType=\"").append(type)
                    .append("\" mimeType=\"").append(type).append("/mp4\" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
            sb.append("      <Representation id=\"").append(t.isoTrackId()).append("\" codecs=\"").append(t.codecsParameter())
                    .append("\" bandwidth=\"").append(t.isVideo() ? Math.max(1, bandwidthBps) : Math.max(1, info.bitrateBps() > 0 ? info.bitrateBps() : 128_000))
                    .append('"');
            if (t.isVideo()) {
                sb.append(" width=\"").append(info.width()).append("\" height=\"").append(info.height()).append('"');
                info.frameRate().ifPresent(r -> sb.append(" frameRate=\"").append(frameRate(r)).append('"'));
            } else {
                sb.append(" audioSamplingRate=\"").append(info.sampleRate()).append('"');
            }
            sb.append(">\n");
            if (!t.isVideo()) {
                sb.append("        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"")
                        .append(info.channels()).append("\"/>\n");
            }
            sb.append("        <SegmentTemplate timescale=\"").append(t.timescale()).append("\" duration=\"")
                    .append(t.ticks(segmentUs)).append("\" startNumber=\"").append(epochStart.sequence())
                    .append("\" presentationTimeOffset=\"").append(pto)
                    .append("\" initialization=\"init-").append(h.id()).append("-$RepresentationID$.mp4\" media=\"seg-")
                    .append(h.id()).append("-$RepresentationID$-$Number$.m4s\" availabilityTimeOffset=\"")
                    .append(String.format(Locale.ROOT, "%.3f", ato)).append("\" availabilityTimeComplete=\"false\"/>\n");
            sb.append("      </Representation>\n    </AdaptationSet>\n");
        }
        sb.append("  </Period>\n");
        sb.append("  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:http-iso:2014\" value=\"").append(utcTimingUrl).append("\"/>\n");
        sb.append("</MPD>\n");
        return sb.toString();
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
