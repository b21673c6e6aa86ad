package io.sluice.core.hub;

import io.sluice.core.SluiceException;

/** A publish or subscribe request the hub refuses; {@link #reason()} says why. */
public final class StreamHubException extends SluiceException {
    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        /** Another publisher is live on the stream and the hub is configured to reject (RTMP: NetStream.Publish.BadName). */
        ALREADY_PUBLISHED,
        /** The hub already has its maximum number of streams. */
        TOO_MANY_STREAMS,
        /** The stream already has its maximum number of subscribers. */
        TOO_MANY_SUBSCRIBERS,
        /** The stream name is empty, too long or has characters outside {@code [A-Za-z0-9._~/-]}. */
        INVALID_NAME,
        /** The hub is closed. */
        CLOSED
    }

    private final Reason reason;

    public StreamHubException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
