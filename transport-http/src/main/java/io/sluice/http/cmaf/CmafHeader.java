package io.sluice.http.cmaf;

import java.util.List;

/**
 * A CMAF header (init segment) and the tracks it describes. A new one starts each time the publisher's
 * tracks change (a reconnect or a new {@code TrackInfo}); segments after it follow a discontinuity.
 *
 * @param id     0 for the stream's first header, then 1, 2, … (the HLS discontinuity sequence)
 * @param tracks the tracks, in {@code moov} order
 * @param bytes  {@code ftyp} + {@code moov}; shared, never modify
 */
public record CmafHeader(int id, List<CmafTrack> tracks, byte[] bytes) {
    public CmafHeader {
        tracks = List.copyOf(tracks);
    }

    /** The CMAF header of one track alone ({@code ftyp} + {@code moov} with that {@code trak}), for DASH. */
    public byte[] trackInit(int isoTrackId) {
        for (CmafTrack t : tracks) {
            if (t.isoTrackId() == isoTrackId) {
                return CmafBoxes.initSegment(List.of(t));
            }
        }
        throw new IllegalArgumentException("isoTrackId: " + isoTrackId + " (expected: one of the header's tracks)");
    }

    /** The first video track, or {@code null} for an audio-only stream. */
    public CmafTrack video() {
        return tracks.stream().filter(CmafTrack::isVideo).findFirst().orElse(null);
    }

    /** The first audio track, or {@code null} for a video-only stream. */
    public CmafTrack audio() {
        return tracks.stream().filter(t -> !t.isVideo()).findFirst().orElse(null);
    }

    /** RFC 6381 codecs of every track, comma-separated, for HLS {@code CODECS}. */
    public String codecs() {
        return String.join(",", tracks.stream().map(CmafTrack::codecsParameter).toList());
    }
}
