package io.sluice.crypto.sframe;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread-safe {@link KeyProvider} holding {@code base_key}s in memory. Keys are copied in, handed out
 * as copies, and zeroed when removed or replaced; {@link #toString()} lists KIDs only.
 */
public final class InMemoryKeyProvider implements KeyProvider {
    private final Map<Long, byte[]> keys = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong();

    /**
     * Adds or replaces the {@code base_key} for {@code kid} (unsigned 64-bit). A replaced key is zeroed.
     *
     * @param baseKey copied; the caller may zero its array afterwards. RFC 9605 sets no length; at least
     *                16 bytes of key material is expected
     * @return this provider
     * @throws IllegalArgumentException if {@code baseKey} is empty
     */
    public InMemoryKeyProvider put(long kid, byte[] baseKey) {
        if (baseKey.length == 0) {
            throw new IllegalArgumentException("baseKey: 0 bytes (expected: > 0)");
        }
        byte[] old = keys.put(kid, baseKey.clone());
        if (old != null) {
            version.incrementAndGet();
            zero(old);
        }
        return this;
    }

    /**
     * Removes and zeroes the key for {@code kid}. Senders and receivers drop their derived copy before
     * their next frame.
     *
     * @return whether a key was removed
     */
    public boolean remove(long kid) {
        byte[] old = keys.remove(kid);
        if (old == null) {
            return false;
        }
        version.incrementAndGet();
        zero(old);
        return true;
    }

    /** Whether a key for {@code kid} is present. */
    public boolean contains(long kid) {
        return keys.containsKey(kid);
    }

    @Override
    public Optional<byte[]> baseKey(long kid) {
        byte[] k = keys.get(kid);
        if (k == null) {
            return Optional.empty();
        }
        synchronized (k) {
            // A concurrent remove() may have zeroed it; re-check it is still the mapped key.
            return keys.get(kid) == k ? Optional.of(k.clone()) : Optional.empty();
        }
    }

    @Override
    public long version() {
        return version.get();
    }

    private static void zero(byte[] k) {
        synchronized (k) {
            Arrays.fill(k, (byte) 0);
        }
    }

    /** Lists the KIDs held, never key bytes. */
    @Override
    public String toString() {
        TreeSet<String> kids = new TreeSet<>();
        keys.keySet().forEach(k -> kids.add(Long.toUnsignedString(k)));
        return "InMemoryKeyProvider{KIDs=" + kids + " <keys redacted>}";
    }
}
