package io.sluice.http.hls;

import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafTrack;
import java.util.Locale;

/** Renders the multivariant playlist of one stream (RFC 8216bis §4.4.6). Stateless. */
public final class HlsMultivariantPlaylist {
    private HlsMultivariantPlaylist() {
    }

    /**
     * One variant stream with its muxed media playlist.
     *
     * @param header        the stream's current header (codecs, resolution, frame rate)
     * @param peakBps       {@code BANDWIDTH}: the peak segment bitrate measured, bit/s (&gt; 0)
     * @param averageBps    {@code AVERAGE-BANDWIDTH}: the average bitrate measured, bit/s (&gt; 0)
     * @param mediaPlaylist URI of the media playlist, relative to the multivariant playlist
     */
    public static String render(CmafHeader header, long peakBps, long averageBps, String mediaPlaylist) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        sb.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(Math.max(1, peakBps))
                .append(",AVERAGE-BANDWIDTH=").append(Math.max(1, averageBps))
                .append(",CODECS=\"").append(header.codecs()).append('"');
        CmafTrack video = header.video();
        if (video != null) {
            TrackInfo v = video.info();
            sb.append(",RESOLUTION=").append(v.width()).append('x').append(v.height());
            v.frameRate().map(Rational::toDouble).filter(f -> f > 0)
                    .ifPresent(f -> sb.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", f)));
        }
        sb.append('\n').append(mediaPlaylist).append('\n');
        return sb.toString();
    }
}
