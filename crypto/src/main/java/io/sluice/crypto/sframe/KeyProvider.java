package io.sluice.crypto.sframe;

import java.util.Optional;

/**
 * Source of SFrame {@code base_key}s, implemented by the application's key management (MLS, a
 * signalling channel, a static configuration). RFC 9605 §4.4.1: each KID maps to one {@code base_key};
 * the SFrame stack derives {@code sframe_key} and {@code sframe_salt} from it (§4.4.2) and caches the
 * result, so {@link #baseKey(long)} is called once per KID, not per frame.
 *
 * <p><b>Rotation.</b> To let cached keys follow removals and replacements, {@link #version()} must change
 * whenever a key is removed or replaced; senders and receivers compare it on every frame (one volatile
 * read) and drop and zero their derived keys when it moved. Adding a key for a new KID need not change it.
 *
 * <p>Implementations must be thread-safe: the application mutates keys on its own thread while the
 * encoder thread reads them. They must never log key bytes.
 *
 * @see InMemoryKeyProvider
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.4.1">RFC 9605 §4.4.1</a>
 */
public interface KeyProvider {
    /**
     * The {@code base_key} for {@code kid} (unsigned 64-bit), or empty if there is none.
     *
     * @return a fresh copy the caller owns; SFrame zeroes it once the keys are derived
     */
    Optional<byte[]> baseKey(long kid);

    /**
     * A value that changes whenever a key is removed or replaced. The default, for providers whose keys
     * never change, is a constant 0.
     */
    default long version() {
        return 0;
    }
}
