package io.sluice.rtmp.message;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The info object of an {@code onStatus}, {@code _result} or {@code _error} command (§7.2.1,
 * §7.2.2): {@code level} ("status", "warning" or "error"), {@code code} (e.g.
 * {@code "NetStream.Publish.Start"}) and a human-readable {@code description}.
 *
 * @param level       "status", "warning" or "error"
 * @param code        status code
 * @param description free text from the peer; empty if absent
 */
public record NetStatus(String level, String code, String description) {
    /** Level of successful operations. */
    public static final String LEVEL_STATUS = "status";
    /** Level of failures. */
    public static final String LEVEL_ERROR = "error";
    /** Level of warnings. */
    public static final String LEVEL_WARNING = "warning";

    /** connect succeeded. */
    public static final String CONNECT_SUCCESS = "NetConnection.Connect.Success";
    /** connect refused (bad app, authorisation). */
    public static final String CONNECT_REJECTED = "NetConnection.Connect.Rejected";
    /** publish accepted: media may flow. */
    public static final String PUBLISH_START = "NetStream.Publish.Start";
    /** publish refused: the stream name is already live or not allowed. */
    public static final String PUBLISH_BAD_NAME = "NetStream.Publish.BadName";
    /** publish refused: missing or invalid credentials (see io.sluice.core.auth). */
    public static final String PUBLISH_UNAUTHORIZED = "NetStream.Publish.Unauthorized";
    /** unpublish done. */
    public static final String UNPUBLISH_SUCCESS = "NetStream.Unpublish.Success";
    /** play started. */
    public static final String PLAY_START = "NetStream.Play.Start";
    /** play reset (sent before Play.Start by FMS-style servers). */
    public static final String PLAY_RESET = "NetStream.Play.Reset";
    /** play refused: no such stream. */
    public static final String PLAY_STREAM_NOT_FOUND = "NetStream.Play.StreamNotFound";

    /** @throws NullPointerException if a field is null */
    public NetStatus {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(description, "description");
    }

    /** Whether the level is "error". */
    public boolean isError() {
        return LEVEL_ERROR.equals(level);
    }

    /** The AMF0 Object form: level, code, description, in that order. */
    public Map<String, Object> toInfoObject() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", level);
        m.put("code", code);
        m.put("description", description);
        return m;
    }

    /** Reads level, code and description from an info object; missing or non-string fields become "". */
    public static NetStatus fromInfoObject(Map<?, ?> info) {
        return new NetStatus(string(info.get("level")), string(info.get("code")), string(info.get("description")));
    }

    private static String string(Object o) {
        return o instanceof String s ? s : "";
    }
}
