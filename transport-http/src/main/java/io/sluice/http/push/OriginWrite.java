package io.sluice.http.push;

/**
 * One file operation on the origin, as {@link OriginPushPlanner} plans it.
 *
 * @param method   {@code PUT} or {@code DELETE}
 * @param path     relative to the stream's prefix, e.g. {@code seg-12.m4s}
 * @param body     the whole file for a {@code PUT} (shared, never modified), {@code null} for a {@code DELETE}
 * @param type     its media type for a {@code PUT}, {@code null} for a {@code DELETE}
 * @param playlist whether a later write of the same path replaces it (playlists and the MPD): a queued one
 *                 that has not started yet is then dropped
 */
record OriginWrite(Method method, String path, byte[] body, String type, boolean playlist) {
    enum Method { PUT, DELETE }

    static OriginWrite put(String path, byte[] body, String type) {
        return new OriginWrite(Method.PUT, path, body, type, false);
    }

    static OriginWrite putPlaylist(String path, String text, String type) {
        return new OriginWrite(Method.PUT, path, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), type, true);
    }

    static OriginWrite delete(String path) {
        return new OriginWrite(Method.DELETE, path, null, null, false);
    }

    /** Bytes of the body, 0 for a {@code DELETE}. */
    long bytes() {
        return body == null ? 0 : body.length;
    }
}
