package io.sluice.http.hls;

import java.util.Objects;

/**
 * An {@code EXT-X-RENDITION-REPORT} tag (RFC 8216bis §4.4.5.4): where another rendition's LL-HLS media
 * playlist stands, so that a client switching to it can ask for its next part with a blocking reload at once.
 *
 * @param uri      that rendition's media playlist, relative to the playlist carrying the tag
 * @param lastMsn  {@code LAST-MSN}: the media sequence number of its last part (of the segment in progress if
 *                 it has parts, else of its last segment), &ge; 0
 * @param lastPart {@code LAST-PART}: the index of that part in its segment, &ge; 0
 */
public record RenditionReport(String uri, long lastMsn, int lastPart) {
    public RenditionReport {
        Objects.requireNonNull(uri, "uri");
        if (lastMsn < 0 || lastPart < 0) {
            throw new IllegalArgumentException("lastMsn: " + lastMsn + ", lastPart: " + lastPart + " (expected: >= 0)");
        }
    }

    /** The same state as seen from another playlist, at {@code otherUri}. */
    public RenditionReport withUri(String otherUri) {
        return new RenditionReport(otherUri, lastMsn, lastPart);
    }

    /** The tag line, with its newline. */
    public String tag() {
        return "#EXT-X-RENDITION-REPORT:URI=\"" + uri + "\",LAST-MSN=" + lastMsn + ",LAST-PART=" + lastPart + "\n";
    }
}
