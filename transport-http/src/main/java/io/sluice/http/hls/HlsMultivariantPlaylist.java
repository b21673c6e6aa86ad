package io.sluice.http.hls;

import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafTrack;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** Renders the multivariant playlist of one stream (RFC 8216bis §4.4.6). Stateless. */
public final class HlsMultivariantPlaylist {
    private HlsMultivariantPlaylist() {
    }

    /**
     * One variant stream (an {@code EXT-X-STREAM-INF}, RFC 8216bis §4.4.6.2) with its muxed media playlist.
     *
     * @param header        the variant's current header (codecs, resolution, frame rate)
     * @param peakBps       {@code BANDWIDTH}: the peak segment bitrate measured, bit/s (&gt; 0; 0 is written as 1)
     * @param averageBps    {@code AVERAGE-BANDWIDTH}: the average bitrate measured, bit/s (&gt; 0; 0 is written as 1)
     * @param mediaPlaylist URI of the media playlist, relative to the multivariant playlist
     */
    public record Variant(CmafHeader header, long peakBps, long averageBps, String mediaPlaylist) {
        public Variant {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(mediaPlaylist, "mediaPlaylist");
        }
    }

    /** One variant stream with its muxed media playlist; see {@link Variant} for the parameters. */
    public static String render(CmafHeader header, long peakBps, long averageBps, String mediaPlaylist) {
        return render(List.of(new Variant(header, peakBps, averageBps, mediaPlaylist)));
    }

    /**
     * Several variant streams (the rungs of a rendition ladder), written in the order given (highest first, so
     * players that take the first as their start take the best).
     *
     * @throws IllegalArgumentException if {@code variants} is empty
     */
    public static String render(List<Variant> variants) {
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("variants: [] (expected: at least one)");
        }
        StringBuilder sb = new StringBuilder(256 * variants.size());
        sb.append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        for (Variant v : variants) {
            sb.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(Math.max(1, v.peakBps()))
                    .append(",AVERAGE-BANDWIDTH=").append(Math.max(1, v.averageBps()))
                    .append(",CODECS=\"").append(v.header().codecs()).append('"');
            CmafTrack video = v.header().video();
            if (video != null) {
                TrackInfo info = video.info();
                sb.append(",RESOLUTION=").append(info.width()).append('x').append(info.height());
                info.frameRate().map(Rational::toDouble).filter(f -> f > 0)
                        .ifPresent(f -> sb.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", f)));
            }
            sb.append('\n').append(v.mediaPlaylist()).append('\n');
        }
        return sb.toString();
    }
}
