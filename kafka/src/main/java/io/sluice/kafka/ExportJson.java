package io.sluice.kafka;

import io.sluice.core.TrackInfo;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.internal.JsonStrings;
import java.util.Locale;

/**
 * The JSON values of the exported records (UTF-8, one object per record, keyed by stream name so a
 * stream's records keep their order in one partition).
 *
 * <p>Event: {@code {"type":"published","stream":"live/demo","sessionId":1,"protocol":"rtmp",
 * "clientAddress":"127.0.0.1:50412","timeMs":1767225600123,...}} with, by type: {@code tracks}
 * ({@code ["h264 1280x720","aac 48000 Hz 2 ch"]}) for {@code published}; {@code frames},
 * {@code bytes}, {@code durationMs} for {@code unpublished} and {@code play_stopped};
 * {@code action} ({@code publish|play}) and {@code reason} for {@code auth_refused};
 * {@code message} for {@code ingest_error}. {@code timeMs} is wall-clock Unix time, ms.
 *
 * <p>Window: {@code {"type":"stream_window","stream":"live/demo","timeMs":...,"windowMs":10000,
 * "spanMs":9000,"live":true,"ingestBitrateBps":812345,"viewersNow":3,"viewersMax":4,"viewersAvg":3.2,
 * "freezes":0,"p95LatencyMs":412.5,"latencySamples":40}}; {@code p95LatencyMs} is {@code null} when no
 * latency was reported in the window.
 */
public final class ExportJson {
    private ExportJson() {
    }

    /** The value of an event record. */
    public static String event(StreamEvent e, long timeMs) {
        StringBuilder sb = new StringBuilder(256).append("{\"type\":\"").append(e.kind()).append("\",\"stream\":");
        JsonStrings.append(sb, e.stream()).append(",\"sessionId\":").append(e.sessionId()).append(",\"protocol\":");
        JsonStrings.append(sb, e.session().protocol()).append(",\"clientAddress\":");
        JsonStrings.append(sb, e.session().clientAddress()).append(",\"timeMs\":").append(timeMs);
        if (e instanceof StreamEvent.Published p) {
            sb.append(",\"tracks\":[");
            for (int i = 0; i < p.tracks().size(); i++) {
                sb.append(i > 0 ? "," : "");
                JsonStrings.append(sb, track(p.tracks().get(i)));
            }
            sb.append(']');
        } else if (e instanceof StreamEvent.Unpublished u) {
            counts(sb, u.frames(), u.bytes(), u.durationNanos());
        } else if (e instanceof StreamEvent.PlayStopped s) {
            counts(sb, s.frames(), s.bytes(), s.durationNanos());
        } else if (e instanceof StreamEvent.AuthRefused a) {
            sb.append(",\"action\":\"").append(a.action().name().toLowerCase(Locale.ROOT)).append("\",\"reason\":");
            JsonStrings.append(sb, a.reason());
        } else if (e instanceof StreamEvent.IngestError i) {
            sb.append(",\"message\":");
            JsonStrings.append(sb, i.message());
        } else if (e instanceof StreamEvent.ViewerFreeze f) {
            sb.append(",\"freezes\":").append(f.freezes())
                    .append(",\"totalFreezesMs\":").append(f.totalFreezesDurationUs() / 1000);
        }
        return sb.append('}').toString();
    }

    /** The value of a window record. */
    public static String window(StreamWindow w, long timeMs) {
        StringBuilder sb = new StringBuilder(256).append("{\"type\":\"stream_window\",\"stream\":");
        JsonStrings.append(sb, w.stream()).append(",\"timeMs\":").append(timeMs)
                .append(",\"windowMs\":").append(w.windowNanos() / 1_000_000)
                .append(",\"spanMs\":").append(w.spanNanos() / 1_000_000)
                .append(",\"live\":").append(w.live())
                .append(",\"ingestBitrateBps\":").append(w.ingestBitrateBps())
                .append(",\"viewersNow\":").append(w.viewersNow())
                .append(",\"viewersMax\":").append(w.viewersMax())
                .append(",\"viewersAvg\":").append(Math.round(w.viewersAvg() * 100) / 100.0)
                .append(",\"freezes\":").append(w.freezes())
                .append(",\"p95LatencyMs\":").append(w.p95LatencyUs() < 0 ? "null" : String.valueOf(w.p95LatencyUs() / 1000.0))
                .append(",\"latencySamples\":").append(w.latencySamples());
        return sb.append('}').toString();
    }

    private static void counts(StringBuilder sb, long frames, long bytes, long durationNanos) {
        sb.append(",\"frames\":").append(frames).append(",\"bytes\":").append(bytes)
                .append(",\"durationMs\":").append(durationNanos / 1_000_000);
    }

    private static String track(TrackInfo t) {
        String codec = t.codec().name().toLowerCase(Locale.ROOT);
        return t.isVideo() ? codec + " " + t.width() + "x" + t.height()
                : codec + " " + t.sampleRate() + " Hz " + t.channels() + " ch";
    }
}
