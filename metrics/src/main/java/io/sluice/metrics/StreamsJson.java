package io.sluice.metrics;

import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.core.internal.JsonStrings;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of the {@code /api/v1/streams} API, written by hand (no JSON library on the classpath).
 * Shape of one stream:
 * <pre>{@code
 * {"name":"live/demo","live":true,
 *  "tracks":[{"id":0,"media":"video","codec":"h264","width":1280,"height":720,"frameRate":30.0},
 *            {"id":1,"media":"audio","codec":"aac","sampleRate":48000,"channels":2}],
 *  "publisher":{"id":1,"protocol":"rtmp","clientAddress":"127.0.0.1:50412","durationMs":61234,
 *               "frames":3050,"bytes":7812345,"bitrateBps":1020633},
 *  "viewers":[{"id":2,"protocol":"whep","clientAddress":"127.0.0.1:50999", ...}]}
 * }</pre>
 * {@code publisher} is {@code null} when nobody publishes (viewers waiting); {@code bitrateBps} is the
 * session's average (bytes × 8 / duration), 0 in its first millisecond.
 */
final class StreamsJson {
    private StreamsJson() {
    }

    static String streams(List<StreamSnapshot> streams, long nowNanos) {
        StringBuilder sb = new StringBuilder(256 + 512 * streams.size()).append("{\"streams\":[");
        for (int i = 0; i < streams.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            stream(sb, streams.get(i), nowNanos);
        }
        return sb.append("]}\n").toString();
    }

    static String stream(StreamSnapshot s, long nowNanos) {
        StringBuilder sb = new StringBuilder(512);
        stream(sb, s, nowNanos);
        return sb.append('\n').toString();
    }

    private static void stream(StringBuilder sb, StreamSnapshot s, long nowNanos) {
        sb.append("{\"name\":");
        string(sb, s.name());
        sb.append(",\"live\":").append(s.publisher().isPresent()).append(",\"tracks\":[");
        for (int i = 0; i < s.tracks().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            track(sb, s.tracks().get(i));
        }
        sb.append("],\"publisher\":");
        if (s.publisher().isPresent()) {
            session(sb, s.publisher().get(), nowNanos);
        } else {
            sb.append("null");
        }
        sb.append(",\"viewers\":[");
        for (int i = 0; i < s.viewers().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            session(sb, s.viewers().get(i), nowNanos);
        }
        sb.append("]}");
    }

    private static void track(StringBuilder sb, TrackInfo t) {
        sb.append("{\"id\":").append(t.trackId()).append(",\"media\":\"").append(t.isVideo() ? "video" : "audio")
                .append("\",\"codec\":\"").append(t.codec().name().toLowerCase(Locale.ROOT)).append('"');
        if (t.isVideo()) {
            sb.append(",\"width\":").append(t.width()).append(",\"height\":").append(t.height());
            t.frameRate().ifPresent(r -> sb.append(",\"frameRate\":").append(r.toDouble()));
        } else {
            sb.append(",\"sampleRate\":").append(t.sampleRate()).append(",\"channels\":").append(t.channels());
        }
        sb.append('}');
    }

    private static void session(StringBuilder sb, StreamSnapshot.Session s, long nowNanos) {
        long durationNanos = Math.max(0, nowNanos - s.startedNanos());
        long durationMs = durationNanos / 1_000_000;
        long bitrate = durationMs == 0 ? 0 : s.bytes() * 8_000 / durationMs;
        sb.append("{\"id\":").append(s.id()).append(",\"protocol\":");
        string(sb, s.session().protocol());
        sb.append(",\"clientAddress\":");
        string(sb, s.session().clientAddress());
        sb.append(",\"durationMs\":").append(durationMs).append(",\"frames\":").append(s.frames())
                .append(",\"bytes\":").append(s.bytes()).append(",\"bitrateBps\":").append(bitrate).append('}');
    }

    static void string(StringBuilder sb, String s) {
        JsonStrings.append(sb, s);
    }
}
