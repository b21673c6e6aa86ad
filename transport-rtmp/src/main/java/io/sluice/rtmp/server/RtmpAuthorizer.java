package io.sluice.rtmp.server;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a peer may publish or play a stream on an {@link RtmpServer}: the place for a
 * stream key or token check. Called once per {@code publish} and {@code play} command, before
 * the stream is touched.
 *
 * <p>Runs on the connection's Netty EventLoop: it must return quickly and must not block (look
 * keys up in memory; do slow checks ahead of time). An exception thrown here rejects the request
 * and is logged. Implementations must be thread-safe: several connections call it concurrently.
 */
@FunctionalInterface
public interface RtmpAuthorizer {
    /** Allows everything; the default. */
    RtmpAuthorizer ALLOW_ALL = request -> Decision.allow();

    /**
     * @param request what the peer asks for
     * @return {@link Decision#allow()} or {@link Decision#reject(String)}; never {@code null}
     */
    Decision authorize(Request request);

    /** Whether the peer publishes or plays. */
    enum Action {
        /** The {@code publish} command (RTMP spec §7.2.2.6). */
        PUBLISH,
        /** The {@code play} command (RTMP spec §7.2.2.1). */
        PLAY
    }

    /**
     * One publish or play request.
     *
     * @param action        publish or play
     * @param app           the {@code app} of the connect command without its query string, e.g. {@code "live"}
     * @param streamName    the stream key without its query string, e.g. {@code "x"} for {@code rtmp://host/live/x?token=1}
     * @param query         the query parameters of the stream name, then of the app (the stream name's win on
     *                      a clash), decoded as {@code application/x-www-form-urlencoded}; values in order
     * @param remoteAddress the peer
     */
    record Request(Action action, String app, String streamName, Map<String, List<String>> query,
                   InetSocketAddress remoteAddress) {
        /** @throws NullPointerException if a field is null */
        public Request {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(app, "app");
            Objects.requireNonNull(streamName, "streamName");
            query = Map.copyOf(query);
            Objects.requireNonNull(remoteAddress, "remoteAddress");
        }

        /** The first value of query parameter {@code name}, or {@code null}. */
        public String queryParameter(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /**
     * The answer to a {@link Request}.
     *
     * @param allowed     whether the request is granted
     * @param description for a rejection: the text sent to the peer in the {@code onStatus} error
     *                    (ffmpeg prints it); empty when allowed
     */
    record Decision(boolean allowed, String description) {
        private static final Decision ALLOW = new Decision(true, "");

        /** @throws NullPointerException if {@code description} is null */
        public Decision {
            Objects.requireNonNull(description, "description");
        }

        /** Grants the request. */
        public static Decision allow() {
            return ALLOW;
        }

        /**
         * Refuses the request; the peer gets an {@code onStatus} error with this description and is
         * disconnected.
         *
         * @param description e.g. {@code "invalid stream key"}
         */
        public static Decision reject(String description) {
            return new Decision(false, description);
        }
    }
}
