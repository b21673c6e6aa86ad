package io.sluice.http.push;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Where pushed files go: an HTTP origin ({@link #http(URI)}: {@code PUT} and {@code DELETE}) or a directory
 * ({@link #directory(Path)}: atomic replace). Paths are relative, {@code /}-separated, e.g.
 * {@code live/cam/seg-12.m4s}; they never hold {@code ..}, a leading {@code /} or characters outside
 * {@code [A-Za-z0-9._~/-]}.
 *
 * <p>Calls return at once; the future completes when the origin has the file (or has dropped it), or
 * exceptionally with an {@link OriginWriteException} naming the URL or file and the status. A writer makes
 * no retries itself: {@link OriginPush} retries, bounds what is in flight and orders the writes.
 *
 * <p>Thread-safe.
 */
public interface OriginWriter extends AutoCloseable {
    /** An HTTP origin at {@code base} (ending in {@code /}) with the defaults of {@link HttpOriginWriter.Builder}. */
    static OriginWriter http(URI base) {
        return HttpOriginWriter.builder(base).build();
    }

    /** A directory (created if missing) that files are written into by temp file and atomic rename. */
    static OriginWriter directory(Path root) {
        return new DirectoryOriginWriter(root);
    }

    /** The URL or file that {@code path} is written to, for messages. */
    String location(String path);

    /**
     * Stores {@code body} at {@code path}, replacing what is there.
     *
     * @param body        the whole file; not modified, not kept after the future completes
     * @param contentType its media type, e.g. {@code video/mp4}
     */
    CompletableFuture<Void> put(String path, byte[] body, String contentType);

    /** Removes {@code path}; a file that is not there counts as removed. */
    CompletableFuture<Void> delete(String path);

    /**
     * A writer for the paths under {@code prefix} (e.g. {@code live/cam/}) of this one, sharing its connections;
     * closing it does not close this one.
     *
     * @throws IllegalArgumentException if {@code prefix} is not a valid path ending in {@code /}
     */
    default OriginWriter under(String prefix) {
        checkPath(prefix);
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix: '" + prefix + "' (expected: a path ending in /)");
        }
        OriginWriter parent = this;
        return new OriginWriter() {
            @Override
            public String location(String path) {
                return parent.location(prefix + path);
            }

            @Override
            public CompletableFuture<Void> put(String path, byte[] body, String contentType) {
                return parent.put(prefix + path, body, contentType);
            }

            @Override
            public CompletableFuture<Void> delete(String path) {
                return parent.delete(prefix + path);
            }

            @Override
            public void close() {
            }
        };
    }

    /** Ends the writer's threads and connections; writes in flight may fail. Idempotent. */
    @Override
    void close();

    /**
     * @throws IllegalArgumentException if {@code path} is empty, absolute, holds {@code ..} or a character outside
     *                                  {@code [A-Za-z0-9._~/-]}
     */
    static String checkPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || !path.matches("[A-Za-z0-9._~/-]+")
                || ("/" + path + "/").contains("/../") || ("/" + path + "/").contains("/./") || path.contains("//")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: relative, [A-Za-z0-9._~/-], no . or .. segments)");
        }
        return path;
    }
}
