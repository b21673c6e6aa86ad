package io.sluice.http.cmaf;

import java.util.List;

/**
 * The samples of one track in one CMAF chunk, in decode order, with their times already in the track's
 * timescale. {@code durations[i]} is the decode-time difference to the next sample.
 *
 * @param track                the track
 * @param baseMediaDecodeTime  decode time of the first sample, track timescale ({@code tfdt})
 * @param samples              the samples, at least one
 * @param durations            per sample, ticks, &ge; 0
 */
record SampleRun(CmafTrack track, long baseMediaDecodeTime, List<Sample> samples, long[] durations) {
    int size() {
        return samples.size();
    }

    long duration(int i) {
        return durations[i];
    }

    int sampleSize(int i) {
        return samples.get(i).data().length;
    }

    boolean sync(int i) {
        return samples.get(i).sync();
    }

    /** Signed {@code trun} v1 composition offset: PTS − DTS in ticks. */
    int compositionOffset(int i) {
        Sample s = samples.get(i);
        return Math.toIntExact(track.ticks(s.ptsUs()) - track.ticks(s.dtsUs()));
    }

    int payloadBytes() {
        int n = 0;
        for (Sample s : samples) {
            n += s.data().length;
        }
        return n;
    }

    /** Writes the payloads at {@code out}'s writer index (the caller owns {@code out}). */
    void writePayloads(io.netty.buffer.ByteBuf out) {
        for (Sample s : samples) {
            out.writeBytes(s.data());
        }
    }
}
