package io.sluice.http.cmaf;

/**
 * One CMAF chunk: a {@code moof}+{@code mdat} pair, served as an LL-HLS partial segment and an LL-DASH
 * chunk, and, concatenated with its segment's other chunks, as the whole segment.
 *
 * @param header              the init segment it decodes with
 * @param sequence            the media sequence number of its segment
 * @param index               its position in the segment, from 0
 * @param startUs             decode time of its first primary-track sample, µs on the stream clock
 * @param durationUs          its duration, µs (primary track's next boundary minus {@code startUs})
 * @param independent         whether it starts with a random access point of the video track (always for audio-only)
 * @param programDateTimeMs   wall-clock time of {@code startUs}, ms since the Unix epoch
 * @param bytes               {@code moof}+{@code mdat} of every track (muxed, for HLS); shared, never modify
 * @param trackChunks         per ISO track id, the same samples as a single-track CMAF chunk ({@code prft} +
 *                            {@code moof} + {@code mdat}, for DASH); a track without samples in this part is absent
 */
public record CmafPart(CmafHeader header, long sequence, int index, long startUs, long durationUs, boolean independent,
                       long programDateTimeMs, byte[] bytes, java.util.Map<Integer, TrackChunk> trackChunks) {
    public CmafPart {
        trackChunks = java.util.Map.copyOf(trackChunks);
    }

    /**
     * One track's chunk.
     *
     * @param baseMediaDecodeTime decode time of its first sample, track timescale
     * @param duration            sum of its sample durations, track timescale
     * @param bytes               {@code prft} + {@code moof} + {@code mdat}; shared, never modify
     */
    public record TrackChunk(long baseMediaDecodeTime, long duration, byte[] bytes) {
    }
}
