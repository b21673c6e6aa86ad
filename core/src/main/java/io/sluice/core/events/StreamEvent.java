package io.sluice.core.events;

import io.sluice.core.TrackInfo;
import java.util.List;
import java.util.Objects;

/**
 * Something that happened to a stream of the hub: a publisher came or went, a viewer started or
 * stopped playing, a client was refused, ingest failed. Times are on the hub's
 * {@link io.sluice.core.time.Ticker} (ns, monotonic, not wall-clock).
 *
 * <p>Session ids are the hub's ({@link io.sluice.core.hub.StreamHub#kick(long)} takes them); they are
 * unique per hub, start at 1, and are {@code 0} where no session exists (a refused client).
 */
public sealed interface StreamEvent {
    /** The stream name. */
    String stream();

    /** The hub's id of the publication or subscription, or 0 if none was created. */
    long sessionId();

    /** The peer's protocol and address. */
    SessionInfo session();

    /** When, on the hub's ticker (ns). */
    long atNanos();

    /**
     * The kind as a stable lower-case name for logs, metric labels and exported records:
     * {@code published}, {@code unpublished}, {@code play_started}, {@code play_stopped},
     * {@code auth_refused}, {@code ingest_error}, {@code viewer_freeze}.
     */
    String kind();

    /** What a refused client asked for. */
    enum Action { PUBLISH, PLAY }

    /** A publisher went live with {@code tracks}. */
    record Published(String stream, long sessionId, SessionInfo session, List<TrackInfo> tracks, long atNanos)
            implements StreamEvent {
        @Override
        public String kind() {
            return "published";
        }

        public Published {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
            tracks = List.copyOf(tracks);
        }
    }

    /**
     * A publication ended (closed, replaced, or the hub closed).
     *
     * @param frames        frames it sent
     * @param bytes         payload bytes it sent
     * @param durationNanos how long it was live, ns
     */
    record Unpublished(String stream, long sessionId, SessionInfo session, long frames, long bytes,
                       long durationNanos, long atNanos) implements StreamEvent {
        @Override
        public String kind() {
            return "unpublished";
        }

        public Unpublished {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
        }
    }

    /** A viewer subscribed (the stream need not be live yet). */
    record PlayStarted(String stream, long sessionId, SessionInfo session, long atNanos) implements StreamEvent {
        @Override
        public String kind() {
            return "play_started";
        }

        public PlayStarted {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
        }
    }

    /**
     * A viewer's subscription ended.
     *
     * @param frames        frames delivered to it
     * @param bytes         payload bytes delivered to it
     * @param durationNanos how long it was subscribed, ns
     */
    record PlayStopped(String stream, long sessionId, SessionInfo session, long frames, long bytes,
                       long durationNanos, long atNanos) implements StreamEvent {
        @Override
        public String kind() {
            return "play_stopped";
        }

        public PlayStopped {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
        }
    }

    /**
     * A viewer's player reported video freezes since its previous report (e.g. the WHEP watch page relays
     * Chromium's {@code RTCInboundRtpStreamStats.freezeCount}, W3C webrtc-stats §8.6: a frame shown later than
     * max(3 × the average frame duration, average + 150 ms) after the previous one).
     *
     * @param freezes                new freezes since the previous report, &ge; 1
     * @param totalFreezesDurationUs the player's total frozen time so far, µs
     */
    record ViewerFreeze(String stream, long sessionId, SessionInfo session, int freezes, long totalFreezesDurationUs,
                        long atNanos) implements StreamEvent {
        @Override
        public String kind() {
            return "viewer_freeze";
        }

        public ViewerFreeze {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
            if (freezes < 1) {
                throw new IllegalArgumentException("freezes: " + freezes + " (expected: >= 1)");
            }
        }
    }

    /**
     * A server refused a client (authorizer, bad token); no session was created, so
     * {@link #sessionId()} is 0.
     *
     * @param reason the authorizer's description
     */
    record AuthRefused(String stream, long sessionId, SessionInfo session, Action action, String reason, long atNanos)
            implements StreamEvent {
        @Override
        public String kind() {
            return "auth_refused";
        }

        public AuthRefused {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Ingest failed: a publisher's input could not be used (malformed media, unsupported codec,
     * refused by the hub), and the publication was refused or ended.
     *
     * @param sessionId the publication's id, or 0 if it never went live
     * @param message   what was wrong
     */
    record IngestError(String stream, long sessionId, SessionInfo session, String message, long atNanos)
            implements StreamEvent {
        @Override
        public String kind() {
            return "ingest_error";
        }

        public IngestError {
            Objects.requireNonNull(stream, "stream");
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(message, "message");
        }
    }
}
