package io.sluice.core.spi;

import java.util.List;

/**
 * Shared rendition ladders for the streams of one {@link io.sluice.core.hub.StreamHub}: per published
 * stream, one transcode (decode once, scale, encode each rung; never per viewer) whose rungs are published
 * back into the hub as streams of their own. Consumers that need another resolution, or H.264 without
 * B-frames (WebRTC viewers), {@linkplain #acquire acquire} the ladder and subscribe to a rung's stream; the
 * transcode starts with the first lease and stops when the last one is closed (or when the source stream
 * ends). Implementations live in modules with native codecs (the codec module's {@code FfmpegRenditionLadder});
 * transports see only this interface.
 *
 * <p>Every rung's video is H.264 without B-frames ({@code pts == dts}), with IDRs at the same source PTS on
 * every rung, so segments and parts cut at IDRs line up across rungs; the source's other tracks (audio) are
 * passed through unchanged into every rung stream. Timestamps stay on the source's media clock (µs).
 *
 * <p>Implementations are thread-safe.
 */
public interface RenditionLadder {
    /**
     * One rung: a hub stream with a video track of {@code width × height} pixels at about {@code bitrateBps}.
     *
     * @param streamName  the hub stream carrying the rung (the source stream itself for a passthrough rung)
     * @param width       pixels
     * @param height      pixels
     * @param bitrateBps  target video bitrate, bit/s (the source's nominal bitrate, or 0 if unknown, for passthrough)
     * @param passthrough whether the rung is the source's own video, untouched (only when it has no B-frames)
     */
    record Rung(String streamName, int width, int height, long bitrateBps, boolean passthrough) {
    }

    /** A consumer's hold on a running ladder; {@link #close()} releases it (the last release stops the transcode). */
    interface Lease extends AutoCloseable {
        /**
         * The rungs, highest resolution first. Their streams are live in the hub when {@link #acquire} returns
         * (their tracks are known), though the first frames may take a moment to come.
         */
        List<Rung> rungs();

        /** Releases this hold. Idempotent; never blocks for long. */
        @Override
        void close();
    }

    /**
     * Starts the ladder of {@code sourceStream}, or joins the running one.
     *
     * @param sourceStream a live hub stream with an H.264 video track
     * @return a lease; the caller must close it when it no longer consumes the rungs
     * @throws IllegalStateException                 if the stream is not live, the ladder is closed, or it already
     *                                               runs as many ladders as it may
     * @throws IllegalArgumentException              if the stream has no video this ladder can decode (not H.264,
     *                                               or opaque: end-to-end encrypted)
     * @throws io.sluice.core.hub.StreamHubException if the hub refuses a rung stream (too many streams, a name taken)
     * @throws io.sluice.core.SluiceException        (a subtype) if a native decoder or encoder fails to open
     */
    Lease acquire(String sourceStream);
}
