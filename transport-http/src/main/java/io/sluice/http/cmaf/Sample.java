package io.sluice.http.cmaf;

/**
 * One access unit or audio frame held by the segmenter until its chunk closes.
 *
 * @param dtsUs decode time, µs on the stream's clock
 * @param ptsUs presentation time, µs
 * @param sync  a random access point (IDR for video; every audio frame)
 * @param data  the payload in the codec's ISO BMFF sample layout (H.264/H.265: 4-byte NAL unit lengths); not copied
 */
record Sample(long dtsUs, long ptsUs, boolean sync, byte[] data) {
}
