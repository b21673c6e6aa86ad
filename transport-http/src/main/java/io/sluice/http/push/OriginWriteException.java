package io.sluice.http.push;

import java.io.IOException;

/**
 * A write to the origin failed: an HTTP status other than 2xx, no answer (connection refused, timeout), or a
 * file-system error for a directory target. Delivered through the {@code CompletableFuture} of
 * {@link OriginWriter#put}/{@link OriginWriter#delete}, and kept as {@link OriginPushStats#lastFailure()}.
 */
public final class OriginWriteException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String method;
    private final String location;
    private final int status;
    private final boolean retryable;

    /**
     * @param method    {@code PUT} or {@code DELETE}
     * @param location  the URL or file written
     * @param status    the HTTP status, or 0 when there was none (no connection, timeout, file-system error)
     * @param retryable whether trying again may succeed (no answer, 5xx, 408, 429; not 4xx such as 403 or 405)
     * @param detail    what went wrong, for the message
     * @param cause     the underlying exception, or {@code null}
     */
    public OriginWriteException(String method, String location, int status, boolean retryable, String detail, Throwable cause) {
        super(method + " " + location + ": " + (status > 0 ? "HTTP " + status + (detail.isEmpty() ? "" : " " + detail) : detail), cause);
        this.method = method;
        this.location = location;
        this.status = status;
        this.retryable = retryable;
    }

    /** {@code PUT} or {@code DELETE}. */
    public String method() {
        return method;
    }

    /** The URL or file written. */
    public String location() {
        return location;
    }

    /** The HTTP status, or 0 when there was none. */
    public int status() {
        return status;
    }

    /** Whether trying again may succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** Whether an HTTP status is worth a retry: 408, 425, 429 and every 5xx. */
    static boolean retryableStatus(int status) {
        return status == 408 || status == 425 || status == 429 || status >= 500;
    }
}
