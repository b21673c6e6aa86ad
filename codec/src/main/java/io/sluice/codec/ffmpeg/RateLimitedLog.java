package io.sluice.codec.ffmpeg;

import org.slf4j.Logger;

/**
 * Logs at most one WARN per interval and counts what it held back, so a stream of bad packets costs one
 * line a second instead of one per packet.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private long lastNanos;
    private boolean logged;
    private long suppressed;

    RateLimitedLog(Logger log, long intervalNanos) {
        this.log = log;
        this.intervalNanos = intervalNanos;
    }

    /** Logs {@code format} with {@code args} unless a line was logged less than one interval ago. */
    synchronized void warn(String format, Object... args) {
        long now = System.nanoTime();
        if (logged && now - lastNanos < intervalNanos) {
            suppressed++;
            return;
        }
        if (suppressed > 0) {
            log.warn("({} similar message(s) suppressed)", suppressed);
            suppressed = 0;
        }
        logged = true;
        lastNanos = now;
        log.warn(format, args);
    }
}
