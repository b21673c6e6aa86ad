package io.sluice.http.hls;

import io.sluice.http.cmaf.CmafPart;

/** What to do with a playlist or blocking part request now (sans-IO answer of {@link HlsMediaPlaylist}). */
public sealed interface PlaylistAnswer {
    /** Send this body with status 200. */
    record Ok(String body) implements PlaylistAnswer {
    }

    /**
     * Send this part (it exists, or became available) with status 200. Its bytes are {@link CmafPart#bytes()}, readable
     * while the part's owner holds it (see {@link CmafPart}); the answer holds no reference of its own.
     */
    record Part(CmafPart part) implements PlaylistAnswer {
    }

    /** Not yet: ask again when the playlist changes, or at {@code deadlineNanos} at the latest. */
    record Wait(long deadlineNanos) implements PlaylistAnswer {
    }

    /**
     * Answer with an error status: 400 for directives the spec rejects, 404 for what does not exist, 503
     * for a blocking request not satisfiable within three target durations or a stream that ended.
     */
    record Error(int status, String reason) implements PlaylistAnswer {
    }
}
