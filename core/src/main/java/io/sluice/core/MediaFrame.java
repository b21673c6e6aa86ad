package io.sluice.core;

import io.netty.util.ReferenceCounted;

/**
 * A frame moving through a pipeline: either decoded ({@link RawFrame}) or encoded
 * ({@link EncodedFrame}). Reference counted: whoever holds the last reference releases it.
 */
public interface MediaFrame extends ReferenceCounted {
    /** Id of the track this frame belongs to. */
    int trackId();

    MediaType mediaType();

    /** Presentation timestamp in microseconds on the pipeline's single media clock. */
    long ptsUs();
}
