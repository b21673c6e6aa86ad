package io.sluice.core.spi;

/** What a {@link MediaSource} delivers for one track. */
public enum Delivery {
    /** Decoded {@link io.sluice.core.RawFrame}s, for encoding. */
    DECODED,
    /** The source's own encoded packets as {@link io.sluice.core.EncodedFrame}s (passthrough, no re-encoding). */
    ENCODED,
    /** Nothing: the track is skipped. */
    DISCARD
}
