package io.sluice.core.spi;

import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TrackInfo;
import java.util.List;
import java.util.Map;

/**
 * A source of media: a file or URL, a synthetic pattern, frames an application pushes.
 *
 * <p>Pull model: the pipeline's source thread calls {@link #open()}, {@link #select(Map)}, then
 * {@link #read()} until it returns {@code null}, then {@link #close()}. Those calls all happen on
 * that one thread, so an implementation that wraps native contexts frees them on the thread that
 * used them. Only {@link #abort()} is called from other threads.
 *
 * <p>Timestamps: every frame's PTS is in µs on one clock shared by all tracks of the source (for a
 * file: the container timestamps minus the earliest start time over all tracks, so A/V offsets in the
 * file are kept). Sources never round timestamps to frame numbers.
 */
public interface MediaSource extends AutoCloseable {
    /** The input, for messages and logs: a path, a URL, {@code "pattern:"}. */
    String name();

    /**
     * Opens the input and describes its tracks.
     *
     * @return the tracks, in source order; at least one
     * @throws MediaSourceException if the input cannot be opened or has no usable track
     */
    List<TrackInfo> open();

    /**
     * Chooses what {@link #read()} delivers per track id; tracks not in the map are discarded.
     *
     * @throws MediaSourceException if a track cannot be delivered as asked (e.g. {@link Delivery#ENCODED} from a raw source)
     */
    void select(Map<Integer, Delivery> delivery);

    /**
     * Whether frames arrive in real time by nature (camera, app push, live URL), so the pipeline
     * must not pace them and may drop when it falls behind rather than block the producer.
     */
    boolean isLive();

    /**
     * The next frame, in presentation order per track and roughly interleaved by time across
     * tracks. Ownership passes to the caller.
     *
     * @return the next frame, or {@code null} at the end of input or after {@link #abort()}
     * @throws MediaSourceException  if the input is corrupt or the connection fails
     * @throws InterruptedException if the thread is interrupted while waiting for input
     */
    MediaFrame read() throws InterruptedException;

    /** Thread-safe: makes a blocked or future {@link #read()} return {@code null} promptly. */
    void abort();

    /** Frees every resource; called on the reading thread after the last {@link #read()}. Idempotent. */
    @Override
    void close();
}
