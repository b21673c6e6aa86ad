package io.sluice.core.hub;

import io.sluice.core.TrackInfo;
import io.sluice.core.events.SessionInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One stream of a {@link StreamHub} at one moment: its publisher, if live, and its viewers. From
 * {@link StreamHub#snapshot()}; an immutable copy.
 *
 * @param name      the stream name
 * @param tracks    the live publication's tracks, empty if not live
 * @param publisher the live publication, if any
 * @param viewers   the subscriptions, oldest first
 */
public record StreamSnapshot(String name, List<TrackInfo> tracks, Optional<Session> publisher, List<Session> viewers) {
    public StreamSnapshot {
        Objects.requireNonNull(name, "name");
        tracks = List.copyOf(tracks);
        Objects.requireNonNull(publisher, "publisher");
        viewers = List.copyOf(viewers);
    }

    /**
     * A publication or a subscription.
     *
     * @param id           the hub's session id ({@link StreamHub#kick(long)})
     * @param session      protocol and client address
     * @param startedNanos when it began, on the hub's ticker (ns)
     * @param frames       frames sent (publisher) or delivered (viewer) so far
     * @param bytes        payload bytes sent or delivered so far
     */
    public record Session(long id, SessionInfo session, long startedNanos, long frames, long bytes) {
        public Session {
            Objects.requireNonNull(session, "session");
        }
    }
}
