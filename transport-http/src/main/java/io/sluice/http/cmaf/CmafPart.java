package io.sluice.http.cmaf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One CMAF chunk: a {@code moof}+{@code mdat} pair, served as an LL-HLS partial segment and an LL-DASH
 * chunk, and, concatenated with its segment's other chunks, as the whole segment.
 *
 * <p>Memory and ownership. Everything the part serves is in one direct buffer written once by the segmenter:
 * the muxed chunk, and per track only what a single-track chunk needs besides samples the muxed {@code mdat}
 * already holds ({@code prft}, and with more than one track its own {@code moof} and {@code mdat} header; its
 * samples are a slice of the muxed {@code mdat}). {@link #bytes()} and the {@link TrackChunk}s' buffers are views
 * (Netty derived buffers) of it sharing its one reference count. The part comes out of
 * {@link CmafSegmenter#poll()} with one reference, owned by the caller of {@code poll}, who releases it exactly
 * once ({@link #release()}) when the part is no longer served (its segment left the window); the
 * {@link CmafSegment} that lists the part, and anything else that keeps the record ({@code HlsMediaPlaylist}),
 * holds no reference of its own. The views are read only while that reference is held; nobody writes to them or
 * moves their indexes: whoever keeps or sends the bytes takes a reference of their own
 * ({@code bytes().retainedDuplicate()}, {@link TrackChunk#retainedBytes()}) and releases it (a Netty write does).
 * After the release, only the other components (timing, header) may be read.
 *
 * @param header              the init segment it decodes with
 * @param sequence            the media sequence number of its segment
 * @param index               its position in the segment, from 0
 * @param startUs             decode time of its first primary-track sample, µs on the stream clock
 * @param durationUs          its duration, µs (primary track's next boundary minus {@code startUs})
 * @param independent         whether it starts with a random access point of the video track (always for audio-only)
 * @param programDateTimeMs   wall-clock time of {@code startUs}, ms since the Unix epoch
 * @param bytes               {@code moof}+{@code mdat} of every track (muxed, for HLS): a view of the part's buffer,
 *                            readable bytes = the chunk; never written to, indexes never moved (see above)
 * @param trackChunks         per ISO track id, the same samples as a single-track CMAF chunk ({@code prft} +
 *                            {@code moof} + {@code mdat}, for DASH); a track without samples in this part is absent
 */
public record CmafPart(CmafHeader header, long sequence, int index, long startUs, long durationUs, boolean independent,
                       long programDateTimeMs, ByteBuf bytes, java.util.Map<Integer, TrackChunk> trackChunks) {
    public CmafPart {
        trackChunks = java.util.Map.copyOf(trackChunks);
    }

    /** Size of the muxed chunk, bytes. */
    public int length() {
        return bytes.readableBytes();
    }

    /**
     * Releases the part's reference (the one {@link CmafSegmenter#poll()} handed out); its owner calls this once.
     *
     * @return whether the buffer was freed (no reader holds a reference of its own any more)
     */
    public boolean release() {
        return bytes.release();
    }

    /**
     * One track's chunk: {@code head} followed by {@code payload}. With one track in the stream, {@code head} is the
     * {@code prft} alone and {@code payload} the muxed chunk itself (a single-track fragment is the muxed one); with
     * more, {@code head} is {@code prft} + the track's own {@code moof} + {@code mdat} header and {@code payload} its
     * samples, a slice of the muxed {@code mdat}. Both are views of the part's buffer, as {@link CmafPart#bytes()}.
     *
     * @param baseMediaDecodeTime decode time of its first sample, track timescale
     * @param duration            sum of its sample durations, track timescale
     * @param head                {@code prft} [+ {@code moof} + {@code mdat} header]; a view, see {@link CmafPart}
     * @param payload             what follows it; a view, see {@link CmafPart}
     */
    public record TrackChunk(long baseMediaDecodeTime, long duration, ByteBuf head, ByteBuf payload) {
        /** Size of the chunk ({@code prft} + {@code moof} + {@code mdat}), bytes. */
        public int length() {
            return head.readableBytes() + payload.readableBytes();
        }

        /**
         * The whole chunk as one buffer (a composite of the two views, no copy).
         *
         * @return a new reference the caller must release (a Netty write does); valid while the part is held
         */
        public ByteBuf retainedBytes() {
            return Unpooled.wrappedBuffer(2, head.retainedDuplicate(), payload.retainedDuplicate());
        }
    }
}
