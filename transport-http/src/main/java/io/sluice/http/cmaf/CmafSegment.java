package io.sluice.http.cmaf;

import java.util.List;

/**
 * A complete CMAF segment: its chunks, which begin with a random access point of the video track.
 *
 * <p>It holds no buffer reference of its own: its parts' bytes are readable while their owner holds them (see
 * {@link CmafPart}).
 *
 * @param header            the init segment it decodes with
 * @param sequence          media sequence number, &ge; 1, increasing by one across the stream's life
 * @param startUs           decode time of its first sample (primary track), µs
 * @param durationUs        duration, µs: the sum of its parts'
 * @param discontinuity     whether it is the first segment after a header change (HLS {@code EXT-X-DISCONTINUITY})
 * @param programDateTimeMs wall-clock time of {@code startUs}, ms since the Unix epoch
 * @param parts             its chunks, in order
 */
public record CmafSegment(CmafHeader header, long sequence, long startUs, long durationUs, boolean discontinuity,
                          long programDateTimeMs, List<CmafPart> parts) {
    public CmafSegment {
        parts = List.copyOf(parts);
    }

    /** Size in bytes of the whole segment (also after its parts were released). */
    public long byteLength() {
        long n = 0;
        for (CmafPart p : parts) {
            n += p.length();
        }
        return n;
    }

    /**
     * The whole segment: its chunks concatenated, copied onto the heap.
     *
     * @throws io.netty.util.IllegalReferenceCountException if its parts were released
     */
    public byte[] bytes() {
        byte[] out = new byte[Math.toIntExact(byteLength())];
        int at = 0;
        for (CmafPart p : parts) {
            p.bytes().getBytes(p.bytes().readerIndex(), out, at, p.length());
            at += p.length();
        }
        return out;
    }
}
